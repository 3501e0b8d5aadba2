/**
 * Tristate numbers ("tnums"), the kernel's known-bits abstraction of a 64-bit value: bits set in
 * `mask` are unknown; the others equal the bits of `value`. The hot operations work on
 * TnumFields (value and mask as 32-bit halves, what a register stores, allocation-free); the Tnum
 * form (u64 bigints) serves the cold paths and the log.
 */
import { r64, add64, sub64, fromBig, toU64, bitLen64, ult, U32, shift64, shift32, mul64 } from './u64.js';

export const U64_MAX = 0xffffffffffffffffn;

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const u64 = (x: bigint): bigint => x & U64_MAX;

export const tnumConst = (v: bigint): Tnum => ({ value: u64(v), mask: 0n });

/** A tnum as four fields: value and mask, high and low halves (int32-stored, see u64.ts). */
export interface TnumFields {
  vHi: number;
  vLo: number;
  mHi: number;
  mLo: number;
}

/** `out` = the smallest tnum containing every value of the u64 range [min, max]. */
export function tnumRangeTo(out: TnumFields, minHi: number, minLo: number, maxHi: number, maxLo: number): void {
  const bits = bitLen64((minHi ^ maxHi), (minLo ^ maxLo));
  if (bits > 63) {
    out.vHi = 0; out.vLo = 0; out.mHi = U32; out.mLo = U32;
    return;
  }
  // The low `bits` bits set (as int32 halves).
  const dHi = bits > 32 ? -1 >>> (64 - bits) | 0 : 0, dLo = bits >= 32 ? U32 : bits ? -1 >>> (32 - bits) | 0 : 0;
  out.vHi = (minHi & ~dHi); out.vLo = (minLo & ~dLo);
  out.mHi = dHi; out.mLo = dLo;
}

/** `out` = a + b (`out` may be either operand). */
export function tnumAddTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  add64(a.mHi, a.mLo, b.mHi, b.mLo);
  const smHi = r64.hi, smLo = r64.lo;
  add64(a.vHi, a.vLo, b.vHi, b.vLo);
  const svHi = r64.hi, svLo = r64.lo;
  add64(smHi, smLo, svHi, svLo);
  const muHi = ((r64.hi ^ svHi) | a.mHi | b.mHi), muLo = ((r64.lo ^ svLo) | a.mLo | b.mLo);
  out.vHi = (svHi & ~muHi); out.vLo = (svLo & ~muLo);
  out.mHi = muHi; out.mLo = muLo;
}

/** `out` = a - b (`out` may be either operand). */
export function tnumSubTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  sub64(a.vHi, a.vLo, b.vHi, b.vLo);
  const dvHi = r64.hi, dvLo = r64.lo;
  add64(dvHi, dvLo, a.mHi, a.mLo);
  const alphaHi = r64.hi, alphaLo = r64.lo;
  sub64(dvHi, dvLo, b.mHi, b.mLo);
  const muHi = ((alphaHi ^ r64.hi) | a.mHi | b.mHi), muLo = ((alphaLo ^ r64.lo) | a.mLo | b.mLo);
  out.vHi = (dvHi & ~muHi); out.vLo = (dvLo & ~muLo);
  out.mHi = muHi; out.mLo = muLo;
}

/** `out` = a & b (`out` may be either operand). */
export function tnumAndTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  const vHi = a.vHi & b.vHi, vLo = a.vLo & b.vLo;
  out.mHi = ((a.vHi | a.mHi) & (b.vHi | b.mHi) & ~vHi);
  out.mLo = ((a.vLo | a.mLo) & (b.vLo | b.mLo) & ~vLo);
  out.vHi = vHi; out.vLo = vLo;
}

/** `out` = a | b (`out` may be either operand). */
export function tnumOrTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  const vHi = a.vHi | b.vHi, vLo = a.vLo | b.vLo;
  out.mHi = ((a.mHi | b.mHi) & ~vHi);
  out.mLo = ((a.mLo | b.mLo) & ~vLo);
  out.vHi = vHi; out.vLo = vLo;
}

/** `out` = a ^ b (`out` may be either operand). */
export function tnumXorTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  const muHi = a.mHi | b.mHi, muLo = a.mLo | b.mLo;
  out.vHi = ((a.vHi ^ b.vHi) & ~muHi);
  out.vLo = ((a.vLo ^ b.vLo) & ~muLo);
  out.mHi = muHi; out.mLo = muLo;
}

