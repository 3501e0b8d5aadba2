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
import { ALL_SLOTS } from './state.js';
import { stackSlotBits, successors } from './cfg.js';

const ARGS = 0x3e; // R1-R5

/** Live stack slots per instruction, static for R10-relative accesses and recorded for the rest. */
export class StackLiveness {
  // Per instruction: live_before = gen | dyn | (live_after & ~kill); nothing is live after an exit.
  private readonly gen: bigint[];
  private readonly kill: bigint[];
  private readonly exits: Uint8Array;
  /** Reads recorded by the verifier (bit spi of the current frame). */
  private readonly dyn: bigint[];
  private readonly live: bigint[];
  /** `live` as 32-bit halves, two per instruction (low slots 0-31, high 32-63), for statesEqual. */
  readonly liveHalves: Int32Array;
  private readonly succ: number[][];
  private readonly preds: number[][];
  private readonly work: number[] = [];

  /**
   * `mayStack[i]`: registers that may hold a stack pointer before insn i (bit r). `dynamic`:
   * reads through them are recorded with markRead; else they make every slot live.
   */
  constructor(insns: readonly Instruction[], mayStack: Uint16Array, dynamic: boolean) {
    const n = insns.length;
    this.gen = new Array(n).fill(0n);
    this.kill = new Array(n).fill(0n);
    this.exits = new Uint8Array(n);
    this.dyn = new Array(n).fill(0n);
    this.live = new Array(n).fill(0n);
    this.liveHalves = new Int32Array(2 * n);
    this.succ = new Array(n);
    this.preds = Array.from({ length: n }, () => []);
    const all = dynamic ? 0n : ALL_SLOTS;
    for (let i = 0; i < n; i++) {
      const insn = insns[i];
      this.succ[i] = successors(insns, i).filter((s) => s < n);
      for (const s of this.succ[i]) this.preds[s].push(i);
      const cls = opClass(insn.op);
      const size = SIZE_BYTES[opSize(insn.op) >> 3];
      const viaStack = (r: number): boolean => r !== 10 && (mayStack[i] & (1 << r)) !== 0;
      if (cls === CLASS.LDX) {
        if (insn.src === 10) this.gen[i] = stackSlotBits(insn.off, size);
        else if (viaStack(insn.src)) this.gen[i] = all;
      } else if (cls === CLASS.ST || (cls === CLASS.STX && opMode(insn.op) === MODE.MEM)) {
        // An aligned 8-byte store through R10 overwrites its slot; narrower ones leave part of
        // it, and stores through other pointers are not known to overwrite anything. A store
        // reads nothing for root; liveness is ignored for unprivileged programs.
        if (insn.dst === 10 && size === 8 && insn.off % 8 === 0) this.kill[i] = stackSlotBits(insn.off, 8);
      } else if (cls === CLASS.STX) {
        // Atomics read the bytes they modify (load-acquire reads through the source register).
        const ptr = insn.imm === ATOMIC.LOAD_ACQ ? insn.src : insn.dst;
        if (ptr === 10) this.gen[i] = stackSlotBits(insn.off, size);
        else if (viaStack(ptr)) this.gen[i] = all;
      } else if ((cls === CLASS.JMP || cls === CLASS.JMP32) && opCode(insn.op) === JMP.CALL) {
        // Callees and kfuncs may read the caller's stack from their own frame; helpers read
        // their memory arguments.
        if (insn.src !== 0) this.gen[i] = ALL_SLOTS;
        else if (mayStack[i] & ARGS) this.gen[i] = all;
      } else if ((cls === CLASS.JMP || cls === CLASS.JMP32) && opCode(insn.op) === JMP.EXIT) {
        this.exits[i] = 1;
      }
      if (insn.op === OP_LDDW) i++;
    }
    // Initial fixpoint: every instruction once, then whatever changes.
    for (let i = 0; i < n; i++) if (!(i > 0 && insns[i - 1].op === OP_LDDW)) this.work.push(i);
    this.propagate();
  }

  /** Slots that may be read at or after insn `i` (bit spi). */
  liveBefore(i: number): bigint {
    return this.live[i] ?? ALL_SLOTS;
  }

  /**
   * Records that insn `i` read the current frame's stack bytes [off, off + size) (off < 0, from
   * the frame pointer). Reads the static pass already counts change nothing.
   */
  markRead(i: number, off: number, size: number): void {
    const bits = stackSlotBits(off, size), known = this.gen[i] | this.dyn[i];
    if ((known | bits) === known) return;
    this.dyn[i] |= bits;
    this.work.push(i);
    this.propagate();
  }

  private propagate(): void {
    const { work, live } = this;
    while (work.length) {
      const i = work.pop()!;
      let inn = this.gen[i] | this.dyn[i];
      if (!this.exits[i]) {
        let out = 0n;
        for (const s of this.succ[i]) out |= live[s];
        inn |= out & ~this.kill[i];
      }
      if (inn === live[i]) continue;
      live[i] = inn;
      this.liveHalves[2 * i] = Number(inn & 0xffffffffn) | 0;
      this.liveHalves[2 * i + 1] = Number(inn >> 32n) | 0;
      for (const p of this.preds[i]) work.push(p);
    }
  }
}
