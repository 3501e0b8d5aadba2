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
 * Without dynamic marks (`dynamic` false: callbacks run by a helper read the caller's stack from
 * another frame), every instruction that may read the stack through another pointer makes every
 * slot live.
 */
import type { Instruction } from '../isa/index.js';
import { CLASS, JMP, MODE, ATOMIC, SIZE_BYTES, OP_LDDW, opClass, opCode, opMode, opSize } from '../isa/index.js';
import { stackSlotHalf, successorTable } from './cfg.js';

const ARGS = 0x3e; // R1-R5

/**
 * Live stack slots per instruction, static for R10-relative accesses and recorded for the rest.
 * Slot sets are kept as two 32-bit halves per instruction (index 2i: slots 0-31, 2i+1: 32-63).
 */
export class StackLiveness {
  // Per instruction: live_before = gen | dyn | (live_after & ~kill); nothing is live after an exit.
  private readonly gen: Int32Array;
  private readonly kill: Int32Array;
  private readonly exits: Uint8Array;
  /** Reads recorded by the verifier (bit spi of the current frame). */
  private readonly dyn: Int32Array;
  /** Live slots before each instruction, for statesEqual. */
  readonly liveHalves: Int32Array;
  /** Up to two successors per instruction (-1: none). */
  private readonly succ: Int32Array;
  /** Predecessors of instruction i: predList[predStart[i] .. predStart[i + 1]). */
  private readonly predStart: Int32Array;
  private readonly predList: Int32Array;
  private readonly work: number[] = [];

  /**
   * `mayStack[i]`: registers that may hold a stack pointer before insn i (bit r). `dynamic`:
   * reads through them are recorded with markRead; else they make every slot live.
   */
  constructor(insns: readonly Instruction[], mayStack: Uint16Array, dynamic: boolean, succ: Int32Array = successorTable(insns)) {
    const n = insns.length;
    const gen = this.gen = new Int32Array(2 * n);
    const kill = this.kill = new Int32Array(2 * n);
    this.exits = new Uint8Array(n);
    this.dyn = new Int32Array(2 * n);
    this.liveHalves = new Int32Array(2 * n);
    this.succ = succ;
    const predStart = this.predStart = new Int32Array(n + 1);
    const all = dynamic ? 0 : -1;
    const setGen = (i: number, off: number, size: number): void => {
      gen[2 * i] = stackSlotHalf(off, size, 0);
      gen[2 * i + 1] = stackSlotHalf(off, size, 1);
    };
    for (let i = 0; i < n; i++) {
      const insn = insns[i];
      for (let k = 2 * i; k < 2 * i + 2; k++) if (succ[k] >= 0) predStart[succ[k] + 1]++;
      const cls = opClass(insn.op);
      const size = SIZE_BYTES[opSize(insn.op) >> 3];
      const viaStack = (r: number): boolean => r !== 10 && (mayStack[i] & (1 << r)) !== 0;
      if (cls === CLASS.LDX) {
        if (insn.src === 10) setGen(i, insn.off, size);
        else if (viaStack(insn.src)) gen[2 * i] = gen[2 * i + 1] = all;
      } else if (cls === CLASS.ST || (cls === CLASS.STX && opMode(insn.op) === MODE.MEM)) {
        // An aligned 8-byte store through R10 overwrites its slot; narrower ones leave part of
        // it, and stores through other pointers are not known to overwrite anything. A store
        // reads nothing for root; liveness is ignored for unprivileged programs.
        if (insn.dst === 10 && size === 8 && insn.off % 8 === 0) {
          kill[2 * i] = stackSlotHalf(insn.off, 8, 0);
          kill[2 * i + 1] = stackSlotHalf(insn.off, 8, 1);
        }
      } else if (cls === CLASS.STX) {
        // Atomics read the bytes they modify (load-acquire reads through the source register).
        const ptr = insn.imm === ATOMIC.LOAD_ACQ ? insn.src : insn.dst;
        if (ptr === 10) setGen(i, insn.off, size);
        else if (viaStack(ptr)) gen[2 * i] = gen[2 * i + 1] = all;
      } else if ((cls === CLASS.JMP || cls === CLASS.JMP32) && opCode(insn.op) === JMP.CALL) {
        // Callees and kfuncs may read the caller's stack from their own frame; helpers read
        // their memory arguments.
        if (insn.src !== 0) gen[2 * i] = gen[2 * i + 1] = -1;
        else if (mayStack[i] & ARGS) gen[2 * i] = gen[2 * i + 1] = all;
      } else if ((cls === CLASS.JMP || cls === CLASS.JMP32) && opCode(insn.op) === JMP.EXIT) {
        this.exits[i] = 1;
      }
      if (insn.op === OP_LDDW) i++;
    }
    for (let i = 0; i < n; i++) predStart[i + 1] += predStart[i];
    const predList = this.predList = new Int32Array(predStart[n]);
    const fill = predStart.slice(0, n);
    for (let i = 0; i < 2 * n; i++) if (succ[i] >= 0) predList[fill[succ[i]]++] = i >> 1;
    // Initial fixpoint: every instruction once, then whatever changes.
    for (let i = 0; i < n; i++) if (!(i > 0 && insns[i - 1].op === OP_LDDW)) this.work.push(i);
    this.propagate();
  }

  /**
   * Records that insn `i` read the current frame's stack bytes [off, off + size) (off < 0, from
   * the frame pointer). Reads the static pass already counts change nothing.
   */
  markRead(i: number, off: number, size: number): void {
    const lo = stackSlotHalf(off, size, 0), hi = stackSlotHalf(off, size, 1);
    const { gen, dyn } = this;
    const knownLo = gen[2 * i] | dyn[2 * i], knownHi = gen[2 * i + 1] | dyn[2 * i + 1];
    if ((knownLo | lo) === knownLo && (knownHi | hi) === knownHi) return;
    dyn[2 * i] |= lo;
    dyn[2 * i + 1] |= hi;
    this.work.push(i);
    this.propagate();
  }

  private propagate(): void {
    const { work, liveHalves: live, gen, dyn, kill, succ, predStart, predList, exits } = this;
    while (work.length) {
      const i = work.pop()!;
      let lo = gen[2 * i] | dyn[2 * i], hi = gen[2 * i + 1] | dyn[2 * i + 1];
      if (!exits[i]) {
        let outLo = 0, outHi = 0;
        const s0 = succ[2 * i], s1 = succ[2 * i + 1];
        if (s0 >= 0) { outLo |= live[2 * s0]; outHi |= live[2 * s0 + 1]; }
        if (s1 >= 0) { outLo |= live[2 * s1]; outHi |= live[2 * s1 + 1]; }
        lo |= outLo & ~kill[2 * i];
        hi |= outHi & ~kill[2 * i + 1];
      }
      if (lo === live[2 * i] && hi === live[2 * i + 1]) continue;
      live[2 * i] = lo;
      live[2 * i + 1] = hi;
      for (let p = predStart[i]; p < predStart[i + 1]; p++) work.push(predList[p]);
    }
  }
}
