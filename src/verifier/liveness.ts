/**
 * Stack slot liveness (the kernel's kernel/bpf/liveness.c, simplified to one instance per
 * instruction): which 8-byte slots of the current frame may be read at or after an instruction
 * before being overwritten. A checkpoint's dead slots are ignored by states_equal.
 *
 * Accesses with a fixed R10 offset are known statically. Reads through other stack pointers —
 * helper memory arguments (a map key of key_size bytes, a buffer sized by the next argument),
 * loads and atomics through a copied frame pointer — are recorded by the verifier as it
 * processes them ({@link StackLiveness.markRead}), like the kernel's bpf_mark_stack_read: the
 * liveness of a checkpoint whose subtree is fully explored (branches == 0, the only ones pruned
 * against with liveness) then covers every read of that subtree. Reads recorded later only add
 * live slots (the propagation is incremental and monotone).
 *
 * Without dynamic marks (callbacks run by a helper read the caller's stack from another frame:
 * the constructor gets mayPointers' result), every instruction that may read the stack through
 * another pointer makes every slot live. The static part is solved when the liveness is first
 * asked for (a program that never compares states does without it).
 */
import type { Instruction } from '../isa/index.js';
import { CLASS, JMP, MODE, ATOMIC, SIZE_BYTES, OP_LDDW, opClass, opCode, opMode, opSize } from '../isa/index.js';
import { stackSlotHalf, flowOf, type Flow } from './cfg.js';
import { zeroedU8, zeroedI32 } from './slab.js';

const ARGS = 0x3e; // R1-R5

/**
 * Live stack slots per instruction, static for R10-relative accesses and recorded for the rest.
 * Slot sets are kept as two 32-bit halves per instruction (index 2i: slots 0-31, 2i+1: 32-63).
 */
export class StackLiveness {
  /**
   * Per instruction: live_before = gen | (live_after & ~kill), as [gen, kill] halves (index 4i:
   * gen 0-31, 4i+1: gen 32-63, 4i+2: kill 0-31, 4i+3: kill 32-63). Recorded reads join gen.
   * Nothing is live after an exit, which has no successor.
   */
  private readonly genKill: Int32Array;
  private readonly live: Int32Array;
  /** Set once the static pass has run (see liveHalves). */
  private solved = false;
  /** Up to two successors per instruction (-1: none). */
  private readonly succ: Int32Array;
  private readonly back: Uint8Array;
  /**
   * Predecessors of instruction i: predList[predStart[i] .. predStart[i + 1]), and a worklist
   * with its on-list flags, built for the first recorded read that adds slots.
   */
  private predStart?: Int32Array;
  private predList?: Int32Array;
  private work?: Int32Array;
  private onList?: Uint8Array;

  /**
   * Reads through pointers other than R10 are recorded with markRead, unless `mayStack` is
   * given (the registers that may hold a stack pointer before each insn, bit r: Rr, as
   * mayPointers computes them): then each such read makes every slot live.
   */
  constructor(private readonly insns: readonly Instruction[], private readonly mayStack?: Int32Array, flow: Flow = flowOf(insns)) {
    const n = insns.length;
    this.genKill = zeroedI32(4 * n);
    this.live = zeroedI32(2 * n);
    this.succ = flow.succ;
    this.back = flow.back;
  }

  /**
   * Live slots before each instruction, for statesEqual. The static pass runs when they are first
   * asked for; reads recorded before have joined the gen sets it starts from.
   */
  get liveHalves(): Int32Array {
    if (!this.solved) this.solve();
    return this.live;
  }

