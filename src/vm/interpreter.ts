/**
 * The interpreter: executes pre-decoded programs ({@link VmProgram}) with the exact semantics of
 * RFC 9669 (v4 included). Registers are 64-bit values held as two Int32Array halves (`rl` low,
 * `rh` high) so the hot loop never touches BigInt; every memory access goes through the region
 * table of {@link Memory} (two comparisons on the fast path, a fault or hooks otherwise).
 *
 * Calls: helpers by id through the program's helper table (r1–r5 in, r0 out); BPF-to-BPF calls
 * push a frame (own 512-byte stack region, r6–r9 and r10 saved, at most {@link MAX_CALL_FRAMES});
 * tail calls through a prog-array-like handle ({@link TailCallTable}, at most
 * {@link MAX_TAIL_CALL_CNT} per run, a failed one falls through); helpers may call back into the
 * interpreter ({@link Vm.callback}, used by `bpf_loop`/`bpf_for_each_map_elem`).
 */
import { VmFault } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import { Memory, RegionKind, TWO32, formatAddress } from './memory.js';
import { Op, decodeProgram, type HelperTable, type HelperVm, type Ld64Resolver, type VmProgram } from './program.js';

/** Frames of BPF-to-BPF calls (and callbacks) a run may nest, like the kernel's MAX_CALL_FRAMES. */
export const MAX_CALL_FRAMES = 8;
/** Stack bytes per frame (MAX_BPF_STACK). */
export const STACK_SIZE = 512;
/** Tail calls a run may chain, like the kernel's MAX_TAIL_CALL_CNT. */
export const MAX_TAIL_CALL_CNT = 33;
/** Default instruction budget of one run. */
export const DEFAULT_BUDGET = 100_000_000;

/**
 * What a prog-array map handle (the object behind the map pointer in r2, see
 * {@link Memory.addHandle}) offers the interpreter for `bpf_tail_call`.
 */
export interface TailCallTable {
  /** max_entries of the prog array: an index at or beyond it fails without counting. */
  readonly maxEntries: number;
  /** The program at `index`, or undefined for an empty slot (the tail call then falls through). */
  tailCallTarget(index: number): VmProgram | undefined;
}

function isTailCallTable(o: unknown): o is TailCallTable {
  return typeof o === 'object' && o !== null && typeof (o as TailCallTable).tailCallTarget === 'function';
}

/** Options of {@link Vm.load}. */
export interface LoadOptions {
  name?: string;
  /** Helper implementations by id; calling an id absent here fails the load. */
  helpers?: HelperTable;
  /** Resolves lddw map/map-value pseudo sources to VM pointers (see {@link Memory.pointer}). */
  resolveLd64?: Ld64Resolver;
}

/** Options of the {@link Vm} constructor. */
export interface VmOptions {
  /** Memory to use (default: a new one). */
  memory?: Memory;
  /** Instructions one run may execute before it is stopped (default {@link DEFAULT_BUDGET}). */
  budget?: number;
}

const SAVED = 5; // r6..r10 per frame

/** A VM: memory, registers, call frames. Programs are loaded into it with {@link Vm.load}. */
export class Vm implements HelperVm {
  readonly mem: Memory;
  /** Low halves of r0..r10. */
  readonly rl = new Int32Array(11);
  /** High halves of r0..r10. */
  readonly rh = new Int32Array(11);
  /** Instruction budget of one run. */
  budget: number;
  /** The CPU the run is on (per-CPU maps; default 0). */
  cpu = 0;
  /** Region whose bounds are the packet that LD_ABS/LD_IND read (0: none). */
  ldAbsRegion = 0;
  /** Instructions executed by the last run. */
  executed = 0;
  /** Tail calls taken in the current run. */
  tailCalls = 0;
  /** Call instruction being executed (for helpers' fault locations). */
  pc = 0;
  /** Current frame depth (0 = the program's own frame). */
  depth = 0;
  /** Program being executed. */
  prog: VmProgram | undefined;
  /** Instructions left in the current run. */
  left = 0;
  /** Region id of code pointers (lddw BPF_PSEUDO_FUNC). */
  readonly codeRegion: number;
  /** Stack region per frame depth. */
  readonly stacks: number[] = [];
  readonly retPc = new Int32Array(MAX_CALL_FRAMES);
  readonly retProg: (VmProgram | undefined)[] = new Array(MAX_CALL_FRAMES).fill(undefined);
  /** r6..r10 (lo, hi) saved per frame by calls and callbacks. */
  readonly saved = new Int32Array(MAX_CALL_FRAMES * SAVED * 2);

  constructor(options: VmOptions = {}) {
    this.mem = options.memory ?? new Memory();
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.codeRegion = this.mem.addHandle('code', 'code');
    for (let d = 0; d < MAX_CALL_FRAMES; d++) {
      this.stacks.push(this.mem.addRegion(new Uint8Array(STACK_SIZE), true, { kind: RegionKind.Stack, name: `frame ${d}` }));
    }
  }

  /** Validates and pre-decodes a program for this VM (see {@link decodeProgram}). */
  load(code: readonly Instruction[] | Uint8Array, options: LoadOptions = {}): VmProgram {
    return decodeProgram(code, { ...options, codeRegion: this.codeRegion });
  }

  /**
   * Runs `prog` from its first instruction with r1..r5 = args (numbers are taken as 64-bit
   * two's complement; VM pointers as {@link Memory.pointer} gives them) and returns r0 (unsigned).
   */
  run(prog: VmProgram, ...args: (number | bigint)[]): bigint {
    if (args.length > 5) throw new VmFault('a program takes at most 5 arguments');
    for (let i = 1; i <= 5; i++) this.setReg(i, args[i - 1] ?? 0);
    this.exec(prog);
    return this.r0();
  }

