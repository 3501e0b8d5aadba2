/**
 * The opcode metadata table: one entry per valid instruction form of RFC 9669 (including the v4
 * additions), built from the small per-class tables below. Every decoder, validator, formatter
 * and assembler in this module looks instructions up here instead of switching on bits.
 *
 * An entry is selected by the opcode byte plus, where several forms share a byte, a fixed value
 * of `off` (sdiv/smod, movsx), `imm` (atomics, byte swaps) or `src` (lddw pseudo sources, call
 * kinds). Fields an entry does not `use` are reserved and must be zero (the kernel's
 * "uses reserved fields" check).
 */
import { Instruction } from './instruction.js';
import { ALU, ATOMIC, CLASS, JMP, MODE, SIZE, SRC } from './opcodes.js';

/** `src` values of `lddw` (`BPF_PSEUDO_*` in linux/bpf.h). */
export const PSEUDO = {
  /** Plain 64-bit constant. */
  IMM: 0, MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6,
} as const;
/** `src` values of `call` (`BPF_PSEUDO_CALL`, `BPF_PSEUDO_KFUNC_CALL`; 0 is a helper call). */
export const CALL_KIND = { HELPER: 0, PSEUDO_CALL: 1, KFUNC: 2 } as const;

/** What an instruction does, i.e. which operand shape it has. */
export type Kind =
  | 'alu' // dst op= src|imm (incl. sdiv/smod)
  | 'neg' | 'end' | 'bswap' | 'movsx'
  | 'ldx' | 'ldsx' | 'st' | 'stx' | 'atomic'
  | 'lddw' | 'ldabs' | 'ldind'
  | 'ja' | 'gotol' | 'jcond' | 'call' | 'callx' | 'exit';

/** The arithmetic/comparison/atomic operation an entry performs. */
export type Operation =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'smod' | 'xor' | 'mov' | 'arsh'
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle'
  | 'fetch_add' | 'fetch_or' | 'fetch_and' | 'fetch_xor' | 'xchg' | 'cmpxchg'
  | 'le' | 'be' | 'none';

/**
 * The C-like operator of each ALU, comparison and (non-fetching) atomic operation, as LLVM and
 * the kernel's disassembler both print them.
 */
export const OPERATOR: Readonly<Partial<Record<Operation, string>>> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  mod: '%=', smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=',
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=', jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};

export interface OpcodeInfo {
  /** The opcode byte. */
  readonly op: number;
  readonly kind: Kind;
  readonly operation: Operation;
  /** Mnemonic of the bpf_conformance assembler (`add32`, `ldxw`, `lock fetch add32`, `movsx816`…). */
  readonly mnemonic: string;
  /** Operands carried by each field; unused fields must be zero. */
  readonly uses: { readonly dst: boolean; readonly src: boolean; readonly off: boolean; readonly imm: boolean };
  /** Fixed field values selecting this entry among those sharing `op`. */
  readonly match: { readonly off?: number; readonly imm?: number; readonly src?: number };
  /** 32-bit operation (ALU, JMP32, 32-bit atomics). */
  readonly is32: boolean;
  /** Bytes accessed by loads/stores/atomics, or the width of end/bswap/movsx; 0 otherwise. */
  readonly width: number;
  /** True for the forms RFC 9669 marks as v4 (sdiv/smod, movsx, ldsx, bswap, gotol). */
  readonly v4: boolean;
  /** Not part of RFC 9669 but accepted by the tools (callx: bpf_conformance and LLVM). */
  readonly extension?: boolean;
}

type Uses = OpcodeInfo['uses'];
const use = (fields: string): Uses => ({
  dst: fields.includes('d'), src: fields.includes('s'), off: fields.includes('o'), imm: fields.includes('i'),
});

const ALU_OPS: ReadonlyArray<[Operation, number]> = [
  ['add', ALU.ADD], ['sub', ALU.SUB], ['mul', ALU.MUL], ['div', ALU.DIV], ['or', ALU.OR], ['and', ALU.AND],
  ['lsh', ALU.LSH], ['rsh', ALU.RSH], ['mod', ALU.MOD], ['xor', ALU.XOR], ['mov', ALU.MOV], ['arsh', ALU.ARSH],
];
/** v4 signed forms: same opcode, `off` = 1. */
const SIGNED_ALU_OPS: ReadonlyArray<[Operation, number]> = [['sdiv', ALU.DIV], ['smod', ALU.MOD]];
const JMP_OPS: ReadonlyArray<[Operation, number]> = [
  ['jeq', JMP.JEQ], ['jgt', JMP.JGT], ['jge', JMP.JGE], ['jset', JMP.JSET], ['jne', JMP.JNE], ['jsgt', JMP.JSGT],
  ['jsge', JMP.JSGE], ['jlt', JMP.JLT], ['jle', JMP.JLE], ['jslt', JMP.JSLT], ['jsle', JMP.JSLE],
];
const SIZES: ReadonlyArray<[string, number, number]> = [['b', SIZE.B, 1], ['h', SIZE.H, 2], ['w', SIZE.W, 4], ['dw', SIZE.DW, 8]];
const ATOMIC_OPS: ReadonlyArray<[Operation, number, string]> = [
  ['add', ATOMIC.ADD, 'add'], ['or', ATOMIC.OR, 'or'], ['and', ATOMIC.AND, 'and'], ['xor', ATOMIC.XOR, 'xor'],
  ['fetch_add', ATOMIC.ADD | ATOMIC.FETCH, 'fetch add'], ['fetch_or', ATOMIC.OR | ATOMIC.FETCH, 'fetch or'],
  ['fetch_and', ATOMIC.AND | ATOMIC.FETCH, 'fetch and'], ['fetch_xor', ATOMIC.XOR | ATOMIC.FETCH, 'fetch xor'],
  ['xchg', ATOMIC.XCHG, 'xchg'], ['cmpxchg', ATOMIC.CMPXCHG, 'cmpxchg'],
];
const WIDTHS = [16, 32, 64] as const;

