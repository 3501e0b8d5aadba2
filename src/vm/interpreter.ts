/**
 * The interpreter: executes pre-decoded programs ({@link VmProgram}) with the exact semantics of
 * RFC 9669 (v4 included). Registers are 64-bit values held as two's-complement Int32 halves in
 * one Int32Array (`regs[2i]` low, `regs[2i + 1]` high) so the hot loop never touches BigInt, and
 * a program is one Int32Array of 4 words per slot; every memory access goes through the region
 * table of {@link Memory} (two comparisons on the fast path, a fault or hooks otherwise).
 * Frequent instruction pairs and triples run as one superinstruction (FUSIONS of ./program.ts),
 * and the instruction budget is charged once per straight-line run, both without changing what
 * a program observes: results, faults, their instruction index and the instruction count.
 *
 * Calls: helpers by id through the program's helper table (r1–r5 in, r0 out); BPF-to-BPF calls
 * push a frame (own 512-byte stack region, r6–r9 and r10 saved, at most {@link MAX_CALL_FRAMES});
 * tail calls through a prog-array-like handle ({@link TailCallTable}, at most
 * {@link MAX_TAIL_CALL_CNT} per run, a failed one falls through); helpers may call back into the
 * interpreter ({@link Vm.callback}, used by `bpf_loop`/`bpf_for_each_map_elem`). The kernel's
 * combined stack limit over a call chain is a static property the verifier checks at load; at run
 * time each frame has its own 512-byte stack region and every access is checked against it.
 */
import { VmFault } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import { Memory, RegionKind, TWO32, formatAddress } from './memory.js';
import { Op, UNFUSED, decodeProgram, type HelperTable, type HelperVm, type Ld64Resolver, type VmProgram } from './program.js';

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
  /** r0..r10 as (low, high) Int32 pairs: `regs[2i]`, `regs[2i + 1]`. */
  readonly regs = new Int32Array(22);
  /** Instruction budget of one run. */
  budget: number;
  /** The CPU the run is on (per-CPU maps; default 0). */
  cpu = 0;
  /**
   * The packet LD_ABS/LD_IND read (0: none): offset k is relative to the region's `start`
   * (skb->data); negative k in the SKF_NET_OFF / SKF_LL_OFF ranges are relative to
   * {@link ldAbsNet} / {@link ldAbsMac} and may reach back to the buffer's first byte (skb->head).
   */
  ldAbsRegion = 0;
  /** Region offset of the network header (-1: unknown, SKF_NET_OFF loads fail). */
  ldAbsNet = -1;
  /** Region offset of the link-layer header (-1: unknown, SKF_LL_OFF loads fail). */
  ldAbsMac = -1;
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
    return decodeProgram(code, { ...options, codeRegion: this.codeRegion, owner: this });
  }

  /**
   * Runs `prog` from its first instruction with r1..r5 = args (numbers are taken as 64-bit
   * two's complement; VM pointers as {@link Memory.pointer} gives them) and returns r0 (unsigned).
   */
  run(prog: VmProgram, r1: number | bigint = 0, r2: number | bigint = 0, r3: number | bigint = 0, r4: number | bigint = 0, r5: number | bigint = 0): bigint {
    this.setReg(1, r1); this.setReg(2, r2); this.setReg(3, r3); this.setReg(4, r4); this.setReg(5, r5);
    this.exec(prog);
    return this.r0();
  }

  /** Runs `prog` with the registers r1..r5 as they are (set them with {@link setReg}); r0 is then in regs[0], regs[1]. */
  exec(prog: VmProgram): void {
    if (prog.owner !== this) throw new VmFault(`program '${prog.name}' was loaded into another VM (its map and code pointers are that VM's)`);
    const R = this.regs;
    R[0] = 0;
    R[1] = 0;
    R[20] = STACK_SIZE;
    R[21] = this.stacks[0];
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
    return this.reg(0);
  }

  /** Sets register `i` to a 64-bit value (two's complement for negatives). */
  setReg(i: number, v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.regs[2 * i] = Number(BigInt.asIntN(32, v));
      this.regs[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
    } else if ((v | 0) === v) {
      this.regs[2 * i] = v;
      this.regs[2 * i + 1] = v >> 31;
    } else {
      this.regs[2 * i] = v | 0;
      this.regs[2 * i + 1] = Math.floor(v / TWO32) | 0;
    }
  }

  /** Register `i` as an unsigned 64-bit bigint (for helpers that need all 64 bits). */
  reg(i: number): bigint {
    const hi = this.regs[2 * i + 1];
    if (hi === 0) return BigInt(this.regs[2 * i] >>> 0);
    return (BigInt(hi >>> 0) << 32n) | BigInt(this.regs[2 * i] >>> 0);
  }

  /** Register `i` as a number: exact when within ±2^53 (pointers, sizes, flags). */
  regNum(i: number): number {
    return this.regs[2 * i + 1] * TWO32 + (this.regs[2 * i] >>> 0);
  }

  /** Low 32 bits of register `i` (signed). */
  lo(i: number): number {
    return this.regs[2 * i];
  }

  /** High 32 bits of register `i` (signed); for a pointer, its region. */
  hi(i: number): number {
    return this.regs[2 * i + 1];
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
    const R = this.regs;
    const pc = this.pc;
    saveRegs(this, depth - 1);
    this.setReg(1, a1); this.setReg(2, a2); this.setReg(3, a3); this.setReg(4, a4); this.setReg(5, a5);
    R[20] = STACK_SIZE;
    R[21] = this.stacks[depth];
    execute(this, prog, target, depth);
    restoreRegs(this, depth - 1);
    this.depth = depth - 1;
    this.prog = prog;
    this.pc = pc;
    return this.regNum(0);
  }
}