  /** Runs `prog` with the registers r1..r5 as they are (set them with {@link setReg}); r0 is then in rl[0]/rh[0]. */
  exec(prog: VmProgram): void {
    this.rl[0] = 0;
    this.rh[0] = 0;
    this.rl[10] = STACK_SIZE;
    this.rh[10] = this.stacks[0];
    this.tailCalls = 0;
    this.left = this.budget;
    this.depth = 0;
    try {
      execute(this, prog, 0, 0);
    } finally {
      this.executed = this.budget - this.left;
    }
  }

  /** r0 as an unsigned 64-bit bigint. */
  r0(): bigint {
    return (BigInt(this.rh[0] >>> 0) << 32n) | BigInt(this.rl[0] >>> 0);
  }

  /** Sets register `i` to a 64-bit value (two's complement for negatives). */
  setReg(i: number, v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.rl[i] = Number(BigInt.asIntN(32, v));
      this.rh[i] = Number(BigInt.asIntN(32, v >> 32n));
    } else {
      this.rl[i] = v | 0;
      this.rh[i] = Math.floor(v / TWO32) | 0;
    }
  }

  /** Register `i` as an unsigned 64-bit bigint (for helpers that need all 64 bits). */
  reg(i: number): bigint {
    return (BigInt(this.rh[i] >>> 0) << 32n) | BigInt(this.rl[i] >>> 0);
  }

  /** Register `i` as a number: exact when within ±2^53 (pointers, sizes, flags). */
  regNum(i: number): number {
    return this.rh[i] * TWO32 + (this.rl[i] >>> 0);
  }

  /**
   * Calls the BPF function at code pointer (lo, hi) — e.g. a `bpf_loop` callback — with
   * r1..r5 = args on a new frame, and returns its r0 as a number (low 64 bits, exact within ±2^53).
   * The caller's r6..r10 are preserved; r0..r5 are the helper's to set afterwards.
   */
  callback(lo: number, hi: number, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    const prog = this.prog;
    const target = lo >>> 0;
    if (!prog || hi !== this.codeRegion || target >= prog.length) {
      throw new VmFault(`callback ${formatAddress(lo, hi)} is not a function of the program`, { insn: this.pc });
    }
    const depth = this.depth + 1;
    if (depth >= MAX_CALL_FRAMES) throw new VmFault(`the call stack of ${depth + 1} frames is too deep`, { insn: this.pc });
    const { rl, rh } = this;
    const pc = this.pc;
    saveRegs(this, depth - 1);
    this.setReg(1, a1); this.setReg(2, a2); this.setReg(3, a3); this.setReg(4, a4); this.setReg(5, a5);
    rl[10] = STACK_SIZE;
    rh[10] = this.stacks[depth];
    execute(this, prog, target, depth);
    restoreRegs(this, depth - 1);
    this.depth = depth - 1;
    this.prog = prog;
    this.pc = pc;
    return rh[0] * TWO32 + (rl[0] >>> 0);
  }
}

/**
 * `bpf_tail_call(ctx, prog_array, index)` as the kernel does it: an index beyond max_entries
 * fails; otherwise the attempt counts against {@link MAX_TAIL_CALL_CNT}, then an empty slot fails.
 * Returns the program to continue with, or undefined to fall through.
 */
function tailCallTarget(vm: Vm, pc: number): VmProgram | undefined {
  const table = vm.mem.object(vm.rl[2], vm.rh[2]);
  if (!isTailCallTable(table)) throw new VmFault(`bpf_tail_call: R2 ${formatAddress(vm.rl[2], vm.rh[2])} is not a prog array`, { insn: pc });
  const index = vm.rl[3] >>> 0;
  if (index >= table.maxEntries) return undefined;
  if (vm.tailCalls >= MAX_TAIL_CALL_CNT) return undefined;
  vm.tailCalls++;
  return table.tailCallTarget(index);
}

/** Saves r6..r10 of frame `depth` (callee-saved registers and the frame pointer). */
function saveRegs(vm: Vm, depth: number): void {
  const s = vm.saved, rl = vm.rl, rh = vm.rh, b = depth * SAVED * 2;
  s[b] = rl[6]; s[b + 1] = rh[6]; s[b + 2] = rl[7]; s[b + 3] = rh[7]; s[b + 4] = rl[8]; s[b + 5] = rh[8];
  s[b + 6] = rl[9]; s[b + 7] = rh[9]; s[b + 8] = rl[10]; s[b + 9] = rh[10];
}

/** Restores r6..r10 of frame `depth`. */
function restoreRegs(vm: Vm, depth: number): void {
  const s = vm.saved, rl = vm.rl, rh = vm.rh, b = depth * SAVED * 2;
  rl[6] = s[b]; rh[6] = s[b + 1]; rl[7] = s[b + 2]; rh[7] = s[b + 3]; rl[8] = s[b + 4]; rh[8] = s[b + 5];
  rl[9] = s[b + 6]; rh[9] = s[b + 7]; rl[10] = s[b + 8]; rh[10] = s[b + 9];
}

/** High 32 bits of the unsigned product of two uint32. */
function umulhi(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lolo = a0 * b0, hilo = a1 * b0, lohi = a0 * b1;
  const cross = (lolo >>> 16) + (hilo & 0xffff) + lohi;
  return (a1 * b1 + (hilo >>> 16) + Math.floor(cross / 65536)) | 0;
}

const TWO53 = 9007199254740992;

