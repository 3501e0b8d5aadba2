import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksumValid, fold, internetChecksum, onesComplementSum, pseudoHeaderSum } from './checksum.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s/g, '').match(/../g)!, (b) => parseInt(b, 16));

test('RFC 1071 section 3 example sums to ddf2', () => {
  assert.equal(onesComplementSum(hex('0001 f203 f4f5 f6f7')), 0xddf2);
  assert.equal(internetChecksum(hex('0001 f203 f4f5 f6f7')), 0x220d);
});

test('a textbook IPv4 header checksum (b861) is computed and verified', () => {
  const h = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
  assert.equal(internetChecksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  assert.ok(checksumValid(h));
  h[19] ^= 1;
  assert.ok(!checksumValid(h));
});

test('odd lengths pad on the right; ranges and initial sums compose', () => {
  assert.equal(onesComplementSum(Uint8Array.of(0x12, 0x34, 0x56)), 0x1234 + 0x5600);
  const b = hex('dead beef 0102 0304');
  assert.equal(onesComplementSum(b, 4, 8, onesComplementSum(b, 0, 4)), onesComplementSum(b));
  assert.equal(fold(0x1fffe), 0xffff);
  assert.equal(fold(0x3fffd), 1); // fffd + 3 = 10000, and 0000 + 1
});

test('pseudo-header sums equal the sum of the laid-out header', () => {
  const src = hex('0a000001'), dst = hex('c0a80001');
  const v4 = hex('0a000001 c0a80001 0011 0024');
  assert.equal(pseudoHeaderSum(src, dst, 17, 0x24), onesComplementSum(v4));
  const s6 = hex('20010db8000000000000000000000001'), d6 = hex('fe800000000000000000000000000002');
  const v6 = new Uint8Array(40);
  v6.set(s6, 0);
  v6.set(d6, 16);
  v6.set(hex('00012345 0000003a'), 32);
  assert.equal(pseudoHeaderSum(s6, d6, 58, 0x12345), onesComplementSum(v6));
});
