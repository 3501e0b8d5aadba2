import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeInstructions, encodeInstructions, ldImm64Value, setLdImm64Value } from './instruction.js';
import { IsaError } from '../errors.js';

test('decode/encode round-trips bytes exactly', () => {
  const bytes = Uint8Array.from([0x18, 0x21, 0xff, 0x7f, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  const insns = decodeInstructions(bytes);
  assert.equal(insns.length, 3);
  assert.deepEqual(insns[0], { op: 0x18, dst: 1, src: 2, off: 0x7fff, imm: 0x12345678 });
  assert.equal(ldImm64Value(insns, 0), 0xdeadbeef12345678n);
  assert.deepEqual(encodeInstructions(insns), bytes);
  setLdImm64Value(insns, 0, -1n);
  assert.equal(ldImm64Value(insns, 0), 0xffffffffffffffffn);
});

test('decode rejects a partial instruction with its offset', () => {
  assert.throws(() => decodeInstructions(new Uint8Array(12)), (e: unknown) => e instanceof IsaError && e.location.offset === 8);
});