/**
 * 64-bit division/modulo of register d by (blo, bhi); `signed` for SDIV/SMOD, `mod` for MOD/SMOD.
 * Exact with doubles when both operands are below 2^53 in magnitude, BigInt beyond (rare).
 * Division by zero: quotient 0, remainder = dividend (RFC 9669).
 */
function divmod64(rl: Int32Array, rh: Int32Array, d: number, blo: number, bhi: number, signed: boolean, mod: boolean): void {
  if (blo === 0 && bhi === 0) {
    if (!mod) rl[d] = rh[d] = 0;
    return;
  }
  const a = signed ? rh[d] * TWO32 + (rl[d] >>> 0) : (rh[d] >>> 0) * TWO32 + (rl[d] >>> 0);
  const b = signed ? bhi * TWO32 + (blo >>> 0) : (bhi >>> 0) * TWO32 + (blo >>> 0);
  if (Math.abs(a) < TWO53 && Math.abs(b) < TWO53) {
    const q = Math.trunc(a / b);
    const r = mod ? a - q * b : q;
    rl[d] = r | 0;
    rh[d] = Math.floor(r / TWO32) | 0;
    return;
  }
  const toBig = (lo: number, hi: number) => signed
    ? (BigInt(hi) << 32n) | BigInt(lo >>> 0)
    : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const A = toBig(rl[d], rh[d]), B = toBig(blo, bhi);
  const R = mod ? A % B : A / B; // BigInt truncates toward zero like the ISA; INT64_MIN / -1 wraps below
  rl[d] = Number(BigInt.asIntN(32, R));
  rh[d] = Number(BigInt.asIntN(32, R >> 32n));
}

function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function budgetExceeded(vm: Vm, pc: number): VmFault {
  return new VmFault(`instruction budget of ${vm.budget} exceeded (the program did not finish)`, { insn: pc });
}

/**
 * Executes `prog` from slot `pc` on frame `base` until the EXIT that returns from that frame.
 * r10 and the frame's stack must be set up by the caller.
 */