/** `out` = the values in both a and b, assuming they overlap (`out` may be either operand). */
export function tnumIntersectTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  const muHi = a.mHi & b.mHi, muLo = a.mLo & b.mLo;
  out.vHi = ((a.vHi | b.vHi) & ~muHi);
  out.vLo = ((a.vLo | b.vLo) & ~muLo);
  out.mHi = muHi; out.mLo = muLo;
}

/** True when every value of `b` is a value of `a`. */
export function tnumInFields(a: TnumFields, b: TnumFields): boolean {
  if ((b.mHi & ~a.mHi) | (b.mLo & ~a.mLo)) return false;
  return ((b.vHi & ~a.mHi)) === a.vHi && ((b.vLo & ~a.mLo)) === a.vLo;
}

const fa: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
const fb: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
const fr: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
function load(f: TnumFields, t: Tnum): TnumFields {
  fromBig(t.value); f.vHi = r64.hi; f.vLo = r64.lo;
  fromBig(t.mask); f.mHi = r64.hi; f.mLo = r64.lo;
  return f;
}
/** The Tnum of four fields. */
export const tnumOfFields = (f: TnumFields): Tnum => ({ value: toU64(f.vHi, f.vLo), mask: toU64(f.mHi, f.mLo) });
/** Stores a Tnum into four fields. */
export const tnumToFields = (f: TnumFields, t: Tnum): void => void load(f, t);
type FieldsOp = (out: TnumFields, a: TnumFields, b: TnumFields) => void;
const viaFields = (op: FieldsOp, a: Tnum, b: Tnum): Tnum => {
  op(fr, load(fa, a), load(fb, b));
  return tnumOfFields(fr);
};

/** The smallest tnum containing every value of [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  fromBig(min);
  const minHi = r64.hi, minLo = r64.lo;
  fromBig(max);
  tnumRangeTo(fr, minHi, minLo, r64.hi, r64.lo);
  return tnumOfFields(fr);
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;

/** `out` = `a` shifted by `s` (0..63; `kind` SHL, LSHR or ASHR of u64.ts) at 64 bits. */
export function tnumShiftTo(out: TnumFields, a: TnumFields, s: number, kind: number): void {
  shift64(a.vHi, a.vLo, s, kind);
  const vHi = r64.hi, vLo = r64.lo;
  shift64(a.mHi, a.mLo, s, kind);
  out.vHi = vHi; out.vLo = vLo; out.mHi = r64.hi; out.mLo = r64.lo;
}

/** `out` = the 32-bit subregister of `a` shifted by `s` (0..31) within 32 bits, zero-extended. */
export function tnumShift32To(out: TnumFields, a: TnumFields, s: number, kind: number): void {
  const vLo = shift32(a.vLo, s, kind), mLo = shift32(a.mLo, s, kind);
  out.vHi = 0; out.vLo = vLo; out.mHi = 0; out.mLo = mLo;
}

export const tnumAdd = (a: Tnum, b: Tnum): Tnum => viaFields(tnumAddTo, a, b);


const mulAcc: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
const mulTerm: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };

/**
 * `out` = a * b (`out` may be either operand), as the kernel's tnum_mul: the product of the
 * values, plus the sum of b's (shifted) uncertain bits for every bit of a that is 1 or unknown.
 */
export function tnumMulTo(out: TnumFields, a: TnumFields, b: TnumFields): void {
  let avHi = a.vHi, avLo = a.vLo, amHi = a.mHi, amLo = a.mLo;
  let bvHi = b.vHi, bvLo = b.vLo, bmHi = b.mHi, bmLo = b.mLo;
  mul64(avHi, avLo, bvHi, bvLo);
  const accHi = r64.hi, accLo = r64.lo;
  const acc = mulAcc, term = mulTerm;
  acc.vHi = 0; acc.vLo = 0; acc.mHi = 0; acc.mLo = 0;
  term.vHi = 0; term.vLo = 0;
  while (avHi | avLo | amHi | amLo) {
    if (avLo & 1) {
      term.mHi = bmHi; term.mLo = bmLo;
      tnumAddTo(acc, acc, term);
    } else if (amLo & 1) {
      term.mHi = bvHi | bmHi; term.mLo = bvLo | bmLo;
      tnumAddTo(acc, acc, term);
    }
    avLo = (avLo >>> 1) | (avHi << 31); avHi = avHi >>> 1;
    amLo = (amLo >>> 1) | (amHi << 31); amHi = amHi >>> 1;
    bvHi = (bvHi << 1) | (bvLo >>> 31); bvLo <<= 1;
    bmHi = (bmHi << 1) | (bmLo >>> 31); bmLo <<= 1;
  }
  term.vHi = accHi; term.vLo = accLo; term.mHi = 0; term.mLo = 0;
  tnumAddTo(out, term, acc);
}

