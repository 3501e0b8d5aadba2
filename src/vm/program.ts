/**
 * Loading a program into the VM: validation of every instruction slot (isa's validateProgram:
 * reserved fields zero, registers valid, jumps in range and not into an lddw's second half; here:
 * r10 never written, the last instruction an exit or a jump — as the kernel checks them),
 * resolution of lddw pseudo sources and helper ids, and pre-decoding into flat typed arrays of
 * internal operations ({@link Op}) so the interpreter's dispatch is one dense `switch` and every
 * operand is one typed-array read away.
 */
import { IsaError, LoadError } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import { decodeInstructions } from '../isa/instruction.js';
import type { Kind, OpcodeInfo, Operation } from '../isa/table.js';
import { validateProgram } from '../isa/validate.js';
import { BPF_FUNC, BPF_PSEUDO, BPF_PSEUDO_CALL, helperName } from '../uapi/index.js';
import type { Memory } from './memory.js';

/**
 * Internal operations: one per (opcode, variant) so that the interpreter never re-inspects
 * `off`/`imm` to know what to do. K = immediate operand, X = register operand.
 */
export const enum Op {
  ADD64K, ADD64X, SUB64K, SUB64X, MUL64K, MUL64X, DIV64K, DIV64X, SDIV64K, SDIV64X,
  OR64K, OR64X, AND64K, AND64X, LSH64K, LSH64X, RSH64K, RSH64X, NEG64, MOD64K, MOD64X,
  SMOD64K, SMOD64X, XOR64K, XOR64X, MOV64K, MOV64X, MOVSX64_8, MOVSX64_16, MOVSX64_32, ARSH64K, ARSH64X,
  ADD32K, ADD32X, SUB32K, SUB32X, MUL32K, MUL32X, DIV32K, DIV32X, SDIV32K, SDIV32X,
  OR32K, OR32X, AND32K, AND32X, LSH32K, LSH32X, RSH32K, RSH32X, NEG32, MOD32K, MOD32X,
  SMOD32K, SMOD32X, XOR32K, XOR32X, MOV32K, MOV32X, MOVSX32_8, MOVSX32_16, ARSH32K, ARSH32X,
  LE16, LE32, LE64, BE16, BE32, BE64,
  LDDW, LDABS_B, LDABS_H, LDABS_W, LDIND_B, LDIND_H, LDIND_W,
  LDXB, LDXH, LDXW, LDXDW, LDSXB, LDSXH, LDSXW,
  STB, STH, STW, STDW, STXB, STXH, STXW, STXDW,
  AW_ADD, AW_OR, AW_AND, AW_XOR, AW_FADD, AW_FOR, AW_FAND, AW_FXOR, AW_XCHG, AW_CMPXCHG,
  ADW_ADD, ADW_OR, ADW_AND, ADW_XOR, ADW_FADD, ADW_FOR, ADW_FAND, ADW_FXOR, ADW_XCHG, ADW_CMPXCHG,
  JA, JEQK, JEQX, JGTK, JGTX, JGEK, JGEX, JSETK, JSETX, JNEK, JNEX, JSGTK, JSGTX, JSGEK, JSGEX,
  JLTK, JLTX, JLEK, JLEX, JSLTK, JSLTX, JSLEK, JSLEX,
  JEQ32K, JEQ32X, JGT32K, JGT32X, JGE32K, JGE32X, JSET32K, JSET32X, JNE32K, JNE32X,
  JSGT32K, JSGT32X, JSGE32K, JSGE32X, JLT32K, JLT32X, JLE32K, JLE32X, JSLT32K, JSLT32X, JSLE32K, JSLE32X,
  CALL, CALLX, CALL_LOCAL, TAIL_CALL, EXIT,
  /** Superinstructions ({@link FUSIONS}). */
  MOV_ADD64K, MOV_ADD64K_JGTX, MOV_ADD32K, MOV_ADD32X, LDXB_ADD64X, LDXH_ADD64X, LDXW_ADD64X, LDXDW_ADD64X,
  /** Never decoded: where a run's instruction budget runs out (see the interpreter's budget trap). */
  BUDGET,
}

/** A helper implementation: reads r1–r5 from the VM ({@link HelperVm}) and returns r0. */
export type Helper = (vm: HelperVm) => number | bigint;

