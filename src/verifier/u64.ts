/**
 * Allocation-free 64-bit arithmetic for the verifier's hot paths: a u64 (or the bits of an s64) is
 * held as two 32-bit halves, `hi` and `lo`, each stored as an int32 (`x | 0`: the half's bits read
 * as two's complement), which V8 keeps unboxed (Smi) in object fields. Unsigned readings use
 * `>>> 0`. Results of two-word operations land in `r64`. Conversions to and from bigint serve the
 * cold paths and the log.
 */

/** The all-ones half (0xffffffff) as stored. */
export const U32 = -1;
const TWO32 = 0x100000000;

/** Result of the last add64 / sub64 / fromBig (read it before the next call). */
export const r64 = { hi: 0, lo: 0 };

/** `a + b` mod 2^64 into r64; returns the carry out of bit 63 (1 when the u64 sum overflowed). */
export function add64(ahi: number, alo: number, bhi: number, blo: number): number {
  const lo = (alo >>> 0) + (blo >>> 0);
  const hi = (ahi >>> 0) + (bhi >>> 0) + (lo >= TWO32 ? 1 : 0);
  r64.lo = lo | 0;
  r64.hi = hi | 0;
  return hi >= TWO32 ? 1 : 0;
}

/** `a - b` mod 2^64 into r64; returns the borrow (1 when a < b as u64). */
export function sub64(ahi: number, alo: number, bhi: number, blo: number): number {
  const lo = (alo >>> 0) - (blo >>> 0);
  const hi = (ahi >>> 0) - (bhi >>> 0) - (lo < 0 ? 1 : 0);
  r64.lo = lo | 0;
  r64.hi = hi | 0;
  return hi < 0 ? 1 : 0;
}

/** Unsigned a < b. */
export const ult = (ahi: number, alo: number, bhi: number, blo: number): boolean =>
  (ahi !== bhi ? ahi >>> 0 < bhi >>> 0 : alo >>> 0 < blo >>> 0);
/** Unsigned a <= b. */
export const ule = (ahi: number, alo: number, bhi: number, blo: number): boolean =>
  (ahi !== bhi ? ahi >>> 0 < bhi >>> 0 : alo >>> 0 <= blo >>> 0);
/** Signed (two's complement) a < b. */
export const slt = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? ahi < bhi : alo >>> 0 < blo >>> 0);
/** Signed (two's complement) a <= b. */
export const sle = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? ahi < bhi : alo >>> 0 <= blo >>> 0);

/** Splits a bigint (any sign; its low 64 bits count) into r64. */
export function fromBig(v: bigint): void {
  r64.hi = Number((v >> 32n) & 0xffffffffn) | 0;
  r64.lo = Number(v & 0xffffffffn) | 0;
}
/** The u64 of two halves. */
export const toU64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
/** The s64 of two halves. */
export const toS64 = (hi: number, lo: number): bigint => (BigInt(hi | 0) << 32n) + BigInt(lo >>> 0);

/** Number of significant bits of a u64 (0 for zero). */
export const bitLen64 = (hi: number, lo: number): number => (hi ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo));

/** Shift kinds of shift64: left, logical right, arithmetic right. */
export const SHL = 0, LSHR = 1, ASHR = 2;

/** The u32 `x` (int32-stored) shifted by `s` (0..31) within 32 bits (`kind`: SHL, LSHR or ASHR), int32-stored. */
export const shift32 = (x: number, s: number, kind: number): number =>
  (kind === SHL ? x << s : kind === LSHR ? (x >>> s) | 0 : x >> s);

/** The u64 `hi:lo` shifted by `s` (0..63) into r64 (`kind`: SHL, LSHR or ASHR). */
export function shift64(hi: number, lo: number, s: number, kind: number): void {
  if (s === 0) {
    r64.hi = hi | 0; r64.lo = lo | 0;
  } else if (kind === SHL) {
    if (s < 32) { r64.hi = (hi << s) | (lo >>> (32 - s)); r64.lo = lo << s; } else { r64.hi = lo << (s - 32); r64.lo = 0; }
  } else if (s < 32) {
    r64.lo = (lo >>> s) | (hi << (32 - s));
    r64.hi = kind === LSHR ? (hi >>> s) | 0 : hi >> s;
  } else {
    r64.lo = kind === LSHR ? (hi >>> (s - 32)) | 0 : hi >> (s - 32);
    r64.hi = kind === LSHR ? 0 : hi >> 31;
  }
}

/** The low 64 bits of the product of the u64s `a` and `b` into r64. */
export function mul64(ahi: number, alo: number, bhi: number, blo: number): void {
  // The 64-bit product of the low halves from 16-bit limbs (each partial product is exact).
  const a = alo >>> 0, b = blo >>> 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  r64.lo = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  r64.hi = (carry + Math.imul(ahi, blo) + Math.imul(alo, bhi)) | 0;
}