/** Multiplication of Tnums (see tnumMulTo). */
export const tnumMul = (a: Tnum, b: Tnum): Tnum => viaFields(tnumMulTo, a, b);

/** True when every value of `b` is a value of `a`. */
export const tnumIn = (a: Tnum, b: Tnum): boolean => tnumInFields(load(fa, a), load(fb, b));

/** The kernel's `(0x0; 0xff)` notation, or the constant in hex. */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}


/** Bits 0..n-1 of a u64 (n in 0..64) into r64. */
function lowBits(n: number): void {
  r64.hi = n >= 64 ? U32 : n > 32 ? ((1 << (n - 32)) - 1) | 0 : 0;
  r64.lo = n >= 32 ? U32 : ((1 << n) - 1) | 0;
}
const bitOf = (hi: number, lo: number, i: number): number => (i >= 32 ? hi >>> (i - 32) : lo >>> i) & 1;

/**
 * tnum_step into r64: the smallest value of `t` greater than `z`; the largest value of `t` when
 * there is none (z >= tmax), the smallest when z is below it.
 */
export function tnumStepTo(t: TnumFields, zHi: number, zLo: number): void {
  const tmaxHi = t.vHi | t.mHi, tmaxLo = t.vLo | t.mLo;
  if (!ult(zHi, zLo, tmaxHi, tmaxLo)) { r64.hi = tmaxHi; r64.lo = tmaxLo; return; }
  if (ult(zHi, zLo, t.vHi, t.vLo)) { r64.hi = t.vHi; r64.lo = t.vLo; return; }
  // The smallest value of t that is >= y = z + 1 (no overflow: z < tmax).
  add64(zHi, zLo, 0, 1);
  const yHi = r64.hi, yLo = r64.lo;
  const dHi = (yHi ^ t.vHi) & ~t.mHi, dLo = (yLo ^ t.vLo) & ~t.mLo;
  if (!dHi && !dLo) { r64.hi = yHi; r64.lo = yLo; return; }
  const i = bitLen64(dHi, dLo) - 1;
  lowBits(i + 1);
  const bHi = r64.hi, bLo = r64.lo;
  // A known 1 where y has 0: keep y's bits above i, then the smallest completion.
  if (bitOf(t.vHi, t.vLo, i)) {
    r64.hi = (yHi & ~bHi) | (t.vHi & bHi); r64.lo = (yLo & ~bLo) | (t.vLo & bLo);
    return;
  }
  // A known 0 where y has 1: the unknown bits above i must count up by one.
  let j = i + 1;
  while (j < 64 && !bitOf(t.mHi & ~yHi, t.mLo & ~yLo, j)) j++;
  if (j === 64) { r64.hi = tmaxHi; r64.lo = tmaxLo; return; }
  lowBits(j);
  const lHi = r64.hi, lLo = r64.lo;
  const jHi = j >= 32 ? (1 << (j - 32)) : 0, jLo = j < 32 ? (1 << j) : 0;
  // (y & ~bits 0..j) | bit j | (value & bits 0..j-1)
  r64.hi = (yHi & ~(lHi | jHi)) | jHi | (t.vHi & lHi);
  r64.lo = (yLo & ~(lLo | jLo)) | jLo | (t.vLo & lLo);
}

/** tnum_step on bigints (tests and cold paths). */
export function tnumStep(t: Tnum, z: bigint): bigint {
  fromBig(z);
  const zHi = r64.hi, zLo = r64.lo;
  tnumStepTo(load(fa, t), zHi, zLo);
  return toU64(r64.hi, r64.lo);
}