  /** The static gen and kill sets, then descending sweeps until no loop head changed (see Flow.back). */
  private solve(): void {
    const { insns, mayStack, genKill: gk } = this;
    const n = insns.length;
    this.solved = true;
    for (let i = 0; i < n; i++) {
      const insn = insns[i];
      const cls = opClass(insn.op);
      const size = SIZE_BYTES[opSize(insn.op) >> 3];
      // The register through which the insn reads the stack at insn.off (-1: none), or which
      // may point to the stack anywhere.
      let via = -1;
      if (cls === CLASS.LDX) {
        via = insn.src;
      } else if (cls === CLASS.ST || (cls === CLASS.STX && opMode(insn.op) === MODE.MEM)) {
        // An aligned 8-byte store through R10 overwrites its slot; narrower ones leave part of
        // it, and stores through other pointers are not known to overwrite anything. A store
        // reads nothing for root; liveness is ignored for unprivileged programs.
        if (insn.dst === 10 && size === 8 && insn.off % 8 === 0) {
          gk[4 * i + 2] = stackSlotHalf(insn.off, 8, 0);
          gk[4 * i + 3] = stackSlotHalf(insn.off, 8, 1);
        }
      } else if (cls === CLASS.STX) {
        // Atomics read the bytes they modify (load-acquire reads through the source register).
        via = insn.imm === ATOMIC.LOAD_ACQ ? insn.src : insn.dst;
      } else if ((cls === CLASS.JMP || cls === CLASS.JMP32) && opCode(insn.op) === JMP.CALL) {
        // Callees and kfuncs may read the caller's stack from their own frame; helpers read
        // their memory arguments.
        if (insn.src !== 0) gk[4 * i] = gk[4 * i + 1] = -1;
        else if (mayStack && mayStack[i] & ARGS) gk[4 * i] = gk[4 * i + 1] = -1;
      }
      if (via === 10) {
        gk[4 * i] |= stackSlotHalf(insn.off, size, 0);
        gk[4 * i + 1] |= stackSlotHalf(insn.off, size, 1);
      } else if (via >= 0 && mayStack && mayStack[i] & (1 << via)) {
        gk[4 * i] = gk[4 * i + 1] = -1;
      }
      if (insn.op === OP_LDDW) i++;
    }
    for (let again = true; again;) {
      again = false;
      for (let i = n - 1; i >= 0; i--) {
        if (this.update(i) && this.back[i]) again = true;
      }
    }
  }

  /**
   * Records that insn `i` read the current frame's stack bytes [off, off + size) (off < 0, from
   * the frame pointer). Reads the static pass already counts change nothing.
   */
  markRead(i: number, off: number, size: number): void {
    const lo = stackSlotHalf(off, size, 0), hi = stackSlotHalf(off, size, 1);
    const gk = this.genKill;
    const knownLo = gk[4 * i], knownHi = gk[4 * i + 1];
    if ((knownLo | lo) === knownLo && (knownHi | hi) === knownHi) return;
    gk[4 * i] |= lo;
    gk[4 * i + 1] |= hi;
    if (this.solved) this.propagateFrom(i);
  }

  /** Recomputes the live slots before insn i; true when they changed. */
  private update(i: number): boolean {
    const { live, genKill: gk, succ } = this;
    let lo = gk[4 * i], hi = gk[4 * i + 1];
    let outLo = 0, outHi = 0;
    const s0 = succ[2 * i], s1 = succ[2 * i + 1];
    if (s0 >= 0) { outLo |= live[2 * s0]; outHi |= live[2 * s0 + 1]; }
    if (s1 >= 0) { outLo |= live[2 * s1]; outHi |= live[2 * s1 + 1]; }
    lo |= outLo & ~gk[4 * i + 2];
    hi |= outHi & ~gk[4 * i + 3];
    if (lo === live[2 * i] && hi === live[2 * i + 1]) return false;
    live[2 * i] = lo;
    live[2 * i + 1] = hi;
    return true;
  }

  /** Propagates a change of insn i's gen to its predecessors, transitively. */
  private propagateFrom(i: number): void {
    if (!this.predStart) this.buildPreds();
    const predStart = this.predStart!, predList = this.predList!, work = this.work!, onList = this.onList!;
    let top = 0;
    work[top++] = i;
    onList[i] = 1;
    while (top) {
      const j = work[--top];
      onList[j] = 0;
      if (!this.update(j)) continue;
      for (let p = predStart[j]; p < predStart[j + 1]; p++) {
        const q = predList[p];
        if (!onList[q]) { onList[q] = 1; work[top++] = q; }
      }
    }
  }

  private buildPreds(): void {
    const succ = this.succ, n = succ.length >> 1;
    // Count per target, prefix sums (predStart[t]: end of t's range), then fill each range
    // from its end so that predStart[t] ends at its start.
    const predStart = this.predStart = zeroedI32(n + 1);
    for (let e = 0; e < 2 * n; e++) if (succ[e] >= 0) predStart[succ[e]]++;
    for (let t = 1; t <= n; t++) predStart[t] += predStart[t - 1];
    const predList = this.predList = zeroedI32(predStart[n]);
    for (let e = 2 * n - 1; e >= 0; e--) if (succ[e] >= 0) predList[--predStart[succ[e]]] = e >> 1;
    this.work = zeroedI32(n);
    this.onList = zeroedU8(n);
  }
}