/**
 * What a helper sees of the VM. Registers are 64-bit, held as two's-complement 32-bit halves:
 * `lo(i)` / `hi(i)` (in `regs[2i]` / `regs[2i + 1]`); a pointer's region is `hi(i)` and its
 * offset `lo(i) >>> 0`.
 */
export interface HelperVm {
  /** r0..r10 as (low, high) Int32 pairs. */
  readonly regs: Int32Array;
  /** Low 32 bits of register `i` (signed). */
  lo(i: number): number;
  /** High 32 bits of register `i` (signed); a pointer's region. */
  hi(i: number): number;
  /** Register `i` as a number: exact within ±2^53 (pointers, sizes, flags). */
  regNum(i: number): number;
  /** Index of the call instruction being executed (for fault locations). */
  readonly pc: number;
  /** The CPU the run is on (per-CPU maps, bpf_get_smp_processor_id). */
  readonly cpu: number;
  /** The VM's memory (helpers check and access pointer arguments through it: {@link Memory.resolve}). */
  readonly mem: Memory;
  /** Runs the BPF function at code pointer (lo, hi) with r1–r5 = args on a new frame; returns its r0 as a number (exact within ±2^53). */
  callback(lo: number, hi: number, a1?: number, a2?: number, a3?: number, a4?: number, a5?: number): number;
}

/** Helper implementations by helper id. */
export type HelperTable = ReadonlyMap<number, Helper>;

/** Resolves an lddw with a pseudo source (map fd, map value…) at load time to a 64-bit value. */
export type Ld64Resolver = (pseudo: number, imm: number, nextImm: number, insn: number) => number | bigint;

/** Options of {@link decodeProgram}. */
export interface DecodeOptions {
  /** Program name for error locations. */
  name?: string;
  helpers?: HelperTable;
  /** lddw pseudo sources other than BPF_PSEUDO_FUNC; without it such lddw fail to load. */
  resolveLd64?: Ld64Resolver;
  /** Region id of code pointers (lddw BPF_PSEUDO_FUNC yields codeRegion:insn). */
  codeRegion: number;
  /** The VM the program is loaded into: its pointers (maps, code) are only valid there. */
  owner: object;
}

/** A program pre-decoded for the interpreter. */
export interface VmProgram {
  /** Unique id (like the kernel's prog id; what a prog array stores). */
  readonly id: number;
  /** The VM it was loaded into (only that VM runs it). */
  readonly owner: object;
  readonly name: string;
  readonly insns: readonly Instruction[];
  readonly length: number;
  /**
   * Four Int32 words per slot, what the interpreter reads: `ins[4i]` = op | dst << 8 | src << 12
   * (op: {@link Op}; the second slot of an lddw is never executed), `ins[4i + 1]` = immediate
   * (shift immediates pre-masked to the operand width; lddw: low 32 bits), `ins[4i + 2]` = jump or
   * call target slot (lddw: high 32 bits), `ins[4i + 3]` = offset.
   */
  readonly ins: Int32Array;
  /**
   * Instructions of the straight-line run from each slot up to and including the next
   * terminator (jump, call, exit, LD_ABS/LD_IND; an lddw counts once): what the interpreter
   * charges to the instruction budget when it enters a run ({@link runCosts}).
   */
  readonly cost: Int32Array;
  /** Helper per call slot (a refusing stub elsewhere). */
  readonly helper: Helper[];
  /** The helper table the program was loaded with (for callx). */
  readonly helpers: HelperTable;
}

