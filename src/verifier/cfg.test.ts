import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePrecise } from './cfg.js';
import { mov, movr, alu, ldx, stx, call, exit, callLocal } from './testdata/asm.js';

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
