import { test } from 'node:test';
import assert from 'node:assert/strict';
import { r64, add64, sub64, mul64, ult, ule, slt, sle, fromBig, toU64, toS64, bitLen64, shift64, SHL, LSHR, ASHR } from './u64.js';
import {
  type Tnum, type TnumFields, tnumShiftTo, tnumShift32To, tnumMulTo, tnumAddTo, tnumSubTo, tnumAndTo, tnumOrTo, tnumXorTo, tnumIntersectTo, tnumInFields,
  tnumRangeTo, tnumOfFields, tnumToFields,
} from './tnum.js';
import { rng } from './fuzz.js';

const M = 0xffffffffffffffffn;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

/** Random u64s biased to the edges: 0, ±1, 2^31, 2^32, 2^63 and their neighbours, and wide randoms. */
function randomU64(r: (n: number) => number): bigint {
  const edges = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, M];
  if (r(2) === 0) return u64(edges[r(edges.length)] + BigInt(r(5)) - 2n);
  return (BigInt(r(0x10000)) << 48n) | (BigInt(r(0x10000)) << 32n) | (BigInt(r(0x10000)) << 16n) | BigInt(r(0x10000));
}

const split = (v: bigint): [number, number] => {
  fromBig(v);
  return [r64.hi, r64.lo];
};

test('u64 halves: add, sub, compares, conversions and bit length agree with bigint', () => {
  const r = rng(64);
  for (let i = 0; i < 200000; i++) {
    const a = randomU64(r), b = randomU64(r);
    const [ah, al] = split(a), [bh, bl] = split(b);
    assert.equal(toU64(ah, al), a);
    assert.equal(toS64(ah, al), s64(a));
    const carry = add64(ah, al, bh, bl);
    assert.equal(toU64(r64.hi, r64.lo), u64(a + b));
    assert.equal(carry, a + b > M ? 1 : 0);
    const borrow = sub64(ah, al, bh, bl);
    assert.equal(toU64(r64.hi, r64.lo), u64(a - b));
    assert.equal(borrow, a < b ? 1 : 0);
    assert.equal(ult(ah, al, bh, bl), a < b);
    assert.equal(ule(ah, al, bh, bl), a <= b);
    assert.equal(slt(ah, al, bh, bl), s64(a) < s64(b));
    assert.equal(sle(ah, al, bh, bl), s64(a) <= s64(b));
    assert.equal(bitLen64(ah, al), a.toString(2).length - (a === 0n ? 1 : 0));
    // Negative bigints split into their two's complement bits.
    assert.equal(toU64(...split(s64(a))), a);
  }
});

/** The kernel's tnum operations on u64 bigints (kernel/bpf/tnum.c), the reference for the halves. */
const ref = {
  add(a: Tnum, b: Tnum): Tnum {
    const sm = u64(a.mask + b.mask), sv = u64(a.value + b.value), sigma = u64(sm + sv);
    const mu = (sigma ^ sv) | a.mask | b.mask;
    return { value: sv & ~mu & M, mask: mu };
  },
  sub(a: Tnum, b: Tnum): Tnum {
    const dv = u64(a.value - b.value), alpha = u64(dv + a.mask), beta = u64(dv - b.mask);
    const mu = (alpha ^ beta) | a.mask | b.mask;
    return { value: dv & ~mu & M, mask: mu };
  },
  and(a: Tnum, b: Tnum): Tnum {
    const v = a.value & b.value;
    return { value: v, mask: (a.value | a.mask) & (b.value | b.mask) & ~v & M };
  },
  or(a: Tnum, b: Tnum): Tnum {
    const v = a.value | b.value;
    return { value: v, mask: (a.mask | b.mask) & ~v & M };
  },
  xor(a: Tnum, b: Tnum): Tnum {
    const mu = a.mask | b.mask;
    return { value: (a.value ^ b.value) & ~mu & M, mask: mu };
  },
  /** tnum_mul of the kernel. */
  mul(a: Tnum, b: Tnum): Tnum {
    let av = a.value, am = a.mask, bv = b.value, bm = b.mask;
    let acc: Tnum = { value: 0n, mask: 0n };
    while (av || am) {
      if (av & 1n) acc = ref.add(acc, { value: 0n, mask: bm });
      else if (am & 1n) acc = ref.add(acc, { value: 0n, mask: bv | bm });
      av >>= 1n; am >>= 1n; bv = u64(bv << 1n); bm = u64(bm << 1n);
    }
    return ref.add({ value: u64(a.value * b.value), mask: 0n }, acc);
  },
  intersect(a: Tnum, b: Tnum): Tnum {
    const mu = a.mask & b.mask;
    return { value: (a.value | b.value) & ~mu & M, mask: mu };
  },
  in(a: Tnum, b: Tnum): boolean {
    return (b.mask & ~a.mask) === 0n && (b.value & ~a.mask) === a.value;
  },
  range(min: bigint, max: bigint): Tnum {
    const chi = min ^ max, bits = chi === 0n ? 0 : chi.toString(2).length;
    if (bits > 63) return { value: 0n, mask: M };
    const delta = (1n << BigInt(bits)) - 1n;
    return { value: min & ~delta & M, mask: delta };
  },
};

function randomTnum(r: (n: number) => number): Tnum {
  const value = randomU64(r), mask = r(4) === 0 ? 0n : randomU64(r) >> BigInt(r(64));
  return { value: value & ~mask & M, mask };
}

const fields = (t: Tnum): TnumFields => {
  const f = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
  tnumToFields(f, t);
  return f;
};

