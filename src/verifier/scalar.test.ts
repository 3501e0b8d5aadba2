import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bounds, type AluOp, markUnknown, markKnown, boundsSync, scalarAlu } from './scalar.js';
import { tnumRange, tnumConst, tnumAdd, tnumMul, tnumIn, tnumStr, tnumStep, U64_MAX } from './tnum.js';
import { rng } from './fuzz.js';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

function contains(b: Bounds, v: bigint): boolean {
  const s = BigInt.asIntN(64, v), lo = Number(v & 0xffffffffn);
  return b.umin <= v && v <= b.umax && b.smin <= s && s <= b.smax && b.u32min <= lo && lo <= b.u32max &&
    b.s32min <= (lo | 0) && (lo | 0) <= b.s32max && (v & ~b.varOff.mask & U64_MAX) === b.varOff.value;
}

function randomU64(r: (n: number) => number): bigint {
  const kinds = [0n, 1n, 0xffn, 0xffffffffn, 0x7fffffffffffffffn, U64_MAX];
  if (r(3) === 0) return kinds[r(kinds.length)] - BigInt(r(3));
  return (BigInt(r(0x10000)) << BigInt(r(49))) ^ BigInt(r(0x10000));
}

/** An abstract value covering [lo, hi] and a concrete member of it. */
function sample(r: (n: number) => number): [Bounds, bigint] {
  let lo = u64(randomU64(r)), hi = u64(randomU64(r));
  if (lo > hi) [lo, hi] = [hi, lo];
  if (r(4) === 0) hi = lo;
  const b = new Bounds();
  markUnknown(b);
  b.umin = lo; b.umax = hi;
  boundsSync(b);
  const span = hi - lo;
  const v = lo + (span === 0n ? 0n : BigInt(r(1 << 30)) * span / BigInt(1 << 30));
  return [b, v];
}

function concrete(op: AluOp, a: bigint, b: bigint, alu32: boolean): bigint {
  const w = alu32 ? 32 : 64, m = alu32 ? 0xffffffffn : U64_MAX;
  a &= m; b &= m;
  switch (op) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'mul': return (a * b) & m;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'lsh': return (a << b) & m;
    case 'rsh': return a >> b;
    case 'arsh': return BigInt.asUintN(w, BigInt.asIntN(w, a) >> b);
    case 'neg': return -a & m;
  }
}

test('tnum basics', () => {
  assert.equal(tnumStr(tnumRange(0n, 255n)), '(0x0; 0xff)');
  assert.deepEqual(tnumAdd(tnumConst(3n), tnumConst(4n)), tnumConst(7n));
  assert.deepEqual(tnumMul(tnumConst(6n), tnumConst(7n)), tnumConst(42n));
  assert.ok(tnumIn(tnumRange(0n, 15n), tnumConst(9n)));
  assert.ok(!tnumIn(tnumConst(9n), tnumRange(0n, 15n)));
});

test('scalar ALU bounds are sound: every concrete result lies in the abstract result', () => {
  const r = rng(7);
  const ops: AluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'neg'];
  for (let i = 0; i < 20000; i++) {
    const op = ops[r(ops.length)];
    const alu32 = r(2) === 0;
    const [a, x] = sample(r);
    let [b, y] = sample(r);
    if (op === 'lsh' || op === 'rsh' || op === 'arsh') {
      y = BigInt(r(alu32 ? 32 : 64));
      b = new Bounds();
      markKnown(b, y);
    }
    const d = new Bounds().copyBounds(a);
    scalarAlu(d, op === 'neg' ? d : b, op, alu32);
    const v = concrete(op, x, y, alu32);
    assert.ok(contains(d, v), `${op}${alu32 ? '32' : ''} ${x} ${y} = ${v} not in ${JSON.stringify(d, (_k, val) => (typeof val === 'bigint' ? val.toString() : val))}`);
  }
});
test('tnum_step: the smallest member above z, by enumeration of small tnums', () => {
  const r = rng(11);
  for (let i = 0; i < 3000; i++) {
    // Up to 6 unknown bits anywhere in the low 12, shifted high sometimes.
    const shift = BigInt(r(2) ? 0 : r(52));
    let mask = 0n;
    for (let k = 0; k < 6; k++) if (r(2)) mask |= 1n << BigInt(r(12));
    const value = BigInt(r(1 << 12)) & ~mask;
    const t = { value: value << shift, mask: mask << shift };
    const members: bigint[] = [];
    for (let m = 0n; m <= mask; m++) if ((m & ~mask) === 0n) members.push((value | m) << shift);
    members.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const tmax = t.value | t.mask;
    for (let k = 0; k < 8; k++) {
      const z = r(3) === 0 ? members[r(members.length)] : (BigInt(r(1 << 13)) << shift) + BigInt(r(3)) - 1n;
      if (z < 0n) continue;
      const want = z >= tmax ? tmax : members.find((m) => m > z)!;
      assert.equal(tnumStep(t, z), want, `${tnumStr(t)} after ${z}`);
    }
  }
});

test('bounds: a range that meets the tnum in one value makes the register known', () => {
  const b = new Bounds();
  markUnknown(b);
  // w1 &= 8; if w1 != 0: var_off (0x0; 0x8), umin 1 -> 8 (the kernel prints R1=8).
  b.varOff = { value: 0n, mask: 8n };
  b.umin = 1n;
  boundsSync(b);
  assert.equal(b.umin, 8n);
  assert.equal(b.umax, 8n);
  assert.equal(b.varOff.mask, 0n);
});
