import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StackLiveness } from './liveness.js';
import { st, ldx, jmp, mov, movr, alu, call, exit } from './testdata/asm.js';

// A loop (insn 2 jumps back to 1) that fills slot 1 (fp-16); insn 0 overwrites slot 0 (fp-8).
const loop = [st('dw', 10, -8, 0), ldx('dw', 0, 10, -16), jmp('gt', 0, 5, -2), mov(0, 0), exit()];
const halves = (sl: StackLiveness): number[] => [...sl.liveHalves];

test('stack liveness: static reads reach the loop and stop at the overwriting store', () => {
  const sl = new StackLiveness(loop);
  assert.deepEqual(halves(sl), [2, 0, 2, 0, 2, 0, 0, 0, 0, 0]);
});

test('stack liveness: a recorded read propagates backward around the loop, once', () => {
  const sl = new StackLiveness(loop);
  sl.markRead(3, -8, 8); // slot 0 at insn 3: live through the loop, killed by insn 0
  assert.deepEqual(halves(sl), [2, 0, 3, 0, 3, 0, 1, 0, 0, 0]);
  sl.markRead(3, -8, 4); // already counted: nothing changes
  assert.deepEqual(halves(sl), [2, 0, 3, 0, 3, 0, 1, 0, 0, 0]);
  sl.markRead(2, -328, 8); // slot 40: the high half
  assert.deepEqual(halves(sl), [2, 1 << 8, 3, 1 << 8, 3, 1 << 8, 1, 0, 0, 0]);
});

test('stack liveness: recorded reads give the same liveness in any order', () => {
  const reads: [number, number, number][] = [[3, -8, 8], [1, -24, 16], [2, -512, 8], [0, -40, 1]];
  const a = new StackLiveness(loop);
  const b = new StackLiveness(loop);
  for (const r of reads) a.markRead(...r);
  for (const r of [...reads].reverse()) b.markRead(...r);
  assert.deepEqual(halves(a), halves(b));
});

test('stack liveness: without recorded reads, a helper call with a stack pointer argument reads every slot', () => {
  // r2 = fp - 8 may point to the stack at the call (insn 2).
  const insns = [movr(2, 10), alu('add', 2, -8), call(1), exit()];
  const mayStack = new Int32Array([1 << 10, 1 << 10 | 1 << 2, 1 << 10 | 1 << 2, 1 << 10]);
  assert.deepEqual(halves(new StackLiveness(insns, mayStack)), [-1, -1, -1, -1, -1, -1, 0, 0]);
  assert.deepEqual(halves(new StackLiveness(insns)), [0, 0, 0, 0, 0, 0, 0, 0]);
});
