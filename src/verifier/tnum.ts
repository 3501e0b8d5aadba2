/**
 * Tristate numbers ("tnums"), the kernel's known-bits abstraction of a 64-bit value: bits set in
 * `mask` are unknown; the others equal the bits of `value`. All quantities are u64 bigints.
 */

export const U64_MAX = 0xffffffffffffffffn;
export const U32_MAX_N = 0xffffffffn;

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const u64 = (x: bigint): bigint => x & U64_MAX;

export const tnumConst = (v: bigint): Tnum => ({ value: u64(v), mask: 0n });
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64_MAX };

/** LOW_MASKS[n] = 2^n - 1 (n < 64). */
const LOW_MASKS: readonly bigint[] = Array.from({ length: 64 }, (_, n) => (1n << BigInt(n)) - 1n);

/** The smallest tnum containing every value of [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  let bits: number;
  // Bit length of chi from its two 32-bit halves (the signed/oversized cases keep the exact path).
  if (chi < 0n || chi > U64_MAX) bits = chi.toString(2).length;
  else {
    const hi = Number(chi >> 32n);
    bits = hi ? 64 - Math.clz32(hi) : 32 - Math.clz32(Number(chi));
  }
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = LOW_MASKS[bits];
  return { value: min & ~delta & U64_MAX, mask: delta };
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

export const tnumLshift = (a: Tnum, s: number): Tnum => ({ value: u64(a.value << BigInt(s)), mask: u64(a.mask << BigInt(s)) });
export const tnumRshift = (a: Tnum, s: number): Tnum => ({ value: a.value >> BigInt(s), mask: a.mask >> BigInt(s) });

/** Arithmetic right shift at `width` (32 or 64) bits. */
export function tnumArshift(a: Tnum, s: number, width: 32 | 64): Tnum {
  const sh = BigInt(s);
  return {
    value: BigInt.asUintN(width, BigInt.asIntN(width, a.value) >> sh),
    mask: BigInt.asUintN(width, BigInt.asIntN(width, a.mask) >> sh),
  };
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64_MAX, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64_MAX, mask: mu };
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(tnumConst(0n), a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64_MAX };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64_MAX };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** Multiplication, as the kernel's long-multiplication over known/unknown bits. */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let av = a.value, am = a.mask;
  let bv = b.value, bm = b.mask;
  let accV = u64(av * bv);
  let accM: Tnum = tnumConst(0n);
  while (av !== 0n || am !== 0n) {
    if (av & 1n) accM = tnumAdd(accM, { value: 0n, mask: bm });
    else if (am & 1n) accM = tnumAdd(accM, { value: 0n, mask: bv | bm });
    av >>= 1n; am >>= 1n;
    bv = u64(bv << 1n); bm = u64(bm << 1n);
  }
  return tnumAdd({ value: accV, mask: 0n }, accM);
}

/** Values that are in both (assumes they overlap). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** Truncates to the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  const m = size >= 8 ? U64_MAX : (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
/** Replaces the low 32 bits of `a` by `b` (a 32-bit tnum). */
export const tnumWithSubreg = (a: Tnum, b: Tnum): Tnum => tnumOr(tnumClearSubreg(a), tnumSubreg(b));
export const tnumConstSubreg = (a: Tnum, v: number): Tnum => tnumWithSubreg(a, tnumConst(BigInt(v >>> 0)));

/** True when every value of `b` is a value of `a`. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return (b.value & ~a.mask) === a.value;
}

/** True when `a` is a multiple of `size` (size a power of two) for every value. */
export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (!size) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

/** The kernel's `(0x0; 0xff)` notation, or the constant in hex. */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

export const tnumUmin = (a: Tnum): bigint => a.value;
export const tnumUmax = (a: Tnum): bigint => a.value | a.mask;

/** Index of the highest set bit of a non-zero u64. */
const topBit = (x: bigint): number => x.toString(2).length - 1;

/**
 * tnum_step: the smallest value of `t` greater than `z`; the largest value of `t` when there is
 * none (z >= tmax), the smallest when z is below it.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  // The smallest value of t that is >= y.
  const y = z + 1n;
  const diff = (y ^ t.value) & ~t.mask;
  if (diff === 0n) return y;
  const i = topBit(diff);
  const below = (1n << BigInt(i + 1)) - 1n;
  // A known 1 where y has 0: keep y's bits above i, then the smallest completion.
  if ((t.value >> BigInt(i)) & 1n) return (y & ~below) | (t.value & below);
  // A known 0 where y has 1: the unknown bits above i must count up by one.
  let j = i + 1;
  while (j < 64 && !(((t.mask & ~y) >> BigInt(j)) & 1n)) j++;
  if (j === 64) return tmax;
  const upTo = (1n << BigInt(j + 1)) - 1n;
  return (y & ~upTo) | (1n << BigInt(j)) | (t.value & ((1n << BigInt(j)) - 1n));
}