/** Internal op of each ALU operation, K form (X is +1), for [ALU64, ALU32]. */
const ALU_OPS: Partial<Record<Operation, [Op, Op]>> = {
  add: [Op.ADD64K, Op.ADD32K], sub: [Op.SUB64K, Op.SUB32K], mul: [Op.MUL64K, Op.MUL32K],
  div: [Op.DIV64K, Op.DIV32K], sdiv: [Op.SDIV64K, Op.SDIV32K], mod: [Op.MOD64K, Op.MOD32K],
  smod: [Op.SMOD64K, Op.SMOD32K], or: [Op.OR64K, Op.OR32K], and: [Op.AND64K, Op.AND32K],
  xor: [Op.XOR64K, Op.XOR32K], lsh: [Op.LSH64K, Op.LSH32K], rsh: [Op.RSH64K, Op.RSH32K],
  arsh: [Op.ARSH64K, Op.ARSH32K], mov: [Op.MOV64K, Op.MOV32K],
};
/** Conditional jumps, K form (X is +1), for [JMP, JMP32]. */
const JMP_OPS: Partial<Record<Operation, [Op, Op]>> = {
  jeq: [Op.JEQK, Op.JEQ32K], jne: [Op.JNEK, Op.JNE32K], jset: [Op.JSETK, Op.JSET32K],
  jgt: [Op.JGTK, Op.JGT32K], jge: [Op.JGEK, Op.JGE32K], jlt: [Op.JLTK, Op.JLT32K], jle: [Op.JLEK, Op.JLE32K],
  jsgt: [Op.JSGTK, Op.JSGT32K], jsge: [Op.JSGEK, Op.JSGE32K], jslt: [Op.JSLTK, Op.JSLT32K], jsle: [Op.JSLEK, Op.JSLE32K],
};
/** Atomic operations for [DW, W]. */
const ATOMIC_OPS: Partial<Record<Operation, [Op, Op]>> = {
  add: [Op.ADW_ADD, Op.AW_ADD], or: [Op.ADW_OR, Op.AW_OR], and: [Op.ADW_AND, Op.AW_AND], xor: [Op.ADW_XOR, Op.AW_XOR],
  fetch_add: [Op.ADW_FADD, Op.AW_FADD], fetch_or: [Op.ADW_FOR, Op.AW_FOR], fetch_and: [Op.ADW_FAND, Op.AW_FAND],
  fetch_xor: [Op.ADW_FXOR, Op.AW_FXOR], xchg: [Op.ADW_XCHG, Op.AW_XCHG], cmpxchg: [Op.ADW_CMPXCHG, Op.AW_CMPXCHG],
};
/** Ops indexed by access width in bytes (1, 2, 4, 8). */
const BY_WIDTH: Partial<Record<Kind, Op[]>> = {
  ldx: [0, Op.LDXB, Op.LDXH, 0, Op.LDXW, 0, 0, 0, Op.LDXDW],
  ldsx: [0, Op.LDSXB, Op.LDSXH, 0, Op.LDSXW],
  st: [0, Op.STB, Op.STH, 0, Op.STW, 0, 0, 0, Op.STDW],
  stx: [0, Op.STXB, Op.STXH, 0, Op.STXW, 0, 0, 0, Op.STXDW],
  ldabs: [0, Op.LDABS_B, Op.LDABS_H, 0, Op.LDABS_W],
  ldind: [0, Op.LDIND_B, Op.LDIND_H, 0, Op.LDIND_W],
};
/** Byte-order ops by bit width; BSWAP swaps unconditionally, which on this little-endian VM is BE. */
const LE_OPS: Record<number, Op> = { 16: Op.LE16, 32: Op.LE32, 64: Op.LE64 };
const BE_OPS: Record<number, Op> = { 16: Op.BE16, 32: Op.BE32, 64: Op.BE64 };
const MOVSX_OPS: Record<number, [Op, Op]> = { 8: [Op.MOVSX64_8, Op.MOVSX32_8], 16: [Op.MOVSX64_16, Op.MOVSX32_16], 32: [Op.MOVSX64_32, Op.MOVSX64_32] };

/** Kinds whose destination register is written. */
const WRITES_DST = new Set<Kind>(['alu', 'neg', 'end', 'bswap', 'movsx', 'ldx', 'ldsx', 'lddw']);

const FP = 10;

let nextProgramId = 1;

const unsupportedCall: Helper = () => {
  throw new LoadError('internal: call slot without a helper');
};

/**
 * Validates (see isa's validateProgram) and pre-decodes a program (instruction slots or raw
 * little-endian bytes). Throws {@link LoadError} with the instruction index for anything the VM
 * cannot run: malformed instructions, writes to r10, helpers absent from the table, kfunc calls,
 * lddw pseudo sources without a resolver, a last instruction that falls through.
 */
