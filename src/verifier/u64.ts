/**
 * Allocation-free 64-bit arithmetic for the verifier's hot paths: a u64 (or the bits of an s64) is
 * held as two u32 numbers, `hi` and `lo`. Results of two-word operations land in `r64`; signed
 * comparisons read the same bits as two's complement. Conversions to and from bigint serve the
 * cold paths and the log.
 */

export const U32 = 0xffffffff;
const TWO32 = 0x100000000;

/** Result of the last add64 / sub64 / fromBig (read it before the next call). */
export const r64 = { hi: 0, lo: 0 };

/** `a + b` mod 2^64 into r64; returns the carry out of bit 63 (1 when the u64 sum overflowed). */
export function add64(ahi: number, alo: number, bhi: number, blo: number): number {
  const lo = alo + blo;
  const carryLo = lo >= TWO32 ? 1 : 0;
  const hi = ahi + bhi + carryLo;
  r64.lo = lo >>> 0;
  r64.hi = hi >>> 0;
  return hi >= TWO32 ? 1 : 0;
}

/** `a - b` mod 2^64 into r64; returns the borrow (1 when a < b as u64). */
export function sub64(ahi: number, alo: number, bhi: number, blo: number): number {
  const lo = alo - blo;
  const borrowLo = lo < 0 ? 1 : 0;
  const hi = ahi - bhi - borrowLo;
  r64.lo = lo >>> 0;
  r64.hi = hi >>> 0;
  return hi < 0 ? 1 : 0;
}

/** Unsigned a < b. */
export const ult = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? ahi < bhi : alo < blo);
/** Unsigned a <= b. */
export const ule = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? ahi < bhi : alo <= blo);
/** Signed (two's complement) a < b. */
export const slt = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? (ahi | 0) < (bhi | 0) : alo < blo);
/** Signed (two's complement) a <= b. */
export const sle = (ahi: number, alo: number, bhi: number, blo: number): boolean => (ahi !== bhi ? (ahi | 0) < (bhi | 0) : alo <= blo);

/** Splits a bigint (any sign; its low 64 bits count) into r64. */
export function fromBig(v: bigint): void {
  r64.hi = Number((v >> 32n) & 0xffffffffn);
  r64.lo = Number(v & 0xffffffffn);
}
/** The u64 of two halves. */
export const toU64 = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
/** The s64 of two halves. */
export const toS64 = (hi: number, lo: number): bigint => (BigInt(hi | 0) << 32n) + BigInt(lo);

/** Number of significant bits of a u64 (0 for zero). */
export const bitLen64 = (hi: number, lo: number): number => (hi ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo));