/**
 * `bpf_tail_call(ctx, prog_array, index)` as the kernel does it: an index beyond max_entries
 * fails; otherwise the attempt counts against {@link MAX_TAIL_CALL_CNT}, then an empty slot fails.
 * Returns the program to continue with, or undefined to fall through.
 */
function tailCallTarget(vm: Vm, pc: number): VmProgram | undefined {
  const table = vm.mem.object(vm.lo(2), vm.hi(2));
  if (!isTailCallTable(table)) throw new VmFault(`bpf_tail_call: R2 ${formatAddress(vm.lo(2), vm.hi(2))} is not a prog array`, { insn: pc });
  const index = vm.lo(3) >>> 0;
  if (index >= table.maxEntries) return undefined;
  if (vm.tailCalls >= MAX_TAIL_CALL_CNT) return undefined;
  vm.tailCalls++;
  const target = table.tailCallTarget(index);
  if (target && target.owner !== vm) throw new VmFault(`bpf_tail_call: program '${target.name}' was loaded into another VM`, { insn: pc });
  return target;
}

/** Saves r6..r10 of frame `depth` (callee-saved registers and the frame pointer). */
function saveRegs(vm: Vm, depth: number): void {
  const s = vm.saved, R = vm.regs, b = depth * SAVED * 2;
  s[b] = R[12]; s[b + 1] = R[13]; s[b + 2] = R[14]; s[b + 3] = R[15]; s[b + 4] = R[16];
  s[b + 5] = R[17]; s[b + 6] = R[18]; s[b + 7] = R[19]; s[b + 8] = R[20]; s[b + 9] = R[21];
}