export function decodeProgram(code: readonly Instruction[] | Uint8Array, options: DecodeOptions): VmProgram {
  const name = options.name ?? 'prog';
  const err = (i: number | undefined, msg: string) => new LoadError(msg, { program: name, insn: i });
  let insns: readonly Instruction[];
  let entries: (OpcodeInfo | undefined)[];
  try {
    insns = code instanceof Uint8Array ? decodeInstructions(code) : code;
    entries = validateProgram(insns);
  } catch (e) {
    if (e instanceof IsaError) throw err(e.location.insn, e.message);
    throw e;
  }
  const n = insns.length;
  const op = new Uint8Array(n), dst = new Uint8Array(n), src = new Uint8Array(n);
  const off = new Int32Array(n), imm = new Int32Array(n), aux = new Int32Array(n);
  const helper: Helper[] = new Array(n).fill(unsupportedCall);
  const helpers = options.helpers ?? new Map<number, Helper>();

  for (let i = 0; i < n; i++) {
    const e = entries[i];
    if (!e) continue; // second slot of an lddw: never executed (validateProgram refuses jumps into it)
    const insn = insns[i];
    const x = (insn.op & 0x08) !== 0;
    dst[i] = insn.dst; src[i] = insn.src; off[i] = insn.off; imm[i] = insn.imm;
    if (WRITES_DST.has(e.kind) && insn.dst === FP) throw err(i, 'frame pointer is read only');
    switch (e.kind) {
      case 'alu':
        op[i] = ALU_OPS[e.operation]![e.is32 ? 1 : 0] + (x ? 1 : 0);
        if (!x && (e.operation === 'lsh' || e.operation === 'rsh' || e.operation === 'arsh')) imm[i] = insn.imm & (e.is32 ? 31 : 63);
        break;
      case 'neg': op[i] = e.is32 ? Op.NEG32 : Op.NEG64; break;
      case 'movsx': op[i] = MOVSX_OPS[e.width][e.is32 ? 1 : 0]; break;
      case 'end': op[i] = (e.operation === 'le' ? LE_OPS : BE_OPS)[e.width]; break;
      case 'bswap': op[i] = BE_OPS[e.width]; break;
      case 'ldx': case 'ldsx': case 'st': case 'stx': case 'ldabs': case 'ldind':
        op[i] = BY_WIDTH[e.kind]![e.width];
        break;
      case 'atomic': op[i] = ATOMIC_OPS[e.operation]![e.is32 ? 1 : 0]; break;
      case 'jcond':
        op[i] = JMP_OPS[e.operation]![e.is32 ? 1 : 0] + (x ? 1 : 0);
        aux[i] = i + 1 + insn.off;
        break;
      case 'ja': op[i] = Op.JA; aux[i] = i + 1 + insn.off; break;
      case 'gotol': op[i] = Op.JA; aux[i] = i + 1 + insn.imm; break;
      case 'exit': op[i] = Op.EXIT; break;
      case 'callx': op[i] = Op.CALLX; break; // helper id in dst at run time (bpf_conformance's callx)
      case 'call':
        if (insn.src === BPF_PSEUDO_CALL) {
          op[i] = Op.CALL_LOCAL;
          aux[i] = i + 1 + insn.imm;
        } else if (insn.src !== 0) {
          throw err(i, `kfunc calls are not supported by the VM (btf id ${insn.imm})`);
        } else if (insn.imm === BPF_FUNC.tail_call) {
          op[i] = Op.TAIL_CALL;
        } else {
          const fn = helpers.get(insn.imm);
          if (!fn) {
            const hn = helperName(insn.imm);
            throw err(i, `helper ${hn ? `bpf_${hn}` : 'unknown'}#${insn.imm} is not supported by the VM`);
          }
          op[i] = Op.CALL;
          helper[i] = fn;
        }
        break;
      case 'lddw': {
        op[i] = Op.LDDW;
        const hiImm = insns[i + 1].imm;
        if (insn.src === 0) {
          aux[i] = hiImm;
        } else if (insn.src === BPF_PSEUDO.FUNC) {
          imm[i] = i + 1 + insn.imm;
          aux[i] = options.codeRegion;
        } else if (options.resolveLd64) {
          setValue(imm, aux, i, options.resolveLd64(insn.src, insn.imm, hiImm, i));
        } else {
          throw err(i, `lddw with pseudo source ${insn.src} needs a map resolver`);
        }
        op[i + 1] = Op.EXIT;
        break;
      }
    }
  }
  const lastEntry = entries[n - 1];
  if (!lastEntry || !(lastEntry.kind === 'exit' || lastEntry.kind === 'ja' || lastEntry.kind === 'gotol')) {
    throw err(n - 1, 'last insn is not an exit or jmp');
  }
  const cost = runCosts(op);
  fuse(op, dst);
  const ins = new Int32Array(4 * n);
  for (let i = 0; i < n; i++) {
    ins[4 * i] = op[i] | dst[i] << 8 | src[i] << 12;
    ins[4 * i + 1] = imm[i];
    ins[4 * i + 2] = aux[i];
    ins[4 * i + 3] = off[i];
  }
  return { id: nextProgramId++, owner: options.owner, name, insns, length: n, ins, cost, helper, helpers };
}