test('tnum operations on halves agree with the kernel algorithms on u64 bigints', () => {
  const r = rng(65);
  const ops: [string, (o: TnumFields, a: TnumFields, b: TnumFields) => void, (a: Tnum, b: Tnum) => Tnum][] = [
    ['add', tnumAddTo, ref.add], ['sub', tnumSubTo, ref.sub], ['and', tnumAndTo, ref.and], ['or', tnumOrTo, ref.or],
    ['xor', tnumXorTo, ref.xor], ['intersect', tnumIntersectTo, ref.intersect], ['mul', tnumMulTo, ref.mul],
  ];
  for (let i = 0; i < 50000; i++) {
    const a = randomTnum(r), b = randomTnum(r);
    for (const [name, op, want] of ops) {
      const out = fields(a);
      op(out, out, fields(b)); // in place, like the verifier uses them
      assert.deepEqual(tnumOfFields(out), want(a, b), `${name} ${a.value}/${a.mask} ${b.value}/${b.mask}`);
    }
    assert.equal(tnumInFields(fields(a), fields(b)), ref.in(a, b));
    assert.equal(tnumInFields(fields(a), fields(ref.and(a, b))), ref.in(a, ref.and(a, b)));
    let lo = randomU64(r), hi = randomU64(r);
    if (lo > hi) [lo, hi] = [hi, lo];
    const out = fields(a);
    tnumRangeTo(out, ...split(lo), ...split(hi));
    assert.deepEqual(tnumOfFields(out), ref.range(lo, hi));
  }
});

test('shift64 agrees with bigint shifts for every shift amount', () => {
  const vals = [0n, 1n, 0x80000000n, 0xffffffffn, 0x100000000n, 0x8000000000000000n, 0xffffffffffffffffn, 0x0123456789abcdefn, 0xfedcba9876543210n];
  for (const v of vals) {
    for (let s = 0; s < 64; s++) {
      const hi = Number(v >> 32n) | 0, lo = Number(v & 0xffffffffn) | 0, b = BigInt(s);
      const want = [(v << b) & 0xffffffffffffffffn, v >> b, BigInt.asUintN(64, BigInt.asIntN(64, v) >> b)];
      for (const kind of [SHL, LSHR, ASHR]) {
        shift64(hi, lo, s, kind);
        assert.equal(toU64(r64.hi, r64.lo), want[kind], `${v.toString(16)} kind ${kind} by ${s}`);
        assert.equal(r64.hi, r64.hi | 0);
        assert.equal(r64.lo, r64.lo | 0);
      }
    }
  }
});

test('tnum shifts on fields agree with the kernel\'s tnum_lshift / tnum_rshift / tnum_arshift', () => {
  const U64 = 0xffffffffffffffffn;
  const tnums: Tnum[] = [
    { value: 0n, mask: U64 }, { value: 0x8000000000000000n, mask: 0x00ff00ff00ff00ffn }, { value: 0x12340000n, mask: 0xffffn },
    { value: 0xfffffff0n, mask: 0xfn }, { value: 0x8000000000000001n, mask: 0n }, { value: 0x80000000n, mask: 0x7f000000n },
  ];
  const f: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
  const load = (t: Tnum): void => {
    f.vHi = Number(t.value >> 32n) | 0; f.vLo = Number(t.value & 0xffffffffn) | 0;
    f.mHi = Number(t.mask >> 32n) | 0; f.mLo = Number(t.mask & 0xffffffffn) | 0;
  };
  const asTnum = (): Tnum => ({ value: toU64(f.vHi, f.vLo), mask: toU64(f.mHi, f.mLo) });
  for (const t of tnums) {
    for (let s = 0; s < 64; s++) {
      const b = BigInt(s);
      const ar = (x: bigint, w: number): bigint => BigInt.asUintN(w, BigInt.asIntN(w, x) >> b);
      const want64 = [{ value: (t.value << b) & U64, mask: (t.mask << b) & U64 }, { value: t.value >> b, mask: t.mask >> b },
        { value: ar(t.value, 64), mask: ar(t.mask, 64) }];
      for (const kind of [SHL, LSHR, ASHR]) {
        load(t);
        tnumShiftTo(f, f, s, kind);
        assert.deepEqual(asTnum(), want64[kind], `64-bit kind ${kind} by ${s}`);
        if (s >= 32) continue;
        const v = t.value & 0xffffffffn, m = t.mask & 0xffffffffn;
        const want32 = [{ value: (v << b) & 0xffffffffn, mask: (m << b) & 0xffffffffn }, { value: v >> b, mask: m >> b },
          { value: ar(v, 32), mask: ar(m, 32) }];
        load(t);
        tnumShift32To(f, f, s, kind);
        assert.deepEqual(asTnum(), want32[kind], `32-bit kind ${kind} by ${s}`);
      }
    }
  }
});

test('mul64 gives the low 64 bits of the product', () => {
  const r = rng(66);
  const vals = [0n, 1n, 0xffffn, 0x10000n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x8000000000000000n];
  for (let i = 0; i < 20000; i++) vals.push(randomU64(r));
  for (let i = 0; i < vals.length; i++) {
    const a = vals[i], b = vals[(i * 7 + 3) % vals.length];
    mul64(Number(a >> 32n) | 0, Number(a & 0xffffffffn) | 0, Number(b >> 32n) | 0, Number(b & 0xffffffffn) | 0);
    assert.equal(toU64(r64.hi, r64.lo), (a * b) & 0xffffffffffffffffn, `${a} * ${b}`);
  }
});