/** Restores r6..r10 of frame `depth`. */
function restoreRegs(vm: Vm, depth: number): void {
  const s = vm.saved, R = vm.regs, b = depth * SAVED * 2;
  R[12] = s[b]; R[13] = s[b + 1]; R[14] = s[b + 2]; R[15] = s[b + 3]; R[16] = s[b + 4];
  R[17] = s[b + 5]; R[18] = s[b + 6]; R[19] = s[b + 7]; R[20] = s[b + 8]; R[21] = s[b + 9];
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
 * 64-bit division/modulo of the register at regs[d] by (blo, bhi); `signed` for SDIV/SMOD, `mod` for MOD/SMOD.
 * Exact with doubles when both operands are below 2^53 in magnitude, BigInt beyond (rare).
 * Division by zero: quotient 0, remainder = dividend (RFC 9669).
 */
function divmod64(R: Int32Array, d: number, blo: number, bhi: number, signed: boolean, mod: boolean): void {
  if (blo === 0 && bhi === 0) {
    if (!mod) R[d] = R[d + 1] = 0;
    return;
  }
  const a = signed ? R[d + 1] * TWO32 + (R[d] >>> 0) : (R[d + 1] >>> 0) * TWO32 + (R[d] >>> 0);
  const b = signed ? bhi * TWO32 + (blo >>> 0) : (bhi >>> 0) * TWO32 + (blo >>> 0);
  if (Math.abs(a) < TWO53 && Math.abs(b) < TWO53) {
    const q = Math.trunc(a / b);
    const r = mod ? a - q * b : q;
    R[d] = r | 0;
    R[d + 1] = Math.floor(r / TWO32) | 0;
    return;
  }
  const toBig = (lo: number, hi: number) => signed
    ? (BigInt(hi) << 32n) | BigInt(lo >>> 0)
    : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const x = toBig(R[d], R[d + 1]), y = toBig(blo, bhi);
  const r = mod ? x % y : x / y; // BigInt truncates toward zero like the ISA; INT64_MIN / -1 wraps below
  R[d] = Number(BigInt.asIntN(32, r));
  R[d + 1] = Number(BigInt.asIntN(32, r >> 32n));
}

function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function budgetExceeded(vm: Vm, pc: number): VmFault {
  return new VmFault(`instruction budget of ${vm.budget} exceeded (the program did not finish)`, { insn: pc });
}

/**
 * The budget trap: when the budget left (`avail`) does not cover the straight-line run starting
 * at `pc`, returns a private copy of the program's words in which the instruction where the
 * budget runs out (the run's `avail`-th, counting an lddw once) is {@link Op.BUDGET}. The run
 * goes on in the copy, executes exactly the instructions the budget pays for (a run has no jumps
 * or calls before its end), and the trap then raises the fault naming that instruction.
 */
function budgetTrap(ins: Int32Array, pc: number, avail: number): Int32Array {
  const copy = ins.slice();
  let at = pc;
  for (let k = 0; k < avail; k++) {
    const o = copy[at << 2] & 0xff, single = UNFUSED[o as Op];
    // A superinstruction would run past the trap: the copy executes its instructions one by one.
    if (single !== undefined) copy[at << 2] = (copy[at << 2] & ~0xff) | single;
    at += o === Op.LDDW ? 2 : 1;
  }
  copy[at << 2] = Op.BUDGET;
  return copy;
}

/**
 * Executes `prog` from slot `pc` on frame `base` until the EXIT that returns from that frame.
 * r10 and the frame's stack must be set up by the caller.
 *
 * The instruction budget is charged per straight-line run ({@link VmProgram.cost}): when the run
 * starting at `pc` is entered (at the start, after every jump, call, return and LD_ABS), not per
 * instruction. The count stays exact: a fault inside a run gives back what the rest of the run
 * was charged, and a run the budget does not cover stops at the exact instruction where it runs
 * out ({@link budgetTrap}).
 */
function execute(vm: Vm, prog: VmProgram, pc: number, base: number): void {
  const R = vm.regs, mem = vm.mem;
  const views = mem.views, start = mem.start, readEnd = mem.readEnd, writeEnd = mem.writeEnd;
  let ins = prog.ins, cost = prog.cost;
  let depth = base;
  let left = vm.left - cost[pc];
  try {
    if (left < 0) ins = budgetTrap(ins, pc, left + cost[pc]);
    for (;;) {
      run: {
        // w = op | dst << 8 | src << 12; `w >> 7 & 30` = 2 * dst and `w >> 11 & 30` = 2 * src index the
        // low halves of the registers in R (high half at + 1).
        const p4 = pc << 2, w = ins[p4];
        switch (w & 0xff) {
          // ---- ALU64 ----
          case Op.ADD64K: { const d = w >> 7 & 30, a = R[d], b = ins[p4 + 1]; const r = (a + b) | 0; R[d + 1] = (R[d + 1] + (b >> 31) + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0; R[d] = r; break; }
          case Op.ADD64X: { const d = w >> 7 & 30, s = w >> 11 & 30, a = R[d], b = R[s]; const r = (a + b) | 0; R[d + 1] = (R[d + 1] + R[s + 1] + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0; R[d] = r; break; }
          case Op.SUB64K: { const d = w >> 7 & 30, a = R[d], b = ins[p4 + 1]; R[d + 1] = (R[d + 1] - (b >> 31) - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0; R[d] = (a - b) | 0; break; }
          case Op.SUB64X: { const d = w >> 7 & 30, s = w >> 11 & 30, a = R[d], b = R[s]; R[d + 1] = (R[d + 1] - R[s + 1] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0; R[d] = (a - b) | 0; break; }
          case Op.MUL64K: { const d = w >> 7 & 30, a = R[d], b = ins[p4 + 1]; R[d + 1] = (umulhi(a, b) + Math.imul(a, b >> 31) + Math.imul(R[d + 1], b)) | 0; R[d] = Math.imul(a, b); break; }
          case Op.MUL64X: { const d = w >> 7 & 30, s = w >> 11 & 30, a = R[d], b = R[s]; R[d + 1] = (umulhi(a, b) + Math.imul(a, R[s + 1]) + Math.imul(R[d + 1], b)) | 0; R[d] = Math.imul(a, b); break; }
          case Op.DIV64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; divmod64(R, d, b, b >> 31, false, false); break; }
          case Op.DIV64X: { const s = w >> 11 & 30; divmod64(R, (w >> 7 & 30), R[s], R[s + 1], false, false); break; }
          case Op.SDIV64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; divmod64(R, d, b, b >> 31, true, false); break; }
          case Op.SDIV64X: { const s = w >> 11 & 30; divmod64(R, (w >> 7 & 30), R[s], R[s + 1], true, false); break; }
          case Op.MOD64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; divmod64(R, d, b, b >> 31, false, true); break; }
          case Op.MOD64X: { const s = w >> 11 & 30; divmod64(R, (w >> 7 & 30), R[s], R[s + 1], false, true); break; }
          case Op.SMOD64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; divmod64(R, d, b, b >> 31, true, true); break; }
          case Op.SMOD64X: { const s = w >> 11 & 30; divmod64(R, (w >> 7 & 30), R[s], R[s + 1], true, true); break; }
          case Op.OR64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; R[d] |= b; R[d + 1] |= b >> 31; break; }
          case Op.OR64X: { const d = w >> 7 & 30, s = w >> 11 & 30; R[d] |= R[s]; R[d + 1] |= R[s + 1]; break; }
          case Op.AND64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; R[d] &= b; R[d + 1] &= b >> 31; break; }
          case Op.AND64X: { const d = w >> 7 & 30, s = w >> 11 & 30; R[d] &= R[s]; R[d + 1] &= R[s + 1]; break; }
          case Op.XOR64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; R[d] ^= b; R[d + 1] ^= b >> 31; break; }
          case Op.XOR64X: { const d = w >> 7 & 30, s = w >> 11 & 30; R[d] ^= R[s]; R[d + 1] ^= R[s + 1]; break; }
          case Op.LSH64K: lsh64(R, (w >> 7 & 30), ins[p4 + 1]); break;
          case Op.LSH64X: lsh64(R, (w >> 7 & 30), R[(w >> 11 & 30)] & 63); break;
          case Op.RSH64K: rsh64(R, (w >> 7 & 30), ins[p4 + 1]); break;
          case Op.RSH64X: rsh64(R, (w >> 7 & 30), R[(w >> 11 & 30)] & 63); break;
          case Op.ARSH64K: arsh64(R, (w >> 7 & 30), ins[p4 + 1]); break;
          case Op.ARSH64X: arsh64(R, (w >> 7 & 30), R[(w >> 11 & 30)] & 63); break;
          case Op.NEG64: { const d = w >> 7 & 30, a = R[d]; R[d + 1] = (-R[d + 1] - (a !== 0 ? 1 : 0)) | 0; R[d] = -a | 0; break; }
          case Op.MOV64K: { const d = w >> 7 & 30, b = ins[p4 + 1]; R[d] = b; R[d + 1] = b >> 31; break; }
          case Op.MOV64X: { const d = w >> 7 & 30, s = w >> 11 & 30; R[d] = R[s]; R[d + 1] = R[s + 1]; break; }
          case Op.MOVSX64_8: { const d = w >> 7 & 30, v = (R[(w >> 11 & 30)] << 24) >> 24; R[d] = v; R[d + 1] = v >> 31; break; }
          case Op.MOVSX64_16: { const d = w >> 7 & 30, v = (R[(w >> 11 & 30)] << 16) >> 16; R[d] = v; R[d + 1] = v >> 31; break; }
          case Op.MOVSX64_32: { const d = w >> 7 & 30, v = R[(w >> 11 & 30)]; R[d] = v; R[d + 1] = v >> 31; break; }

          // ---- ALU32: results zero-extend ----
          case Op.ADD32K: { const d = w >> 7 & 30; R[d] = (R[d] + ins[p4 + 1]) | 0; R[d + 1] = 0; break; }
          case Op.ADD32X: { const d = w >> 7 & 30; R[d] = (R[d] + R[(w >> 11 & 30)]) | 0; R[d + 1] = 0; break; }
          case Op.SUB32K: { const d = w >> 7 & 30; R[d] = (R[d] - ins[p4 + 1]) | 0; R[d + 1] = 0; break; }
          case Op.SUB32X: { const d = w >> 7 & 30; R[d] = (R[d] - R[(w >> 11 & 30)]) | 0; R[d + 1] = 0; break; }
          case Op.MUL32K: { const d = w >> 7 & 30; R[d] = Math.imul(R[d], ins[p4 + 1]); R[d + 1] = 0; break; }
          case Op.MUL32X: { const d = w >> 7 & 30; R[d] = Math.imul(R[d], R[(w >> 11 & 30)]); R[d + 1] = 0; break; }
          case Op.DIV32K: { const d = w >> 7 & 30, b = ins[p4 + 1] >>> 0; R[d] = b === 0 ? 0 : ((R[d] >>> 0) / b) >>> 0; R[d + 1] = 0; break; }
          case Op.DIV32X: { const d = w >> 7 & 30, b = R[(w >> 11 & 30)] >>> 0; R[d] = b === 0 ? 0 : ((R[d] >>> 0) / b) >>> 0; R[d + 1] = 0; break; }
          case Op.SDIV32K: { const d = w >> 7 & 30, b = ins[p4 + 1]; R[d] = b === 0 ? 0 : Math.trunc(R[d] / b) | 0; R[d + 1] = 0; break; }
          case Op.SDIV32X: { const d = w >> 7 & 30, b = R[(w >> 11 & 30)]; R[d] = b === 0 ? 0 : Math.trunc(R[d] / b) | 0; R[d + 1] = 0; break; }
          case Op.MOD32K: { const d = w >> 7 & 30, b = ins[p4 + 1] >>> 0; if (b !== 0) R[d] = ((R[d] >>> 0) % b) | 0; R[d + 1] = 0; break; }
          case Op.MOD32X: { const d = w >> 7 & 30, b = R[(w >> 11 & 30)] >>> 0; if (b !== 0) R[d] = ((R[d] >>> 0) % b) | 0; R[d + 1] = 0; break; }
          case Op.SMOD32K: { const d = w >> 7 & 30, b = ins[p4 + 1]; if (b !== 0) R[d] = (R[d] % b) | 0; R[d + 1] = 0; break; }
          case Op.SMOD32X: { const d = w >> 7 & 30, b = R[(w >> 11 & 30)]; if (b !== 0) R[d] = (R[d] % b) | 0; R[d + 1] = 0; break; }
          case Op.OR32K: { const d = w >> 7 & 30; R[d] |= ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.OR32X: { const d = w >> 7 & 30; R[d] |= R[(w >> 11 & 30)]; R[d + 1] = 0; break; }
          case Op.AND32K: { const d = w >> 7 & 30; R[d] &= ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.AND32X: { const d = w >> 7 & 30; R[d] &= R[(w >> 11 & 30)]; R[d + 1] = 0; break; }
          case Op.XOR32K: { const d = w >> 7 & 30; R[d] ^= ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.XOR32X: { const d = w >> 7 & 30; R[d] ^= R[(w >> 11 & 30)]; R[d + 1] = 0; break; }
          case Op.LSH32K: { const d = w >> 7 & 30; R[d] <<= ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.LSH32X: { const d = w >> 7 & 30; R[d] <<= R[(w >> 11 & 30)] & 31; R[d + 1] = 0; break; }
          case Op.RSH32K: { const d = w >> 7 & 30; R[d] = R[d] >>> ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.RSH32X: { const d = w >> 7 & 30; R[d] = R[d] >>> (R[(w >> 11 & 30)] & 31); R[d + 1] = 0; break; }
          case Op.ARSH32K: { const d = w >> 7 & 30; R[d] >>= ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.ARSH32X: { const d = w >> 7 & 30; R[d] >>= R[(w >> 11 & 30)] & 31; R[d + 1] = 0; break; }
          case Op.NEG32: { const d = w >> 7 & 30; R[d] = -R[d] | 0; R[d + 1] = 0; break; }
          case Op.MOV32K: { const d = w >> 7 & 30; R[d] = ins[p4 + 1]; R[d + 1] = 0; break; }
          case Op.MOV32X: { const d = w >> 7 & 30; R[d] = R[(w >> 11 & 30)]; R[d + 1] = 0; break; }
          case Op.MOVSX32_8: { const d = w >> 7 & 30; R[d] = (R[(w >> 11 & 30)] << 24) >> 24; R[d + 1] = 0; break; }
          case Op.MOVSX32_16: { const d = w >> 7 & 30; R[d] = (R[(w >> 11 & 30)] << 16) >> 16; R[d + 1] = 0; break; }

          // ---- byte order (the VM is little-endian) ----
          case Op.LE16: { const d = w >> 7 & 30; R[d] &= 0xffff; R[d + 1] = 0; break; }
          case Op.LE32: R[(w >> 7 & 30) + 1] = 0; break;
          case Op.LE64: break;
          case Op.BE16: { const d = w >> 7 & 30, a = R[d]; R[d] = ((a & 0xff) << 8) | ((a >>> 8) & 0xff); R[d + 1] = 0; break; }
          case Op.BE32: { const d = w >> 7 & 30; R[d] = bswap32(R[d]); R[d + 1] = 0; break; }
          case Op.BE64: { const d = w >> 7 & 30, a = R[d]; R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(a); break; }

          // ---- loads of constants and legacy packet loads ----
          case Op.LDDW: { const d = w >> 7 & 30; R[d] = ins[p4 + 1]; R[d + 1] = ins[p4 + 2]; pc += 2; continue; }
          case Op.LDABS_B: case Op.LDABS_H: case Op.LDABS_W:
          case Op.LDIND_B: case Op.LDIND_H: case Op.LDIND_W: {
            if (!ldAbs(vm, prog, pc)) {
              // Out of bounds: the kernel ends the program returning 0.
              R[0] = R[1] = 0;
              vm.left = left;
              return;
            }
            pc++;
            break run;
          }

          // ---- memory loads ----
          case Op.LDXB: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            if (t >= start[h] && t + 1 <= readEnd[h]) { R[d] = views[h].getUint8(t); R[d + 1] = 0; } else mem.load(h, t, 1, pc, R, d);
            break; }
          case Op.LDXH: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            if (t >= start[h] && t + 2 <= readEnd[h]) { R[d] = views[h].getUint16(t, true); R[d + 1] = 0; } else mem.load(h, t, 2, pc, R, d);
            break; }
          case Op.LDXW: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            if (t >= start[h] && t + 4 <= readEnd[h]) { R[d] = views[h].getInt32(t, true); R[d + 1] = 0; } else mem.load(h, t, 4, pc, R, d);
            break; }
          case Op.LDXDW: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            if (t >= start[h] && t + 8 <= readEnd[h]) { const v = views[h]; R[d] = v.getInt32(t, true); R[d + 1] = v.getInt32(t + 4, true); }
            else mem.load(h, t, 8, pc, R, d);
            break; }
          case Op.LDSXB: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            let v: number;
            if (t >= start[h] && t + 1 <= readEnd[h]) v = views[h].getInt8(t); else { mem.load(h, t, 1, pc, R, d); v = (R[d] << 24) >> 24; }
            R[d] = v; R[d + 1] = v >> 31; break; }
          case Op.LDSXH: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            let v: number;
            if (t >= start[h] && t + 2 <= readEnd[h]) v = views[h].getInt16(t, true); else { mem.load(h, t, 2, pc, R, d); v = (R[d] << 16) >> 16; }
            R[d] = v; R[d + 1] = v >> 31; break; }
          case Op.LDSXW: { const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            let v: number;
            if (t >= start[h] && t + 4 <= readEnd[h]) v = views[h].getInt32(t, true); else { mem.load(h, t, 4, pc, R, d); v = R[d]; }
            R[d] = v; R[d + 1] = v >> 31; break; }

          // ---- memory stores ----
          case Op.STB: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3];
            if (t >= start[h] && t + 1 <= writeEnd[h]) views[h].setUint8(t, ins[p4 + 1]); else mem.store(h, t, 1, ins[p4 + 1], 0, pc);
            break; }
          case Op.STH: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3];
            if (t >= start[h] && t + 2 <= writeEnd[h]) views[h].setUint16(t, ins[p4 + 1], true); else mem.store(h, t, 2, ins[p4 + 1], 0, pc);
            break; }
          case Op.STW: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3];
            if (t >= start[h] && t + 4 <= writeEnd[h]) views[h].setInt32(t, ins[p4 + 1], true); else mem.store(h, t, 4, ins[p4 + 1], 0, pc);
            break; }
          case Op.STDW: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3], k = ins[p4 + 1];
            if (t >= start[h] && t + 8 <= writeEnd[h]) { const v = views[h]; v.setInt32(t, k, true); v.setInt32(t + 4, k >> 31, true); }
            else mem.store(h, t, 8, k, k >> 31, pc);
            break; }
          case Op.STXB: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3], s = w >> 11 & 30;
            if (t >= start[h] && t + 1 <= writeEnd[h]) views[h].setUint8(t, R[s]); else mem.store(h, t, 1, R[s], 0, pc);
            break; }
          case Op.STXH: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3], s = w >> 11 & 30;
            if (t >= start[h] && t + 2 <= writeEnd[h]) views[h].setUint16(t, R[s], true); else mem.store(h, t, 2, R[s], 0, pc);
            break; }
          case Op.STXW: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3], s = w >> 11 & 30;
            if (t >= start[h] && t + 4 <= writeEnd[h]) views[h].setInt32(t, R[s], true); else mem.store(h, t, 4, R[s], 0, pc);
            break; }
          case Op.STXDW: { const d = w >> 7 & 30, h = R[d + 1], t = (R[d] >>> 0) + ins[p4 + 3], s = w >> 11 & 30;
            if (t >= start[h] && t + 8 <= writeEnd[h]) { const v = views[h]; v.setInt32(t, R[s], true); v.setInt32(t + 4, R[s + 1], true); }
            else mem.store(h, t, 8, R[s], R[s + 1], pc);
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
          case Op.JA: pc = ins[p4 + 2]; break run;
          case Op.JEQK: { const d = w >> 7 & 30, b = ins[p4 + 1]; pc = (R[d] === b && R[d + 1] === b >> 31) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JEQX: { const d = w >> 7 & 30, s = w >> 11 & 30; pc = (R[d] === R[s] && R[d + 1] === R[s + 1]) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JNEK: { const d = w >> 7 & 30, b = ins[p4 + 1]; pc = (R[d] !== b || R[d + 1] !== b >> 31) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JNEX: { const d = w >> 7 & 30, s = w >> 11 & 30; pc = (R[d] !== R[s] || R[d + 1] !== R[s + 1]) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSETK: { const d = w >> 7 & 30, b = ins[p4 + 1]; pc = ((R[d] & b) !== 0 || (R[d + 1] & (b >> 31)) !== 0) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSETX: { const d = w >> 7 & 30, s = w >> 11 & 30; pc = ((R[d] & R[s]) !== 0 || (R[d + 1] & R[s + 1]) !== 0) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JGTK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1] >>> 0, bh = (b >> 31) >>> 0; pc = (ah > bh || (ah === bh && (R[d] >>> 0) > (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JGTX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1] >>> 0, bh = R[s + 1] >>> 0; pc = (ah > bh || (ah === bh && (R[d] >>> 0) > (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JGEK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1] >>> 0, bh = (b >> 31) >>> 0; pc = (ah > bh || (ah === bh && (R[d] >>> 0) >= (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JGEX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1] >>> 0, bh = R[s + 1] >>> 0; pc = (ah > bh || (ah === bh && (R[d] >>> 0) >= (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JLTK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1] >>> 0, bh = (b >> 31) >>> 0; pc = (ah < bh || (ah === bh && (R[d] >>> 0) < (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JLTX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1] >>> 0, bh = R[s + 1] >>> 0; pc = (ah < bh || (ah === bh && (R[d] >>> 0) < (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JLEK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1] >>> 0, bh = (b >> 31) >>> 0; pc = (ah < bh || (ah === bh && (R[d] >>> 0) <= (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JLEX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1] >>> 0, bh = R[s + 1] >>> 0; pc = (ah < bh || (ah === bh && (R[d] >>> 0) <= (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSGTK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1], bh = b >> 31; pc = (ah > bh || (ah === bh && (R[d] >>> 0) > (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSGTX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1], bh = R[s + 1]; pc = (ah > bh || (ah === bh && (R[d] >>> 0) > (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSGEK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1], bh = b >> 31; pc = (ah > bh || (ah === bh && (R[d] >>> 0) >= (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSGEX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1], bh = R[s + 1]; pc = (ah > bh || (ah === bh && (R[d] >>> 0) >= (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSLTK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1], bh = b >> 31; pc = (ah < bh || (ah === bh && (R[d] >>> 0) < (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSLTX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1], bh = R[s + 1]; pc = (ah < bh || (ah === bh && (R[d] >>> 0) < (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSLEK: { const d = w >> 7 & 30, b = ins[p4 + 1], ah = R[d + 1], bh = b >> 31; pc = (ah < bh || (ah === bh && (R[d] >>> 0) <= (b >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JSLEX: { const d = w >> 7 & 30, s = w >> 11 & 30, ah = R[d + 1], bh = R[s + 1]; pc = (ah < bh || (ah === bh && (R[d] >>> 0) <= (R[s] >>> 0))) ? ins[p4 + 2] : pc + 1; break run; }
          case Op.JEQ32K: pc = (R[(w >> 7 & 30)] === ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JEQ32X: pc = (R[(w >> 7 & 30)] === R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JNE32K: pc = (R[(w >> 7 & 30)] !== ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JNE32X: pc = (R[(w >> 7 & 30)] !== R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSET32K: pc = ((R[(w >> 7 & 30)] & ins[p4 + 1]) !== 0) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSET32X: pc = ((R[(w >> 7 & 30)] & R[(w >> 11 & 30)]) !== 0) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JGT32K: pc = ((R[(w >> 7 & 30)] >>> 0) > (ins[p4 + 1] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JGT32X: pc = ((R[(w >> 7 & 30)] >>> 0) > (R[(w >> 11 & 30)] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JGE32K: pc = ((R[(w >> 7 & 30)] >>> 0) >= (ins[p4 + 1] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JGE32X: pc = ((R[(w >> 7 & 30)] >>> 0) >= (R[(w >> 11 & 30)] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JLT32K: pc = ((R[(w >> 7 & 30)] >>> 0) < (ins[p4 + 1] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JLT32X: pc = ((R[(w >> 7 & 30)] >>> 0) < (R[(w >> 11 & 30)] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JLE32K: pc = ((R[(w >> 7 & 30)] >>> 0) <= (ins[p4 + 1] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JLE32X: pc = ((R[(w >> 7 & 30)] >>> 0) <= (R[(w >> 11 & 30)] >>> 0)) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSGT32K: pc = (R[(w >> 7 & 30)] > ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSGT32X: pc = (R[(w >> 7 & 30)] > R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSGE32K: pc = (R[(w >> 7 & 30)] >= ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSGE32X: pc = (R[(w >> 7 & 30)] >= R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSLT32K: pc = (R[(w >> 7 & 30)] < ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSLT32X: pc = (R[(w >> 7 & 30)] < R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSLE32K: pc = (R[(w >> 7 & 30)] <= ins[p4 + 1]) ? ins[p4 + 2] : pc + 1; break run;
          case Op.JSLE32X: pc = (R[(w >> 7 & 30)] <= R[(w >> 11 & 30)]) ? ins[p4 + 2] : pc + 1; break run;

          // ---- superinstructions (FUSIONS of ./program.ts): the next slot's operations after this one's ----
          case Op.MOV_ADD64K: case Op.MOV_ADD64K_JGTX: {
            const d = w >> 7 & 30, s = w >> 11 & 30, a = R[s], b = ins[p4 + 5];
            const r = (a + b) | 0;
            R[d + 1] = (R[s + 1] + (b >> 31) + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
            R[d] = r;
            if ((w & 0xff) === Op.MOV_ADD64K) { pc += 2; continue; }
            const t = ins[p4 + 8] >> 11 & 30, ah = R[d + 1] >>> 0, bh = R[t + 1] >>> 0;
            pc = (ah > bh || (ah === bh && (R[d] >>> 0) > (R[t] >>> 0))) ? ins[p4 + 10] : pc + 3;
            break run;
          }
          case Op.MOV_ADD32K: { const d = w >> 7 & 30; R[d] = (R[(w >> 11 & 30)] + ins[p4 + 5]) | 0; R[d + 1] = 0; pc += 2; continue; }
          case Op.LDXB_ADD64X: case Op.LDXH_ADD64X: case Op.LDXW_ADD64X: case Op.LDXDW_ADD64X: {
            const s = w >> 11 & 30, h = R[s + 1], t = (R[s] >>> 0) + ins[p4 + 3], d = w >> 7 & 30;
            const size = (1 << ((w & 0xff) - Op.LDXB_ADD64X)) as 1 | 2 | 4 | 8;
            if (t >= start[h] && t + size <= readEnd[h]) {
              const v = views[h];
              R[d] = size === 1 ? v.getUint8(t) : size === 2 ? v.getUint16(t, true) : v.getInt32(t, true);
              R[d + 1] = size === 8 ? v.getInt32(t + 4, true) : 0;
            } else mem.load(h, t, size, pc, R, d);
            const w2 = ins[p4 + 4], d2 = w2 >> 7 & 30, s2 = w2 >> 11 & 30, a = R[d2], b = R[s2];
            const r = (a + b) | 0;
            R[d2 + 1] = (R[d2 + 1] + R[s2 + 1] + ((r >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
            R[d2] = r;
            pc += 2;
            continue;
          }
          case Op.MOV_ADD32X: { const d = w >> 7 & 30; R[d] = R[(w >> 11 & 30)]; R[d] = (R[d] + R[(ins[p4 + 4] >> 11 & 30)]) | 0; R[d + 1] = 0; pc += 2; continue; }

          // ---- calls ----
          case Op.CALL: case Op.CALLX: {
            vm.pc = pc; vm.depth = depth; vm.prog = prog; vm.left = left;
            let fn = prog.helper[pc];
            if ((w & 0xff) === Op.CALLX) {
              const id = R[(w >> 7 & 30)];
              const found = R[(w >> 7 & 30) + 1] === 0 ? prog.helpers.get(id) : undefined;
              if (!found) throw new VmFault(`callx: no helper #${vm.regNum(w >> 8 & 15)}`, { insn: pc });
              fn = found;
            }
            const ret = fn(vm);
            left = vm.left;
            if (typeof ret !== 'number') vm.setReg(0, ret);
            else if ((ret | 0) === ret) { R[0] = ret; R[1] = ret >> 31; } // the common small result
            else { R[0] = ret | 0; R[1] = Math.floor(ret / TWO32) | 0; }
            pc++;
            break run;
          }
          case Op.CALL_LOCAL: {
            if (depth + 1 >= MAX_CALL_FRAMES) throw new VmFault(`the call stack of ${depth + 2} frames is too deep`, { insn: pc });
            saveRegs(vm, depth);
            vm.retPc[depth] = pc + 1;
            vm.retProg[depth] = prog;
            depth++;
            R[20] = STACK_SIZE;
            R[21] = vm.stacks[depth];
            pc = ins[p4 + 2];
            break run;
          }
          case Op.TAIL_CALL: {
            const target = tailCallTarget(vm, pc);
            if (target) {
              prog = target;
              ins = prog.ins;
              cost = prog.cost;
              pc = 0;
            } else pc++;
            break run;
          }
          case Op.EXIT: {
            if (depth === base) { vm.left = left; return; }
            depth--;
            restoreRegs(vm, depth);
            const back = vm.retProg[depth]!;
            if (back !== prog) {
              prog = back;
              ins = prog.ins;
              cost = prog.cost;
            }
            pc = vm.retPc[depth];
            break run;
          }
          case Op.BUDGET:
            vm.left = 0;
            throw budgetExceeded(vm, pc);
          default:
            throw new VmFault(`internal: undecoded operation ${w & 0xff}`, { insn: pc });
        }
        pc++;
        continue;
      }
      // A terminator (`break run`) moved pc to the start of the next straight-line run: charge it.
      left -= cost[pc];
      if (left < 0) ins = budgetTrap(ins, pc, left + cost[pc]);
    }
  } catch (e) {
    // A fault in one of this frame's instructions: give back what the rest of its run was charged.
    // (A helper call ends its run, and vm.left already counts the callbacks the helper ran.)
    const o = ins[pc << 2] & 0xff;
    if (o !== Op.CALL && o !== Op.CALLX && o !== Op.BUDGET) vm.left = left + cost[pc] - 1;
    throw e;
  }
}

/** 64-bit shifts of the register at regs[d] by n (0..63). */
function lsh64(R: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = R[d];
  if (n < 32) { R[d + 1] = (R[d + 1] << n) | (lo >>> (32 - n)); R[d] = lo << n; }
  else { R[d + 1] = lo << (n - 32); R[d] = 0; }
}

function rsh64(R: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1];
  if (n < 32) { R[d] = (R[d] >>> n) | (hi << (32 - n)); R[d + 1] = hi >>> n; }
  else { R[d] = hi >>> (n - 32); R[d + 1] = 0; }
}

function arsh64(R: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1];
  if (n < 32) { R[d] = (R[d] >>> n) | (hi << (32 - n)); R[d + 1] = hi >> n; }
  else { R[d] = hi >> (n - 32); R[d + 1] = hi >> 31; }
}

/** SKF_NET_OFF and SKF_LL_OFF of linux/filter.h: negative LD_ABS/LD_IND offsets relative to the network / link-layer header. */
const SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000;

/**
 * LD_ABS / LD_IND as the kernel does them (bpf_skb_load_helper_*): a big-endian load of 1, 2 or 4
 * bytes at data + k (k = imm, or src + imm as a signed 32-bit sum) into r0; false when out of bounds.
 */
function ldAbs(vm: Vm, prog: VmProgram, pc: number): boolean {
  const w = prog.ins[pc << 2], o = w & 0xff;
  const size = o === Op.LDABS_B || o === Op.LDIND_B ? 1 : o === Op.LDABS_H || o === Op.LDIND_H ? 2 : 4;
  const ind = o >= Op.LDIND_B;
  const k = ind ? (vm.regs[w >> 11 & 30] + prog.ins[(pc << 2) + 1]) | 0 : prog.ins[(pc << 2) + 1];
  const h = vm.ldAbsRegion;
  if (h === 0) throw new VmFault('LD_ABS/LD_IND needs a packet (socket filter context)', { insn: pc });
  const mem = vm.mem;
  let t: number, lowest: number;
  if (k >= 0) {
    t = mem.start[h] + k;
    lowest = mem.start[h];
  } else {
    const base = k >= SKF_NET_OFF ? vm.ldAbsNet : k >= SKF_LL_OFF ? vm.ldAbsMac : -1;
    if (base < 0) return false;
    t = base + k - (k >= SKF_NET_OFF ? SKF_NET_OFF : SKF_LL_OFF);
    lowest = 0;
  }
  if (t < lowest || t + size > mem.end[h]) return false;
  const v = mem.views[h];
  vm.regs[0] = size === 1 ? v.getUint8(t) : size === 2 ? v.getUint16(t, false) : v.getInt32(t, false);
  vm.regs[1] = 0;
  return true;
}

/**
 * The address of an atomic's operand, `size` bytes at dst + off, as region * 2^32 + offset:
 * plain writable memory on the fast path, else the carried address or a fault ({@link Memory.rmw}).
 */
function atomicOperand(vm: Vm, pc: number, d: number, off: number, size: number): number {
  const mem = vm.mem, h = vm.regs[d + 1], t0 = (vm.regs[d] >>> 0) + off;
  if (t0 >= mem.start[h] && t0 + size <= mem.writeEnd[h] && t0 + size <= mem.readEnd[h]) return h * TWO32 + t0;
  return mem.rmw(h, t0, size, pc);
}

function atomic32(vm: Vm, prog: VmProgram, pc: number): void {
  const p4 = pc << 2, w = prog.ins[p4], o = w & 0xff, d = w >> 7 & 30, s = w >> 11 & 30;
  const at = atomicOperand(vm, pc, d, prog.ins[p4 + 3], 4), region = Math.floor(at / TWO32), t = at - region * TWO32;
  const v = vm.mem.views[region];
  const R = vm.regs;
  const old = v.getInt32(t, true), x = R[s];
  switch (o) {
    case Op.AW_ADD: case Op.AW_FADD: v.setInt32(t, (old + x) | 0, true); break;
    case Op.AW_OR: case Op.AW_FOR: v.setInt32(t, old | x, true); break;
    case Op.AW_AND: case Op.AW_FAND: v.setInt32(t, old & x, true); break;
    case Op.AW_XOR: case Op.AW_FXOR: v.setInt32(t, old ^ x, true); break;
    case Op.AW_XCHG: v.setInt32(t, x, true); break;
    case Op.AW_CMPXCHG:
      if (old === R[0]) v.setInt32(t, x, true);
      R[0] = old; R[1] = 0;
      return;
  }
  if (o >= Op.AW_FADD) { R[s] = old; R[s + 1] = 0; }
}

function atomic64(vm: Vm, prog: VmProgram, pc: number): void {
  const p4 = pc << 2, w = prog.ins[p4], o = w & 0xff, d = w >> 7 & 30, s = w >> 11 & 30;
  const at = atomicOperand(vm, pc, d, prog.ins[p4 + 3], 8), region = Math.floor(at / TWO32), t = at - region * TWO32;
  const v = vm.mem.views[region];
  const R = vm.regs;
  const oldLo = v.getInt32(t, true), oldHi = v.getInt32(t + 4, true);
  const xl = R[s], xh = R[s + 1];
  let nl = xl, nh = xh;
  switch (o) {
    case Op.ADW_ADD: case Op.ADW_FADD: nl = (oldLo + xl) | 0; nh = (oldHi + xh + ((nl >>> 0) < (oldLo >>> 0) ? 1 : 0)) | 0; break;
    case Op.ADW_OR: case Op.ADW_FOR: nl = oldLo | xl; nh = oldHi | xh; break;
    case Op.ADW_AND: case Op.ADW_FAND: nl = oldLo & xl; nh = oldHi & xh; break;
    case Op.ADW_XOR: case Op.ADW_FXOR: nl = oldLo ^ xl; nh = oldHi ^ xh; break;
    case Op.ADW_XCHG: break;
    case Op.ADW_CMPXCHG:
      if (oldLo === R[0] && oldHi === R[1]) { v.setInt32(t, xl, true); v.setInt32(t + 4, xh, true); }
      R[0] = oldLo; R[1] = oldHi;
      return;
  }
  v.setInt32(t, nl, true);
  v.setInt32(t + 4, nh, true);
  if (o >= Op.ADW_FADD) { R[s] = oldLo; R[s + 1] = oldHi; }
}