/**
 * Superinstructions: runs of adjacent instructions frequent in compiled programs, executed in
 * one dispatch by the op at the first slot (the interpreter reads the others' operands from
 * their own slots, which keep their own ops, so jumps into the middle still work). `onDst`:
 * every instruction works on the first one's destination `rD`, first set by a move —
 * `rD = rS; rD += K|rT` (pointer + offset, three-operand add), `rD = rS; rD += K; if rD > rT goto`
 * (the packet bounds check); otherwise any registers — a load, then a 64-bit add (a spill
 * reloaded and offset, a loaded value accumulated). Only the first instruction can fault, so a
 * fault names the right slot, and their budget cost is their instruction count ({@link runCosts}
 * runs before fusion).
 */
export const FUSIONS: readonly { ops: readonly Op[]; fused: Op; onDst: boolean }[] = [
  { ops: [Op.MOV64X, Op.ADD64K, Op.JGTX], fused: Op.MOV_ADD64K_JGTX, onDst: true },
  { ops: [Op.MOV64X, Op.ADD64K], fused: Op.MOV_ADD64K, onDst: true },
  { ops: [Op.MOV32X, Op.ADD32K], fused: Op.MOV_ADD32K, onDst: true },
  { ops: [Op.MOV32X, Op.ADD32X], fused: Op.MOV_ADD32X, onDst: true },
  { ops: [Op.LDXB, Op.ADD64X], fused: Op.LDXB_ADD64X, onDst: false },
  { ops: [Op.LDXH, Op.ADD64X], fused: Op.LDXH_ADD64X, onDst: false },
  { ops: [Op.LDXW, Op.ADD64X], fused: Op.LDXW_ADD64X, onDst: false },
  { ops: [Op.LDXDW, Op.ADD64X], fused: Op.LDXDW_ADD64X, onDst: false },
];

/** The op a superinstruction's first slot had before fusion (its first instruction alone). */
export const UNFUSED: Partial<Record<Op, Op>> = Object.fromEntries(FUSIONS.map((f) => [f.fused, f.ops[0]]));

/** Fuses the {@link FUSIONS} patterns (the first that matches at each slot). */
function fuse(op: Uint8Array, dst: Uint8Array): void {
  for (let i = 0; i < op.length; i++) {
    for (const f of FUSIONS) {
      if (i + f.ops.length > op.length || f.ops.some((o, j) => op[i + j] !== o || (f.onDst && dst[i + j] !== dst[i]))) continue;
      op[i] = f.fused;
      break;
    }
  }
}

/** Ops after which execution does not simply go on with the next instruction. */
const TERMINATORS = new Set<Op>([
  Op.JA, Op.CALL, Op.CALLX, Op.CALL_LOCAL, Op.TAIL_CALL, Op.EXIT,
  Op.LDABS_B, Op.LDABS_H, Op.LDABS_W, Op.LDIND_B, Op.LDIND_H, Op.LDIND_W,
]);

function isTerminator(o: Op): boolean {
  return TERMINATORS.has(o) || (o >= Op.JEQK && o <= Op.JSLE32X);
}

/**
 * The budget cost of the straight-line run starting at each slot (see {@link VmProgram.cost}),
 * computed backwards: a terminator costs 1, any other instruction 1 + the run after it (an
 * lddw's second slot is skipped and costs 0: it is never executed).
 */
function runCosts(op: Uint8Array): Int32Array {
  const n = op.length, cost = new Int32Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    if (i > 0 && op[i - 1] === Op.LDDW) continue; // second slot of an lddw
    cost[i] = isTerminator(op[i]) ? 1 : 1 + cost[op[i] === Op.LDDW ? i + 2 : i + 1];
  }
  return cost;
}

/** Stores a 64-bit lddw value into the imm (low) / aux (high) arrays. */
function setValue(imm: Int32Array, aux: Int32Array, i: number, value: number | bigint): void {
  if (typeof value === 'bigint') {
    imm[i] = Number(BigInt.asIntN(32, value));
    aux[i] = Number(BigInt.asIntN(32, value >> 32n));
  } else {
    imm[i] = value | 0;
    aux[i] = Math.floor(value / 4294967296) | 0;
  }
}