function buildTable(): OpcodeInfo[] {
  const t: OpcodeInfo[] = [];
  const add = (e: Omit<OpcodeInfo, 'is32' | 'width' | 'v4' | 'match'> & Partial<Pick<OpcodeInfo, 'is32' | 'width' | 'v4' | 'match'>>) =>
    t.push({ is32: false, width: 0, v4: false, match: {}, ...e });

  for (const cls of [CLASS.ALU64, CLASS.ALU]) {
    const is32 = cls === CLASS.ALU;
    const sfx = is32 ? '32' : '';
    for (const [src, uses] of [[SRC.K, use('di')], [SRC.X, use('ds')]] as const) {
      for (const [operation, code] of ALU_OPS) {
        const fixedOff = code === ALU.DIV || code === ALU.MOD || code === ALU.MOV;
        add({ op: cls | code | src, kind: 'alu', operation, mnemonic: operation + sfx, uses, is32, match: fixedOff ? { off: 0 } : {} });
      }
      for (const [operation, code] of SIGNED_ALU_OPS) {
        add({ op: cls | code | src, kind: 'alu', operation, mnemonic: operation + sfx, uses, is32, v4: true, match: { off: 1 } });
      }
    }
    add({ op: cls | ALU.NEG | SRC.K, kind: 'neg', operation: 'none', mnemonic: 'neg' + sfx, uses: use('d'), is32 });
    for (const width of is32 ? [8, 16] : [8, 16, 32]) {
      add({
        op: cls | ALU.MOV | SRC.X, kind: 'movsx', operation: 'mov', mnemonic: `movsx${width}${is32 ? 32 : 64}`,
        uses: use('ds'), is32, width, v4: true, match: { off: width },
      });
    }
  }
  for (const width of WIDTHS) {
    add({ op: CLASS.ALU | ALU.END | SRC.K, kind: 'end', operation: 'le', mnemonic: `le${width}`, uses: use('d'), is32: true, width, match: { imm: width } });
    add({ op: CLASS.ALU | ALU.END | SRC.X, kind: 'end', operation: 'be', mnemonic: `be${width}`, uses: use('d'), is32: true, width, match: { imm: width } });
    add({ op: CLASS.ALU64 | ALU.END | SRC.K, kind: 'bswap', operation: 'none', mnemonic: `swap${width}`, uses: use('d'), width, v4: true, match: { imm: width } });
  }

  for (const [name, size, width] of SIZES) {
    add({ op: CLASS.LDX | MODE.MEM | size, kind: 'ldx', operation: 'none', mnemonic: `ldx${name}`, uses: use('dso'), width });
    add({ op: CLASS.ST | MODE.MEM | size, kind: 'st', operation: 'none', mnemonic: `st${name}`, uses: use('doi'), width });
    add({ op: CLASS.STX | MODE.MEM | size, kind: 'stx', operation: 'none', mnemonic: `stx${name}`, uses: use('dso'), width });
    if (size !== SIZE.DW) {
      add({ op: CLASS.LDX | MODE.MEMSX | size, kind: 'ldsx', operation: 'none', mnemonic: `ldxs${name}`, uses: use('dso'), width, v4: true });
      add({ op: CLASS.LD | MODE.ABS | size, kind: 'ldabs', operation: 'none', mnemonic: `ldabs${name}`, uses: use('i'), width });
      add({ op: CLASS.LD | MODE.IND | size, kind: 'ldind', operation: 'none', mnemonic: `ldind${name}`, uses: use('si'), width });
    }
  }
  for (const [name, size, width] of SIZES.filter(([, s]) => s === SIZE.W || s === SIZE.DW)) {
    const is32 = name === 'w';
    for (const [operation, imm, mn] of ATOMIC_OPS) {
      add({
        op: CLASS.STX | MODE.ATOMIC | size, kind: 'atomic', operation, mnemonic: `lock ${mn}${is32 ? '32' : ''}`,
        uses: use('dso'), is32, width, match: { imm },
      });
    }
  }
  for (const src of Object.values(PSEUDO)) {
    add({ op: CLASS.LD | MODE.IMM | SIZE.DW, kind: 'lddw', operation: 'none', mnemonic: 'lddw', uses: use('di'), width: 8, match: { src } });
  }

  for (const cls of [CLASS.JMP, CLASS.JMP32]) {
    const is32 = cls === CLASS.JMP32;
    for (const [src, uses] of [[SRC.K, use('doi')], [SRC.X, use('dso')]] as const) {
      for (const [operation, code] of JMP_OPS) {
        add({ op: cls | code | src, kind: 'jcond', operation, mnemonic: operation + (is32 ? '32' : ''), uses, is32 });
      }
    }
  }
  add({ op: CLASS.JMP | JMP.JA, kind: 'ja', operation: 'none', mnemonic: 'ja', uses: use('o') });
  add({ op: CLASS.JMP32 | JMP.JA, kind: 'gotol', operation: 'none', mnemonic: 'ja32', uses: use('i'), v4: true });
  add({ op: CLASS.JMP | JMP.CALL, kind: 'call', operation: 'none', mnemonic: 'call', uses: use('i'), match: { src: CALL_KIND.HELPER } });
  add({ op: CLASS.JMP | JMP.CALL, kind: 'call', operation: 'none', mnemonic: 'call local', uses: use('i'), match: { src: CALL_KIND.PSEUDO_CALL } });
  // A kfunc call's `off` selects the BTF (0: vmlinux, N: module fd index N).
  add({ op: CLASS.JMP | JMP.CALL, kind: 'call', operation: 'none', mnemonic: 'call runtime', uses: use('oi'), match: { src: CALL_KIND.KFUNC } });
  add({ op: CLASS.JMP | JMP.CALL | SRC.X, kind: 'callx', operation: 'none', mnemonic: 'call', uses: use('d'), extension: true });
  add({ op: CLASS.JMP | JMP.EXIT, kind: 'exit', operation: 'none', mnemonic: 'exit', uses: use('') });
  return t;
}

