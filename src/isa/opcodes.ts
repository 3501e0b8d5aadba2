/** Opcode fields of RFC 9669 (BPF ISA). */

/** Instruction classes: `op & 0x07`. */
export const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;
/** Source bit of ALU/JMP: `op & 0x08`. For END it selects TO_BE (X) vs TO_LE (K). */
export const SRC = { K: 0x00, X: 0x08 } as const;
/** ALU operations: `op & 0xf0`. */
export const ALU = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;
/** Jump operations: `op & 0xf0`. */
export const JMP = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70,
  CALL: 0x80, EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0,
} as const;
/** Load/store size: `op & 0x18`. */
export const SIZE = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
/** Bytes accessed for each size field value (index `size >> 3`). */
export const SIZE_BYTES = [4, 2, 1, 8] as const;
/** Load/store mode: `op & 0xe0`. */
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;
/** Atomic operations in `imm` of `STX | ATOMIC`. */
export const ATOMIC = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0, FETCH: 0x01, XCHG: 0xe0 | 0x01, CMPXCHG: 0xf0 | 0x01,
  LOAD_ACQ: 0x100, STORE_REL: 0x110,
} as const;

/** The `op` byte of `lddw` (BPF_LD | BPF_IMM | BPF_DW). */
export const OP_LDDW = CLASS.LD | MODE.IMM | SIZE.DW;
/** The `op` byte of `call`. */
export const OP_CALL = CLASS.JMP | JMP.CALL;
/** The `op` byte of `exit`. */
export const OP_EXIT = CLASS.JMP | JMP.EXIT;

export const opClass = (op: number): number => op & 0x07;
export const opCode = (op: number): number => op & 0xf0;
export const opSource = (op: number): number => op & 0x08;
export const opSize = (op: number): number => op & 0x18;
export const opMode = (op: number): number => op & 0xe0;
/** True for ALU and ALU64 classes. */
export const isAluClass = (cls: number): boolean => cls === CLASS.ALU || cls === CLASS.ALU64;
/** True for JMP and JMP32 classes. */
export const isJmpClass = (cls: number): boolean => cls === CLASS.JMP || cls === CLASS.JMP32;
