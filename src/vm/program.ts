/**
 * Loading a program into the VM: validation of every instruction slot (reserved fields must be
 * zero, registers valid, jumps in range and not into an lddw's second half, the last instruction an
 * exit or a jump — as the kernel checks them), resolution of lddw pseudo sources and helper ids,
 * and pre-decoding into flat typed arrays of internal operations ({@link Op}) so the interpreter's
 * dispatch is one dense `switch` and every operand is one typed-array read away.
 */
import { LoadError } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import { decodeInstructions } from '../isa/instruction.js';
import { ALU, ATOMIC, CLASS, JMP, MODE, SIZE, OP_LDDW } from '../isa/opcodes.js';
import { BPF_FUNC, BPF_PSEUDO, BPF_PSEUDO_CALL, helperName } from '../uapi/index.js';

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
}

/** A helper implementation: reads r1–r5 from the VM ({@link HelperVm}) and returns r0. */
export type Helper = (vm: HelperVm) => number | bigint;

/**
 * What a helper sees of the VM. Registers are 64-bit, held as two's-complement 32-bit halves
 * (`rl[i]` low, `rh[i]` high); a pointer's region is `rh[i]` and its offset `rl[i] >>> 0`.
 */
export interface HelperVm {
  readonly rl: Int32Array;
  readonly rh: Int32Array;
  /** Index of the call instruction being executed (for fault locations). */
  readonly pc: number;
  /** Runs the BPF function at code pointer (lo, hi) with r1–r5 = args and returns its r0 (low 64 bits as a number). */
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
}

/** A program pre-decoded for the interpreter. */
export interface VmProgram {
  readonly name: string;
  readonly insns: readonly Instruction[];
  readonly length: number;
  /** Internal operation per slot ({@link Op}); the second slot of an lddw is never executed. */
  readonly op: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  /** Sign-extended offset (memory access). */
  readonly off: Int32Array;
  /** Immediate; shift immediates pre-masked to the operand width; lddw: low 32 bits. */
  readonly imm: Int32Array;
  /** Jump/call target slot; lddw: high 32 bits of the constant. */
  readonly aux: Int32Array;
  /** Helper per call slot (a refusing stub elsewhere). */
  readonly helper: Helper[];
  /** The helper table the program was loaded with (for callx). */
  readonly helpers: HelperTable;
}

const ALU_NAMES = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'xor', 'mov', 'arsh', 'end'];