/** Every valid instruction form. */
export const OPCODES: readonly OpcodeInfo[] = Object.freeze(buildTable());

const byOp: OpcodeInfo[][] = Array.from({ length: 256 }, () => []);
for (const e of OPCODES) byOp[e.op].push(e);

/** True when `insn` has the fixed field values of `e`. */
const matches = (e: OpcodeInfo, insn: Instruction): boolean =>
  (e.match.off === undefined || e.match.off === insn.off) &&
  (e.match.imm === undefined || e.match.imm === insn.imm) &&
  (e.match.src === undefined || e.match.src === insn.src);

/** The table entry describing `insn`, or undefined when the encoding is not a valid instruction form. */
export function lookup(insn: Instruction): OpcodeInfo | undefined {
  const candidates = byOp[insn.op & 0xff];
  for (let i = 0; i < candidates.length; i++) if (matches(candidates[i], insn)) return candidates[i];
  return undefined;
}

/** Highest valid register number (r10 is the read-only frame pointer). */
export const MAX_REG = 10;

const FIELDS = ['dst', 'src', 'off', 'imm'] as const;

/**
 * Why `insn` is not a well-formed instance of its entry `e`: a reserved field that is not zero
 * (the kernel's "uses reserved fields") or a register above r10. Undefined when well formed.
 */
export function encodingProblem(e: OpcodeInfo, insn: Instruction): string | undefined {
  for (const f of FIELDS) {
    if (!e.uses[f] && e.match[f as keyof OpcodeInfo['match']] === undefined && insn[f] !== 0) return `${e.mnemonic} uses reserved field ${f} (${insn[f]})`;
  }
  if (e.uses.dst && insn.dst > MAX_REG) return `invalid register r${insn.dst}`;
  if (e.uses.src && insn.src > MAX_REG) return `invalid register r${insn.src}`;
  return undefined;
}

/** All entries sharing an opcode byte. */
export const entriesForOp = (op: number): readonly OpcodeInfo[] => byOp[op & 0xff];

/** Number of 8-byte slots an instruction occupies (2 for lddw). */
export const slotCount = (e: OpcodeInfo): number => (e.kind === 'lddw' ? 2 : 1);

/** Builds an instruction of entry `e` with the given operands, filling its fixed fields. */
export function make(e: OpcodeInfo, fields: Partial<Instruction> = {}): Instruction {
  return {
    op: e.op,
    dst: fields.dst ?? 0,
    src: e.match.src ?? fields.src ?? 0,
    off: e.match.off ?? fields.off ?? 0,
    imm: e.match.imm ?? fields.imm ?? 0,
  };
}