function execute(vm: Vm, prog: VmProgram, pc: number, base: number): void {
  const rl = vm.rl, rh = vm.rh, mem = vm.mem;
  const views = mem.views, start = mem.start, readEnd = mem.readEnd, writeEnd = mem.writeEnd;
  let code = prog.code, off = prog.off, imm = prog.imm, aux = prog.aux;
  let depth = base;
  let left = vm.left;
  for (;;) {
    if (--left < 0) {
      vm.left = 0;
      throw budgetExceeded(vm, pc);
    }
    const w = code[pc]; // op | dst << 8 | src << 12
    switch (w & 0xff) {
      // ---- ALU64 ----
      case Op.ADD64K: { const d = (w >> 8 & 15), a = rl[d], b = imm[pc]; const r = (a + b) | 0; rh[d] = (rh[d] + (b >> 31) + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0; rl[d] = r; break; }
      case Op.ADD64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15), a = rl[d], b = rl[s]; const r = (a + b) | 0; rh[d] = (rh[d] + rh[s] + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0; rl[d] = r; break; }
      case Op.SUB64K: { const d = (w >> 8 & 15), a = rl[d], b = imm[pc]; rh[d] = (rh[d] - (b >> 31) - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0; rl[d] = (a - b) | 0; break; }
      case Op.SUB64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15), a = rl[d], b = rl[s]; rh[d] = (rh[d] - rh[s] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0; rl[d] = (a - b) | 0; break; }
      case Op.MUL64K: { const d = (w >> 8 & 15), a = rl[d], b = imm[pc]; rh[d] = (umulhi(a, b) + Math.imul(a, b >> 31) + Math.imul(rh[d], b)) | 0; rl[d] = Math.imul(a, b); break; }
      case Op.MUL64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15), a = rl[d], b = rl[s]; rh[d] = (umulhi(a, b) + Math.imul(a, rh[s]) + Math.imul(rh[d], b)) | 0; rl[d] = Math.imul(a, b); break; }
      case Op.DIV64K: { const d = (w >> 8 & 15), b = imm[pc]; divmod64(rl, rh, d, b, b >> 31, false, false); break; }
      case Op.DIV64X: { const s = (w >> 12 & 15); divmod64(rl, rh, (w >> 8 & 15), rl[s], rh[s], false, false); break; }
      case Op.SDIV64K: { const d = (w >> 8 & 15), b = imm[pc]; divmod64(rl, rh, d, b, b >> 31, true, false); break; }
      case Op.SDIV64X: { const s = (w >> 12 & 15); divmod64(rl, rh, (w >> 8 & 15), rl[s], rh[s], true, false); break; }
      case Op.MOD64K: { const d = (w >> 8 & 15), b = imm[pc]; divmod64(rl, rh, d, b, b >> 31, false, true); break; }
      case Op.MOD64X: { const s = (w >> 12 & 15); divmod64(rl, rh, (w >> 8 & 15), rl[s], rh[s], false, true); break; }
      case Op.SMOD64K: { const d = (w >> 8 & 15), b = imm[pc]; divmod64(rl, rh, d, b, b >> 31, true, true); break; }
      case Op.SMOD64X: { const s = (w >> 12 & 15); divmod64(rl, rh, (w >> 8 & 15), rl[s], rh[s], true, true); break; }
      case Op.OR64K: { const d = (w >> 8 & 15), b = imm[pc]; rl[d] |= b; rh[d] |= b >> 31; break; }
      case Op.OR64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15); rl[d] |= rl[s]; rh[d] |= rh[s]; break; }
      case Op.AND64K: { const d = (w >> 8 & 15), b = imm[pc]; rl[d] &= b; rh[d] &= b >> 31; break; }
      case Op.AND64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15); rl[d] &= rl[s]; rh[d] &= rh[s]; break; }
      case Op.XOR64K: { const d = (w >> 8 & 15), b = imm[pc]; rl[d] ^= b; rh[d] ^= b >> 31; break; }
      case Op.XOR64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15); rl[d] ^= rl[s]; rh[d] ^= rh[s]; break; }
      case Op.LSH64K: lsh64(rl, rh, (w >> 8 & 15), imm[pc]); break;
      case Op.LSH64X: lsh64(rl, rh, (w >> 8 & 15), rl[(w >> 12 & 15)] & 63); break;
      case Op.RSH64K: rsh64(rl, rh, (w >> 8 & 15), imm[pc]); break;
      case Op.RSH64X: rsh64(rl, rh, (w >> 8 & 15), rl[(w >> 12 & 15)] & 63); break;
      case Op.ARSH64K: arsh64(rl, rh, (w >> 8 & 15), imm[pc]); break;
      case Op.ARSH64X: arsh64(rl, rh, (w >> 8 & 15), rl[(w >> 12 & 15)] & 63); break;
      case Op.NEG64: { const d = (w >> 8 & 15), a = rl[d]; rh[d] = (-rh[d] - (a !== 0 ? 1 : 0)) | 0; rl[d] = -a | 0; break; }
      case Op.MOV64K: { const d = (w >> 8 & 15), b = imm[pc]; rl[d] = b; rh[d] = b >> 31; break; }
      case Op.MOV64X: { const d = (w >> 8 & 15), s = (w >> 12 & 15); rl[d] = rl[s]; rh[d] = rh[s]; break; }
      case Op.MOVSX64_8: { const d = (w >> 8 & 15), v = (rl[(w >> 12 & 15)] << 24) >> 24; rl[d] = v; rh[d] = v >> 31; break; }
      case Op.MOVSX64_16: { const d = (w >> 8 & 15), v = (rl[(w >> 12 & 15)] << 16) >> 16; rl[d] = v; rh[d] = v >> 31; break; }
      case Op.MOVSX64_32: { const d = (w >> 8 & 15), v = rl[(w >> 12 & 15)]; rl[d] = v; rh[d] = v >> 31; break; }

      // ---- ALU32: results zero-extend ----
      case Op.ADD32K: { const d = (w >> 8 & 15); rl[d] = (rl[d] + imm[pc]) | 0; rh[d] = 0; break; }
      case Op.ADD32X: { const d = (w >> 8 & 15); rl[d] = (rl[d] + rl[(w >> 12 & 15)]) | 0; rh[d] = 0; break; }
      case Op.SUB32K: { const d = (w >> 8 & 15); rl[d] = (rl[d] - imm[pc]) | 0; rh[d] = 0; break; }
      case Op.SUB32X: { const d = (w >> 8 & 15); rl[d] = (rl[d] - rl[(w >> 12 & 15)]) | 0; rh[d] = 0; break; }
      case Op.MUL32K: { const d = (w >> 8 & 15); rl[d] = Math.imul(rl[d], imm[pc]); rh[d] = 0; break; }
      case Op.MUL32X: { const d = (w >> 8 & 15); rl[d] = Math.imul(rl[d], rl[(w >> 12 & 15)]); rh[d] = 0; break; }
      case Op.DIV32K: { const d = (w >> 8 & 15), b = imm[pc] >>> 0; rl[d] = b === 0 ? 0 : ((rl[d] >>> 0) / b) >>> 0; rh[d] = 0; break; }
      case Op.DIV32X: { const d = (w >> 8 & 15), b = rl[(w >> 12 & 15)] >>> 0; rl[d] = b === 0 ? 0 : ((rl[d] >>> 0) / b) >>> 0; rh[d] = 0; break; }
      case Op.SDIV32K: { const d = (w >> 8 & 15), b = imm[pc]; rl[d] = b === 0 ? 0 : Math.trunc(rl[d] / b) | 0; rh[d] = 0; break; }
      case Op.SDIV32X: { const d = (w >> 8 & 15), b = rl[(w >> 12 & 15)]; rl[d] = b === 0 ? 0 : Math.trunc(rl[d] / b) | 0; rh[d] = 0; break; }
      case Op.MOD32K: { const d = (w >> 8 & 15), b = imm[pc] >>> 0; if (b !== 0) rl[d] = ((rl[d] >>> 0) % b) | 0; rh[d] = 0; break; }
      case Op.MOD32X: { const d = (w >> 8 & 15), b = rl[(w >> 12 & 15)] >>> 0; if (b !== 0) rl[d] = ((rl[d] >>> 0) % b) | 0; rh[d] = 0; break; }
      case Op.SMOD32K: { const d = (w >> 8 & 15), b = imm[pc]; if (b !== 0) rl[d] = (rl[d] % b) | 0; rh[d] = 0; break; }
      case Op.SMOD32X: { const d = (w >> 8 & 15), b = rl[(w >> 12 & 15)]; if (b !== 0) rl[d] = (rl[d] % b) | 0; rh[d] = 0; break; }
      case Op.OR32K: { const d = (w >> 8 & 15); rl[d] |= imm[pc]; rh[d] = 0; break; }
      case Op.OR32X: { const d = (w >> 8 & 15); rl[d] |= rl[(w >> 12 & 15)]; rh[d] = 0; break; }
      case Op.AND32K: { const d = (w >> 8 & 15); rl[d] &= imm[pc]; rh[d] = 0; break; }
      case Op.AND32X: { const d = (w >> 8 & 15); rl[d] &= rl[(w >> 12 & 15)]; rh[d] = 0; break; }
      case Op.XOR32K: { const d = (w >> 8 & 15); rl[d] ^= imm[pc]; rh[d] = 0; break; }
      case Op.XOR32X: { const d = (w >> 8 & 15); rl[d] ^= rl[(w >> 12 & 15)]; rh[d] = 0; break; }
      case Op.LSH32K: { const d = (w >> 8 & 15); rl[d] <<= imm[pc]; rh[d] = 0; break; }
      case Op.LSH32X: { const d = (w >> 8 & 15); rl[d] <<= rl[(w >> 12 & 15)] & 31; rh[d] = 0; break; }
      case Op.RSH32K: { const d = (w >> 8 & 15); rl[d] = rl[d] >>> imm[pc]; rh[d] = 0; break; }
      case Op.RSH32X: { const d = (w >> 8 & 15); rl[d] = rl[d] >>> (rl[(w >> 12 & 15)] & 31); rh[d] = 0; break; }
      case Op.ARSH32K: { const d = (w >> 8 & 15); rl[d] >>= imm[pc]; rh[d] = 0; break; }
      case Op.ARSH32X: { const d = (w >> 8 & 15); rl[d] >>= rl[(w >> 12 & 15)] & 31; rh[d] = 0; break; }
      case Op.NEG32: { const d = (w >> 8 & 15); rl[d] = -rl[d] | 0; rh[d] = 0; break; }
      case Op.MOV32K: { const d = (w >> 8 & 15); rl[d] = imm[pc]; rh[d] = 0; break; }
      case Op.MOV32X: { const d = (w >> 8 & 15); rl[d] = rl[(w >> 12 & 15)]; rh[d] = 0; break; }
      case Op.MOVSX32_8: { const d = (w >> 8 & 15); rl[d] = (rl[(w >> 12 & 15)] << 24) >> 24; rh[d] = 0; break; }
      case Op.MOVSX32_16: { const d = (w >> 8 & 15); rl[d] = (rl[(w >> 12 & 15)] << 16) >> 16; rh[d] = 0; break; }

      // ---- byte order (the VM is little-endian) ----
      case Op.LE16: { const d = (w >> 8 & 15); rl[d] &= 0xffff; rh[d] = 0; break; }
      case Op.LE32: rh[(w >> 8 & 15)] = 0; break;
      case Op.LE64: break;
      case Op.BE16: { const d = (w >> 8 & 15), a = rl[d]; rl[d] = ((a & 0xff) << 8) | ((a >>> 8) & 0xff); rh[d] = 0; break; }
      case Op.BE32: { const d = (w >> 8 & 15); rl[d] = bswap32(rl[d]); rh[d] = 0; break; }
      case Op.BE64: { const d = (w >> 8 & 15), a = rl[d]; rl[d] = bswap32(rh[d]); rh[d] = bswap32(a); break; }

      // ---- loads of constants and legacy packet loads ----
      case Op.LDDW: { const d = (w >> 8 & 15); rl[d] = imm[pc]; rh[d] = aux[pc]; pc += 2; continue; }
      case Op.LDABS_B: case Op.LDABS_H: case Op.LDABS_W:
      case Op.LDIND_B: case Op.LDIND_H: case Op.LDIND_W: {
        if (!ldAbs(vm, prog, pc)) {
          // Out of bounds: the kernel ends the program returning 0.
          rl[0] = rh[0] = 0;
          vm.left = left;
          return;
        }
        break;
      }

      // ---- memory loads ----
      case Op.LDXB: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        if (t >= start[h] && t + 1 <= readEnd[h]) { rl[d] = views[h].getUint8(t); rh[d] = 0; } else vm.setReg(d, mem.load(h, t, 1, pc));
        break; }
      case Op.LDXH: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        if (t >= start[h] && t + 2 <= readEnd[h]) { rl[d] = views[h].getUint16(t, true); rh[d] = 0; } else vm.setReg(d, mem.load(h, t, 2, pc));
        break; }
      case Op.LDXW: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        if (t >= start[h] && t + 4 <= readEnd[h]) { rl[d] = views[h].getInt32(t, true); rh[d] = 0; } else vm.setReg(d, mem.load(h, t, 4, pc));
        break; }
      case Op.LDXDW: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        if (t >= start[h] && t + 8 <= readEnd[h]) { const v = views[h]; rl[d] = v.getInt32(t, true); rh[d] = v.getInt32(t + 4, true); }
        else vm.setReg(d, mem.load(h, t, 8, pc));
        break; }
      case Op.LDSXB: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        const v = t >= start[h] && t + 1 <= readEnd[h] ? views[h].getInt8(t) : (Number(mem.load(h, t, 1, pc)) << 24) >> 24;
        rl[d] = v; rh[d] = v >> 31; break; }
      case Op.LDSXH: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        const v = t >= start[h] && t + 2 <= readEnd[h] ? views[h].getInt16(t, true) : (Number(mem.load(h, t, 2, pc)) << 16) >> 16;
        rl[d] = v; rh[d] = v >> 31; break; }
      case Op.LDSXW: { const s = (w >> 12 & 15), h = rh[s], t = (rl[s] >>> 0) + off[pc], d = (w >> 8 & 15);
        const v = t >= start[h] && t + 4 <= readEnd[h] ? views[h].getInt32(t, true) : Number(mem.load(h, t, 4, pc)) | 0;
        rl[d] = v; rh[d] = v >> 31; break; }

      // ---- memory stores ----
      case Op.STB: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc];
        if (t >= start[h] && t + 1 <= writeEnd[h]) views[h].setUint8(t, imm[pc]); else mem.store(h, t, 1, imm[pc], 0, pc);
        break; }
      case Op.STH: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc];
        if (t >= start[h] && t + 2 <= writeEnd[h]) views[h].setUint16(t, imm[pc], true); else mem.store(h, t, 2, imm[pc], 0, pc);
        break; }
      case Op.STW: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc];
        if (t >= start[h] && t + 4 <= writeEnd[h]) views[h].setInt32(t, imm[pc], true); else mem.store(h, t, 4, imm[pc], 0, pc);
        break; }
      case Op.STDW: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc], k = imm[pc];
        if (t >= start[h] && t + 8 <= writeEnd[h]) { const v = views[h]; v.setInt32(t, k, true); v.setInt32(t + 4, k >> 31, true); }
        else mem.store(h, t, 8, k, k >> 31, pc);
        break; }
      case Op.STXB: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc], s = (w >> 12 & 15);
        if (t >= start[h] && t + 1 <= writeEnd[h]) views[h].setUint8(t, rl[s]); else mem.store(h, t, 1, rl[s], 0, pc);
        break; }
      case Op.STXH: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc], s = (w >> 12 & 15);
        if (t >= start[h] && t + 2 <= writeEnd[h]) views[h].setUint16(t, rl[s], true); else mem.store(h, t, 2, rl[s], 0, pc);
        break; }
      case Op.STXW: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc], s = (w >> 12 & 15);
        if (t >= start[h] && t + 4 <= writeEnd[h]) views[h].setInt32(t, rl[s], true); else mem.store(h, t, 4, rl[s], 0, pc);
        break; }
      case Op.STXDW: { const d = (w >> 8 & 15), h = rh[d], t = (rl[d] >>> 0) + off[pc], s = (w >> 12 & 15);
        if (t >= start[h] && t + 8 <= writeEnd[h]) { const v = views[h]; v.setInt32(t, rl[s], true); v.setInt32(t + 4, rh[s], true); }
        else mem.store(h, t, 8, rl[s], rh[s], pc);
        break; }

      // ---- atomics (single-threaded VM: plain read-modify-write) ----
      case Op.AW_ADD: case Op.AW_OR: case Op.AW_AND: case Op.AW_XOR:
      case Op.AW_FADD: case Op.AW_FOR: case Op.AW_FAND: case Op.AW_FXOR:
      case Op.AW_XCHG: case Op.AW_CMPXCHG:
        atomic32(vm, prog, pc);
        break;
      case Op.ADW_ADD: case Op.ADW_OR: case Op.ADW_AND: case Op.ADW_XOR:
      case Op.ADW_FADD: case Op.ADW_FOR: case Op.ADW_FAND: case Op.ADW_FXOR:
      case Op.ADW_XCHG: case Op.ADW_CMPXCHG:
        atomic64(vm, prog, pc);
        break;

      // ---- jumps ----
      case Op.JA: pc = aux[pc]; continue;
      case Op.JEQK: { const d = (w >> 8 & 15), b = imm[pc]; if (rl[d] === b && rh[d] === b >> 31) { pc = aux[pc]; continue; } break; }
      case Op.JEQX: { const d = (w >> 8 & 15), s = (w >> 12 & 15); if (rl[d] === rl[s] && rh[d] === rh[s]) { pc = aux[pc]; continue; } break; }
      case Op.JNEK: { const d = (w >> 8 & 15), b = imm[pc]; if (rl[d] !== b || rh[d] !== b >> 31) { pc = aux[pc]; continue; } break; }
      case Op.JNEX: { const d = (w >> 8 & 15), s = (w >> 12 & 15); if (rl[d] !== rl[s] || rh[d] !== rh[s]) { pc = aux[pc]; continue; } break; }
      case Op.JSETK: { const d = (w >> 8 & 15), b = imm[pc]; if ((rl[d] & b) !== 0 || (rh[d] & (b >> 31)) !== 0) { pc = aux[pc]; continue; } break; }
      case Op.JSETX: { const d = (w >> 8 & 15), s = (w >> 12 & 15); if ((rl[d] & rl[s]) !== 0 || (rh[d] & rh[s]) !== 0) { pc = aux[pc]; continue; } break; }
      case Op.JGTK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d] >>> 0, bh = (b >> 31) >>> 0; if (ah > bh || (ah === bh && (rl[d] >>> 0) > (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JGTX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d] >>> 0, bh = rh[s] >>> 0; if (ah > bh || (ah === bh && (rl[d] >>> 0) > (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JGEK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d] >>> 0, bh = (b >> 31) >>> 0; if (ah > bh || (ah === bh && (rl[d] >>> 0) >= (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JGEX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d] >>> 0, bh = rh[s] >>> 0; if (ah > bh || (ah === bh && (rl[d] >>> 0) >= (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JLTK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d] >>> 0, bh = (b >> 31) >>> 0; if (ah < bh || (ah === bh && (rl[d] >>> 0) < (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JLTX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d] >>> 0, bh = rh[s] >>> 0; if (ah < bh || (ah === bh && (rl[d] >>> 0) < (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JLEK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d] >>> 0, bh = (b >> 31) >>> 0; if (ah < bh || (ah === bh && (rl[d] >>> 0) <= (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JLEX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d] >>> 0, bh = rh[s] >>> 0; if (ah < bh || (ah === bh && (rl[d] >>> 0) <= (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSGTK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d], bh = b >> 31; if (ah > bh || (ah === bh && (rl[d] >>> 0) > (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSGTX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d], bh = rh[s]; if (ah > bh || (ah === bh && (rl[d] >>> 0) > (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSGEK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d], bh = b >> 31; if (ah > bh || (ah === bh && (rl[d] >>> 0) >= (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSGEX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d], bh = rh[s]; if (ah > bh || (ah === bh && (rl[d] >>> 0) >= (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSLTK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d], bh = b >> 31; if (ah < bh || (ah === bh && (rl[d] >>> 0) < (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSLTX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d], bh = rh[s]; if (ah < bh || (ah === bh && (rl[d] >>> 0) < (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSLEK: { const d = (w >> 8 & 15), b = imm[pc], ah = rh[d], bh = b >> 31; if (ah < bh || (ah === bh && (rl[d] >>> 0) <= (b >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JSLEX: { const d = (w >> 8 & 15), s = (w >> 12 & 15), ah = rh[d], bh = rh[s]; if (ah < bh || (ah === bh && (rl[d] >>> 0) <= (rl[s] >>> 0))) { pc = aux[pc]; continue; } break; }
      case Op.JEQ32K: if (rl[(w >> 8 & 15)] === imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JEQ32X: if (rl[(w >> 8 & 15)] === rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;
      case Op.JNE32K: if (rl[(w >> 8 & 15)] !== imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JNE32X: if (rl[(w >> 8 & 15)] !== rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;
      case Op.JSET32K: if ((rl[(w >> 8 & 15)] & imm[pc]) !== 0) { pc = aux[pc]; continue; } break;
      case Op.JSET32X: if ((rl[(w >> 8 & 15)] & rl[(w >> 12 & 15)]) !== 0) { pc = aux[pc]; continue; } break;
      case Op.JGT32K: if ((rl[(w >> 8 & 15)] >>> 0) > (imm[pc] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JGT32X: if ((rl[(w >> 8 & 15)] >>> 0) > (rl[(w >> 12 & 15)] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JGE32K: if ((rl[(w >> 8 & 15)] >>> 0) >= (imm[pc] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JGE32X: if ((rl[(w >> 8 & 15)] >>> 0) >= (rl[(w >> 12 & 15)] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JLT32K: if ((rl[(w >> 8 & 15)] >>> 0) < (imm[pc] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JLT32X: if ((rl[(w >> 8 & 15)] >>> 0) < (rl[(w >> 12 & 15)] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JLE32K: if ((rl[(w >> 8 & 15)] >>> 0) <= (imm[pc] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JLE32X: if ((rl[(w >> 8 & 15)] >>> 0) <= (rl[(w >> 12 & 15)] >>> 0)) { pc = aux[pc]; continue; } break;
      case Op.JSGT32K: if (rl[(w >> 8 & 15)] > imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JSGT32X: if (rl[(w >> 8 & 15)] > rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;
      case Op.JSGE32K: if (rl[(w >> 8 & 15)] >= imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JSGE32X: if (rl[(w >> 8 & 15)] >= rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;
      case Op.JSLT32K: if (rl[(w >> 8 & 15)] < imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JSLT32X: if (rl[(w >> 8 & 15)] < rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;
      case Op.JSLE32K: if (rl[(w >> 8 & 15)] <= imm[pc]) { pc = aux[pc]; continue; } break;
      case Op.JSLE32X: if (rl[(w >> 8 & 15)] <= rl[(w >> 12 & 15)]) { pc = aux[pc]; continue; } break;

      // ---- calls ----
      case Op.CALL: case Op.CALLX: {
        let fn = prog.helper[pc];
        if ((w & 0xff) === Op.CALLX) {
          const id = rl[(w >> 8 & 15)];
          const found = rh[(w >> 8 & 15)] === 0 ? prog.helpers.get(id) : undefined;
          if (!found) throw new VmFault(`callx: no helper #${vm.regNum((w >> 8 & 15))}`, { insn: pc });
          fn = found;
        }
        vm.pc = pc; vm.depth = depth; vm.prog = prog; vm.left = left;
        const ret = fn(vm);
        left = vm.left;
        if (typeof ret !== 'number') vm.setReg(0, ret);
        else if ((ret | 0) === ret) { rl[0] = ret; rh[0] = ret >> 31; } // the common small result
        else { rl[0] = ret | 0; rh[0] = Math.floor(ret / TWO32) | 0; }
        break;
      }
      case Op.CALL_LOCAL: {
        if (depth + 1 >= MAX_CALL_FRAMES) throw new VmFault(`the call stack of ${depth + 2} frames is too deep`, { insn: pc });
        saveRegs(vm, depth);
        vm.retPc[depth] = pc + 1;
        vm.retProg[depth] = prog;
        depth++;
        rl[10] = STACK_SIZE;
        rh[10] = vm.stacks[depth];
        pc = aux[pc];
        continue;
      }
      case Op.TAIL_CALL: {
        const target = tailCallTarget(vm, pc);
        if (target) {
          prog = target;
          code = prog.code; off = prog.off; imm = prog.imm; aux = prog.aux;
          pc = 0;
          continue;
        }
        break;
      }
      case Op.EXIT: {
        if (depth === base) { vm.left = left; return; }
        depth--;
        restoreRegs(vm, depth);
        const back = vm.retProg[depth]!;
        if (back !== prog) {
          prog = back;
          code = prog.code; off = prog.off; imm = prog.imm; aux = prog.aux;
        }
        pc = vm.retPc[depth];
        continue;
      }
      default:
        throw new VmFault(`internal: undecoded operation ${w & 0xff}`, { insn: pc });
    }
    pc++;
  }
}

function lsh64(rl: Int32Array, rh: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = rl[d];
  if (n < 32) { rh[d] = (rh[d] << n) | (lo >>> (32 - n)); rl[d] = lo << n; }
  else { rh[d] = lo << (n - 32); rl[d] = 0; }
}

function rsh64(rl: Int32Array, rh: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = rh[d];
  if (n < 32) { rl[d] = (rl[d] >>> n) | (hi << (32 - n)); rh[d] = hi >>> n; }
  else { rl[d] = hi >>> (n - 32); rh[d] = 0; }
}

function arsh64(rl: Int32Array, rh: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = rh[d];
  if (n < 32) { rl[d] = (rl[d] >>> n) | (hi << (32 - n)); rh[d] = hi >> n; }
  else { rl[d] = hi >> (n - 32); rh[d] = hi >> 31; }
}

/** LD_ABS / LD_IND: big-endian load from the packet into r0; false when out of bounds. */
function ldAbs(vm: Vm, prog: VmProgram, pc: number): boolean {
  const o = prog.op[pc];
  const size = o === Op.LDABS_B || o === Op.LDIND_B ? 1 : o === Op.LDABS_H || o === Op.LDIND_H ? 2 : 4;
  const ind = o >= Op.LDIND_B;
  const k = ind ? (vm.rl[prog.src[pc]] + prog.imm[pc]) | 0 : prog.imm[pc];
  const h = vm.ldAbsRegion;
  if (h === 0) throw new VmFault('LD_ABS/LD_IND needs a packet (socket filter context)', { insn: pc });
  const mem = vm.mem;
  const t = mem.start[h] + k;
  if (k < 0 || t + size > mem.end[h]) return false;
  const v = mem.views[h];
  vm.rl[0] = size === 1 ? v.getUint8(t) : size === 2 ? v.getUint16(t, false) : v.getInt32(t, false);
  vm.rh[0] = 0;
  return true;
}

function atomic32(vm: Vm, prog: VmProgram, pc: number): void {
  const o = prog.op[pc], d = prog.dst[pc], s = prog.src[pc];
  const h = vm.rh[d], t0 = (vm.rl[d] >>> 0) + prog.off[pc];
  const mem = vm.mem;
  // Fast path: plain writable memory of the pointer's region; else the carried address or a fault.
  const at = t0 >= mem.start[h] && t0 + 4 <= mem.writeEnd[h] && t0 + 4 <= mem.readEnd[h] ? h * TWO32 + t0 : mem.rmw(h, t0, 4, pc);
  const region = Math.floor(at / TWO32), t = at - region * TWO32;
  const v = mem.views[region];
  const old = v.getInt32(t, true), x = vm.rl[s];
  const rl = vm.rl, rh = vm.rh;
  switch (o) {
    case Op.AW_ADD: case Op.AW_FADD: v.setInt32(t, (old + x) | 0, true); break;
    case Op.AW_OR: case Op.AW_FOR: v.setInt32(t, old | x, true); break;
    case Op.AW_AND: case Op.AW_FAND: v.setInt32(t, old & x, true); break;
    case Op.AW_XOR: case Op.AW_FXOR: v.setInt32(t, old ^ x, true); break;
    case Op.AW_XCHG: v.setInt32(t, x, true); break;
    case Op.AW_CMPXCHG:
      if (old === rl[0]) v.setInt32(t, x, true);
      rl[0] = old; rh[0] = 0;
      return;
  }
  if (o >= Op.AW_FADD) { rl[s] = old; rh[s] = 0; }
}

function atomic64(vm: Vm, prog: VmProgram, pc: number): void {
  const o = prog.op[pc], d = prog.dst[pc], s = prog.src[pc];
  const h = vm.rh[d], t0 = (vm.rl[d] >>> 0) + prog.off[pc];
  const mem = vm.mem;
  // Fast path: plain writable memory of the pointer's region; else the carried address or a fault.
  const at = t0 >= mem.start[h] && t0 + 8 <= mem.writeEnd[h] && t0 + 8 <= mem.readEnd[h] ? h * TWO32 + t0 : mem.rmw(h, t0, 8, pc);
  const region = Math.floor(at / TWO32), t = at - region * TWO32;
  const v = mem.views[region];
  const oldLo = v.getInt32(t, true), oldHi = v.getInt32(t + 4, true);
  const rl = vm.rl, rh = vm.rh;
  const xl = rl[s], xh = rh[s];
  let nl = xl, nh = xh;
  switch (o) {
    case Op.ADW_ADD: case Op.ADW_FADD: nl = (oldLo + xl) | 0; nh = (oldHi + xh + ((nl >>> 0) < (oldLo >>> 0) ? 1 : 0)) | 0; break;
    case Op.ADW_OR: case Op.ADW_FOR: nl = oldLo | xl; nh = oldHi | xh; break;
    case Op.ADW_AND: case Op.ADW_FAND: nl = oldLo & xl; nh = oldHi & xh; break;
    case Op.ADW_XOR: case Op.ADW_FXOR: nl = oldLo ^ xl; nh = oldHi ^ xh; break;
    case Op.ADW_XCHG: break;
    case Op.ADW_CMPXCHG:
      if (oldLo === rl[0] && oldHi === rh[0]) { v.setInt32(t, xl, true); v.setInt32(t + 4, xh, true); }
      rl[0] = oldLo; rh[0] = oldHi;
      return;
  }
  v.setInt32(t, nl, true);
  v.setInt32(t + 4, nh, true);
  if (o >= Op.ADW_FADD) { rl[s] = oldLo; rh[s] = oldHi; }
}