/** Base internal op of each ALU operation (K form; X form is +1), for 64 and 32 bits. */
const ALU64_BASE: (Op | undefined)[] = [
  Op.ADD64K, Op.SUB64K, Op.MUL64K, Op.DIV64K, Op.OR64K, Op.AND64K, Op.LSH64K, Op.RSH64K,
  Op.NEG64, Op.MOD64K, Op.XOR64K, Op.MOV64K, Op.ARSH64K,
];
const ALU32_BASE: (Op | undefined)[] = [
  Op.ADD32K, Op.SUB32K, Op.MUL32K, Op.DIV32K, Op.OR32K, Op.AND32K, Op.LSH32K, Op.RSH32K,
  Op.NEG32, Op.MOD32K, Op.XOR32K, Op.MOV32K, Op.ARSH32K,
];
/** Conditional jumps by `code >> 4` (K form; X is +1). */
const JMP64_BASE: (Op | undefined)[] = [
  undefined, Op.JEQK, Op.JGTK, Op.JGEK, Op.JSETK, Op.JNEK, Op.JSGTK, Op.JSGEK,
  undefined, undefined, Op.JLTK, Op.JLEK, Op.JSLTK, Op.JSLEK,
];
const JMP32_BASE: (Op | undefined)[] = [
  undefined, Op.JEQ32K, Op.JGT32K, Op.JGE32K, Op.JSET32K, Op.JNE32K, Op.JSGT32K, Op.JSGE32K,
  undefined, undefined, Op.JLT32K, Op.JLE32K, Op.JSLT32K, Op.JSLE32K,
];
const LDX_OPS = { [SIZE.B]: Op.LDXB, [SIZE.H]: Op.LDXH, [SIZE.W]: Op.LDXW, [SIZE.DW]: Op.LDXDW } as Record<number, Op>;
const LDSX_OPS = { [SIZE.B]: Op.LDSXB, [SIZE.H]: Op.LDSXH, [SIZE.W]: Op.LDSXW } as Record<number, Op>;
const ST_OPS = { [SIZE.B]: Op.STB, [SIZE.H]: Op.STH, [SIZE.W]: Op.STW, [SIZE.DW]: Op.STDW } as Record<number, Op>;
const STX_OPS = { [SIZE.B]: Op.STXB, [SIZE.H]: Op.STXH, [SIZE.W]: Op.STXW, [SIZE.DW]: Op.STXDW } as Record<number, Op>;
const LDABS_OPS = { [SIZE.B]: Op.LDABS_B, [SIZE.H]: Op.LDABS_H, [SIZE.W]: Op.LDABS_W } as Record<number, Op>;
const LDIND_OPS = { [SIZE.B]: Op.LDIND_B, [SIZE.H]: Op.LDIND_H, [SIZE.W]: Op.LDIND_W } as Record<number, Op>;
/** Atomic operations by `imm`, for W (index 0) and DW (index 1). */
const ATOMIC_OPS = new Map<number, [Op, Op]>([
  [ATOMIC.ADD, [Op.AW_ADD, Op.ADW_ADD]],
  [ATOMIC.OR, [Op.AW_OR, Op.ADW_OR]],
  [ATOMIC.AND, [Op.AW_AND, Op.ADW_AND]],
  [ATOMIC.XOR, [Op.AW_XOR, Op.ADW_XOR]],
  [ATOMIC.ADD | ATOMIC.FETCH, [Op.AW_FADD, Op.ADW_FADD]],
  [ATOMIC.OR | ATOMIC.FETCH, [Op.AW_FOR, Op.ADW_FOR]],
  [ATOMIC.AND | ATOMIC.FETCH, [Op.AW_FAND, Op.ADW_FAND]],
  [ATOMIC.XOR | ATOMIC.FETCH, [Op.AW_FXOR, Op.ADW_FXOR]],
  [ATOMIC.XCHG, [Op.AW_XCHG, Op.ADW_XCHG]],
  [ATOMIC.CMPXCHG, [Op.AW_CMPXCHG, Op.ADW_CMPXCHG]],
]);
/** Byte-order operations by (class ALU64 ? 1 : 0, source bit TO_BE ? 1 : 0) and width. */
const END_OPS: Record<string, Op> = {
  '0/0/16': Op.LE16, '0/0/32': Op.LE32, '0/0/64': Op.LE64,
  '0/1/16': Op.BE16, '0/1/32': Op.BE32, '0/1/64': Op.BE64,
  // BSWAP (ALU64 | END | TO_LE) swaps unconditionally: on this little-endian VM it is BE.
  '1/0/16': Op.BE16, '1/0/32': Op.BE32, '1/0/64': Op.BE64,
};

const NUM_REGS = 11;
const FP = 10;

const unsupportedCall: Helper = () => {
  throw new LoadError('internal: call slot without a helper');
};

function hex(op: number): string {
  return op.toString(16).padStart(2, '0');
}

/**
 * Validates and pre-decodes a program (instruction slots or raw little-endian bytes).
 * Throws {@link LoadError} with the instruction index for anything the VM cannot run.
 */
