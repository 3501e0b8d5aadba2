import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePrecise, flowOf } from './cfg.js';
import { mov, movr, alu, ldx, stx, call, exit, callLocal, ld64, jmp, ja } from './testdata/asm.js';

const R3 = 1 << 3;

test('static precision: a value stored through a refilled ctx pointer is not value-sensitive, through a refilled stack pointer it is', () => {
  // r1 (ctx, or fp-16 when `stackPtr`) is spilled to fp-8 and filled into r2; r3 is stored through r2.
  const prog = (stackPtr: boolean) => [
    ...(stackPtr ? [movr(1, 10), alu('add', 1, -16)] : []),
    stx('dw', 10, -8, 1), call(7), movr(3, 0), ldx('dw', 2, 10, -8), stx('w', 2, 8, 3), mov(0, 0), exit(),
  ];
  for (const stackPtr of [false, true]) {
    const insns = prog(stackPtr);
    const store = insns.findIndex((i) => i.op === 0x63 && i.dst === 2);
    const p = computePrecise(insns, [0], false);
    assert.equal((p.regs[store] & R3) !== 0, stackPtr, `stackPtr=${stackPtr}`);
  }
});

test('static precision: a static callee needs only the arguments that matter at its entry', () => {
  // main passes r1 (unused by the callee) and r2 (the callee returns it, and main's exit is checked).
  const insns = [call(7), movr(1, 0), movr(2, 0), callLocal(1), exit(), movr(0, 2), exit()];
  const p = computePrecise(insns, [0, 5], true);
  assert.equal(p.regs[3] & 0x3e, 1 << 2);
});

test('flow: successors (calls fall through, none after exit or for a lddw second slot) and loop heads', () => {
  const insns = [
    ...ld64(1, 7), // 0-1
    jmp('eq', 1, 0, 2), // 2: to 3 and 5
    callLocal(3), // 3: subprogram at 7; falls through
    ja(-3), // 4: back to 2
    exit(), // 5
    exit(), // 6 (unreachable here; no successor)
    callLocal(-8), // 7: calls insn 0 from a later insn
    exit(), // 8
  ];
  const { succ, back } = flowOf(insns);
  assert.deepEqual([...succ], [2, -1, -1, -1, 3, 5, 4, -1, 2, -1, -1, -1, -1, -1, 8, -1, -1, -1]);
  assert.deepEqual([...back], [1, 0, 1, 0, 0, 0, 0, 0, 0]);
});
