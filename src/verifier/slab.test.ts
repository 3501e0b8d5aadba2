import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeroedU8, zeroedI8, zeroedU16, zeroedI32 } from './slab.js';

test('slab arrays: zeroed, of the asked length, disjoint, aligned, large ones on their own buffer', () => {
  const made: ArrayBufferView[] = [];
  // Enough to fill several slabs; every array is written all over before the next is carved.
  for (let k = 0; k < 3000; k++) {
    const len = (k * 37) % 700;
    const a = [zeroedU8, zeroedI8, zeroedU16, zeroedI32][k % 4](len);
    assert.equal(a.length, len);
    assert.ok(a.every((v) => v === 0), `array ${k} is zeroed`);
    assert.equal(a.byteOffset % 8, 0);
    a.fill(k % 2 ? -1 : 0x5a);
    made.push(a);
  }
  // Nothing carved later overwrote an earlier array.
  made.forEach((a, k) => assert.ok((a as Int8Array).every((v) => v === (a as Int8Array)[0]), `array ${k} intact`));
  const big = zeroedI32(1 << 16);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 4 << 16);
});