export function decodeProgram(code: readonly Instruction[] | Uint8Array, options: DecodeOptions): VmProgram {
  const name = options.name ?? 'prog';
  const insns = code instanceof Uint8Array ? decodeInstructions(code) : code;
  const n = insns.length;
  const err = (i: number, msg: string) => new LoadError(msg, { program: name, insn: i });
  if (n === 0) throw new LoadError('empty program', { program: name });
  const op = new Uint8Array(n), dst = new Uint8Array(n), src = new Uint8Array(n);
  const off = new Int32Array(n), imm = new Int32Array(n), aux = new Int32Array(n);
  const helper: Helper[] = new Array(n).fill(unsupportedCall);
  const lddwSecond = new Uint8Array(n);
  const helpers = options.helpers ?? new Map<number, Helper>();

  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    const code = insn.op, cls = code & 0x07;
    const d = insn.dst, s = insn.src, o = insn.off, k = insn.imm;
    const reserved = (what: string) => err(i, `${what} uses reserved fields`);
    if (d >= NUM_REGS) throw err(i, `R${d} is invalid`);
    dst[i] = d; src[i] = s; off[i] = o; imm[i] = k;
    const checkSrc = () => { if (s >= NUM_REGS) throw err(i, `R${s} is invalid`); };
    const writesDst = () => { if (d === FP) throw err(i, 'frame pointer is read only'); };

    if (cls === CLASS.ALU || cls === CLASS.ALU64) {
      const is64 = cls === CLASS.ALU64, x = (code & 0x08) !== 0, aluOp = code >> 4;
      writesDst();
      if ((code & 0xf0) === ALU.END) {
        const key = `${is64 ? 1 : 0}/${x ? 1 : 0}/${k}`;
        if (s !== 0 || o !== 0 || END_OPS[key] === undefined) throw reserved('BPF_END');
        op[i] = END_OPS[key];
        continue;
      }
      const base = (is64 ? ALU64_BASE : ALU32_BASE)[aluOp];
      if (base === undefined) throw err(i, `unknown opcode ${hex(code)}`);
      const what = `BPF_${ALU_NAMES[aluOp].toUpperCase()}`;
      if ((code & 0xf0) === ALU.NEG) {
        if (x || s !== 0 || o !== 0 || k !== 0) throw reserved('BPF_NEG');
        op[i] = base;
        continue;
      }
      if (x) {
        checkSrc();
        if (k !== 0) throw reserved(what);
      } else if (s !== 0) {
        throw reserved(what);
      }
      if ((code & 0xf0) === ALU.MOV) {
        if (o === 0) op[i] = base + (x ? 1 : 0);
        else if (x && (o === 8 || o === 16)) op[i] = is64 ? (o === 8 ? Op.MOVSX64_8 : Op.MOVSX64_16) : (o === 8 ? Op.MOVSX32_8 : Op.MOVSX32_16);
        else if (x && is64 && o === 32) op[i] = Op.MOVSX64_32;
        else throw reserved('BPF_MOV');
        continue;
      }
      const divmod = (code & 0xf0) === ALU.DIV || (code & 0xf0) === ALU.MOD;
      if (o !== 0 && !(o === 1 && divmod)) throw reserved('BPF_ALU');
      // Signed div/mod (off = 1) sit two after their unsigned K form in the Op enum.
      op[i] = base + (o === 1 ? 2 : 0) + (x ? 1 : 0);
      if (!x && ((code & 0xf0) === ALU.LSH || (code & 0xf0) === ALU.RSH || (code & 0xf0) === ALU.ARSH)) {
        imm[i] = k & (is64 ? 63 : 31);
      }
      continue;
    }

    if (cls === CLASS.JMP || cls === CLASS.JMP32) {
      const jop = code & 0xf0, x = (code & 0x08) !== 0, is32 = cls === CLASS.JMP32;
      if (jop === JMP.JA) {
        if (x || s !== 0 || d !== 0 || (is32 ? o !== 0 : k !== 0)) throw reserved('BPF_JA');
        op[i] = Op.JA;
        aux[i] = i + 1 + (is32 ? k : o);
        continue;
      }
      if (jop === JMP.EXIT) {
        if (is32 || x || s !== 0 || d !== 0 || o !== 0 || k !== 0) throw reserved('BPF_EXIT');
        op[i] = Op.EXIT;
        continue;
      }
      if (jop === JMP.CALL) {
        if (is32 || o !== 0 || (x ? s !== 0 || k !== 0 : d !== 0)) throw reserved('BPF_CALL');
        if (x) {
          // callx: the helper id is in dst at run time (the bpf_conformance "callx" group).
          op[i] = Op.CALLX;
        } else if (s === BPF_PSEUDO_CALL) {
          op[i] = Op.CALL_LOCAL;
          aux[i] = i + 1 + k;
        } else if (s === 0) {
          if (k === BPF_FUNC.tail_call) {
            op[i] = Op.TAIL_CALL;
          } else {
            const fn = helpers.get(k);
            if (!fn) {
              const hn = helperName(k);
              throw err(i, `helper ${hn ? `bpf_${hn}` : 'unknown'}#${k} is not supported by the VM`);
            }
            op[i] = Op.CALL;
            helper[i] = fn;
          }
        } else {
          throw err(i, s === 2 ? `kfunc calls are not supported by the VM (btf id ${k})` : `invalid call source ${s}`);
        }
        continue;
      }
      const base = (is32 ? JMP32_BASE : JMP64_BASE)[jop >> 4];
      if (base === undefined) throw err(i, `unknown opcode ${hex(code)}`);
      if (x) {
        checkSrc();
        if (k !== 0) throw reserved('BPF_JMP/JMP32');
      } else if (s !== 0) {
        throw reserved('BPF_JMP/JMP32');
      }
      op[i] = base + (x ? 1 : 0);
      aux[i] = i + 1 + o;
      continue;
    }

    const mode = code & 0xe0, size = code & 0x18;
    if (cls === CLASS.LD) {
      if (code === OP_LDDW) {
        writesDst();
        const next = insns[i + 1];
        if (!next) throw err(i, 'invalid bpf_ld_imm64 insn');
        if (o !== 0 || next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) throw err(i, 'invalid bpf_ld_imm64 insn');
        op[i] = Op.LDDW;
        let value: number | bigint;
        if (s === 0) {
          value = 0;
          imm[i] = k;
          aux[i] = next.imm;
        } else if (s === BPF_PSEUDO.FUNC) {
          const target = i + 1 + k;
          if (target < 0 || target >= n) throw err(i, `function pointer to insn ${target} is out of range`);
          imm[i] = target;
          aux[i] = options.codeRegion;
          value = 0;
        } else if (options.resolveLd64) {
          value = options.resolveLd64(s, k, next.imm, i);
          setValue(imm, aux, i, value);
        } else {
          throw err(i, `lddw with pseudo source ${s} needs a map resolver`);
        }
        lddwSecond[i + 1] = 1;
        op[i + 1] = Op.EXIT; // never executed: jumps into it are refused below
        i++;
        continue;
      }
      if (mode === MODE.ABS || mode === MODE.IND) {
        if (d !== 0 || o !== 0 || size === SIZE.DW || (mode === MODE.ABS && s !== 0)) throw reserved('BPF_LD_[ABS|IND]');
        if (mode === MODE.IND) checkSrc();
        op[i] = (mode === MODE.ABS ? LDABS_OPS : LDIND_OPS)[size];
        continue;
      }
      throw err(i, `unknown opcode ${hex(code)}`);
    }
    if (cls === CLASS.LDX) {
      checkSrc();
      writesDst();
      const table = mode === MODE.MEM ? LDX_OPS : mode === MODE.MEMSX ? LDSX_OPS : undefined;
      if (!table || table[size] === undefined) throw err(i, `unknown opcode ${hex(code)}`);
      if (k !== 0) throw reserved('BPF_LDX');
      op[i] = table[size];
      continue;
    }
    if (cls === CLASS.ST) {
      if (mode !== MODE.MEM) throw err(i, `unknown opcode ${hex(code)}`);
      if (s !== 0) throw reserved('BPF_ST');
      op[i] = ST_OPS[size];
      continue;
    }
    // CLASS.STX
    checkSrc();
    if (mode === MODE.MEM) {
      if (k !== 0) throw reserved('BPF_STX');
      op[i] = STX_OPS[size];
      continue;
    }
    if (mode === MODE.ATOMIC && (size === SIZE.W || size === SIZE.DW)) {
      const a = ATOMIC_OPS.get(k);
      if (!a) throw err(i, `BPF_ATOMIC uses invalid atomic opcode ${hex(k)}`);
      op[i] = a[size === SIZE.W ? 0 : 1];
      continue;
    }
    throw err(i, `unknown opcode ${hex(code)}`);
  }

  // Control flow: targets in range, never into an lddw's second half; the last slot must not fall through.
  for (let i = 0; i < n; i++) {
    const o = op[i];
    if (lddwSecond[i]) continue;
    const isJump = o === Op.JA || (o >= Op.JEQK && o <= Op.JSLE32X) || o === Op.CALL_LOCAL;
    if (!isJump) continue;
    const t = aux[i];
    if (t < 0 || t >= n) throw err(i, `jump out of range from insn ${i} to ${t}`);
    if (lddwSecond[t]) throw err(i, `jump into the middle of ldimm64 insn ${t - 1}`);
  }
  const last = lddwSecond[n - 1] ? -1 : op[n - 1];
  if (last !== Op.EXIT && last !== Op.JA) throw err(n - 1, 'last insn is not an exit or jmp');
  return { name, insns, length: n, op, dst, src, off, imm, aux, helper, helpers };
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
