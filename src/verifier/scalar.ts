/**
 * Scalar value tracking as the kernel does it: each scalar register carries a tnum plus signed and
 * unsigned 64- and 32-bit bounds, and every operation keeps them mutually consistent
 * (reg_bounds_sync). The 64-bit quantities are stored as 32-bit halves (see u64.ts) so that the hot
 * operations allocate nothing; bigint accessors (`umin`, `smin`, `varOff`, …) serve the rest.
 * 32-bit bounds are numbers (s32 / u32).
 */
import {
  type Tnum, type TnumFields, tnumRangeTo, tnumIntersectTo, tnumAddTo, tnumSubTo, tnumAndTo, tnumOrTo, tnumXorTo,
  tnumOfFields, tnumToFields, tnumMulTo, tnumStepTo, tnumShiftTo, tnumShift32To,
} from './tnum.js';
import { r64, add64 as add64w, sub64 as sub64w, ult, ule, slt, sle, fromBig, toU64, toS64, U32, shift64, shift32, SHL, LSHR, ASHR } from './u64.js';

export const S64_MIN = -0x8000000000000000n;
export const S64_MAX = 0x7fffffffffffffffn;
export const S32_MIN = -0x80000000;
export const S32_MAX = 0x7fffffff;
export const U32_MAX = 0xffffffff;
/** The stored high halves of S64_MIN and S64_MAX. */
const S64_MIN_HI = -0x80000000, S64_MAX_HI = 0x7fffffff;

/**
 * The numeric part of a register: tnum and the eight bounds. Each 64-bit bound and the tnum's
 * value and mask are two int32-stored halves (`…Hi`, `…Lo`, see u64.ts; signed bounds hold their
 * two's complement bits).
 */
export class Bounds implements TnumFields {
  vHi = 0;
  vLo = 0;
  mHi = U32;
  mLo = U32;
  uminHi = 0;
  uminLo = 0;
  umaxHi = U32;
  umaxLo = U32;
  sminHi = S64_MIN_HI;
  sminLo = 0;
  smaxHi = 0x7fffffff;
  smaxLo = U32;
  s32min = S32_MIN;
  s32max = S32_MAX;
  /** The u32 bounds' bits as int32 (unboxed in V8 object fields); read through u32min / u32max. */
  private u32minBits = 0;
  private u32maxBits = U32;

  get u32min(): number { return this.u32minBits >>> 0; }
  set u32min(v: number) { this.u32minBits = v | 0; }
  get u32max(): number { return this.u32maxBits >>> 0; }
  set u32max(v: number) { this.u32maxBits = v | 0; }

  get varOff(): Tnum { return tnumOfFields(this); }
  set varOff(t: Tnum) { tnumToFields(this, t); }
  get umin(): bigint { return toU64(this.uminHi, this.uminLo); }
  set umin(v: bigint) { fromBig(v); this.uminHi = r64.hi; this.uminLo = r64.lo; }
  get umax(): bigint { return toU64(this.umaxHi, this.umaxLo); }
  set umax(v: bigint) { fromBig(v); this.umaxHi = r64.hi; this.umaxLo = r64.lo; }
  get smin(): bigint { return toS64(this.sminHi, this.sminLo); }
  set smin(v: bigint) { fromBig(v); this.sminHi = r64.hi; this.sminLo = r64.lo; }
  get smax(): bigint { return toS64(this.smaxHi, this.smaxLo); }
  set smax(v: bigint) { fromBig(v); this.smaxHi = r64.hi; this.smaxLo = r64.lo; }

  /** Copies tnum and bounds from `o`. */
  copyBounds(o: Bounds): this {
    this.vHi = o.vHi; this.vLo = o.vLo; this.mHi = o.mHi; this.mLo = o.mLo;
    this.uminHi = o.uminHi; this.uminLo = o.uminLo; this.umaxHi = o.umaxHi; this.umaxLo = o.umaxLo;
    this.sminHi = o.sminHi; this.sminLo = o.sminLo; this.smaxHi = o.smaxHi; this.smaxLo = o.smaxLo;
    this.s32min = o.s32min; this.s32max = o.s32max; this.u32minBits = o.u32minBits; this.u32maxBits = o.u32maxBits;
    return this;
  }
  /** True when the tnum is a known value. */
  isConst(): boolean {
    return (this.mHi | this.mLo) === 0;
  }
  /** True when the tnum is the known value 0. */
  isZero(): boolean {
    return (this.mHi | this.mLo | this.vHi | this.vLo) === 0;
  }
  /** The tnum's value bits as an s64, as a number (exact within ±2^53, like Number(bigint) beyond). */
  valueS64(): number {
    return this.vHi * 0x100000000 + (this.vLo >>> 0);
  }
  /** smin as a number (exact within ±2^53, like Number(bigint) beyond). */
  sminNum(): number {
    return this.sminHi * 0x100000000 + (this.sminLo >>> 0);
  }
  /** smax as a number (exact within ±2^53, like Number(bigint) beyond). */
  smaxNum(): number {
    return this.smaxHi * 0x100000000 + (this.smaxLo >>> 0);
  }
  /** umax as a number (exact below 2^53, like Number(bigint) beyond). */
  umaxNum(): number {
    return (this.umaxHi >>> 0) * 0x100000000 + (this.umaxLo >>> 0);
  }
}

/** Every bound set to the known value of 32-bit halves hi:lo (int32 or u32 numbers). */
export function markKnownBits(r: Bounds, hi: number, lo: number): void {
  hi |= 0;
  lo |= 0;
  r.vHi = hi; r.vLo = lo; r.mHi = 0; r.mLo = 0;
  r.uminHi = r.umaxHi = r.sminHi = r.smaxHi = hi;
  r.uminLo = r.umaxLo = r.sminLo = r.smaxLo = lo;
  r.s32min = r.s32max = lo;
  r.u32min = r.u32max = lo >>> 0;
}

export function markKnown(r: Bounds, v: bigint): void {
  if (v === 0n) markKnownBits(r, 0, 0);
  else {
    fromBig(v);
    markKnownBits(r, r64.hi, r64.lo);
  }
}

/** The subregister becomes the known 32-bit `lo`; the upper half of the tnum stays. */
function mark32KnownLo(r: Bounds, lo: number): void {
  // tnum_or(tnum_clear_subreg(var_off), tnum_const(lo)).
  r.mHi &= ~r.vHi;
  r.vLo = lo | 0; r.mLo = 0;
  r.s32min = r.s32max = lo | 0;
  r.u32min = r.u32max = lo >>> 0;
}

export function mark32Known(r: Bounds, v: bigint): void {
  mark32KnownLo(r, Number(v & 0xffffffffn));
}

export function mark64Unbounded(r: Bounds): void {
  r.sminHi = S64_MIN_HI; r.sminLo = 0; r.smaxHi = S64_MAX_HI; r.smaxLo = U32;
  r.uminHi = 0; r.uminLo = 0; r.umaxHi = U32; r.umaxLo = U32;
}
export function mark32Unbounded(r: Bounds): void {
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0; r.u32max = U32_MAX;
}
export function markUnbounded(r: Bounds): void {
  mark64Unbounded(r);
  mark32Unbounded(r);
}
/** An unknown scalar. */
export function markUnknown(r: Bounds): void {
  r.vHi = 0; r.vLo = 0; r.mHi = U32; r.mLo = U32;
  markUnbounded(r);
}

function updateBounds32(r: Bounds): void {
  const v = r.vLo, m = r.mLo;
  r.s32min = Math.max(r.s32min, v | (m & 0x80000000));
  r.s32max = Math.min(r.s32max, v | (m & 0x7fffffff));
  r.u32min = Math.max(r.u32min, v >>> 0);
  r.u32max = Math.min(r.u32max, (v | m) >>> 0);
}

function updateBounds64(r: Bounds): void {
  // smin = max(smin, value | (mask & sign bit)), smax = min(smax, value | (mask & S64_MAX)).
  const aHi = r.vHi | (r.mHi & 0x80000000);
  if (slt(r.sminHi, r.sminLo, aHi, r.vLo)) { r.sminHi = aHi; r.sminLo = r.vLo; }
  const bHi = r.vHi | (r.mHi & 0x7fffffff), bLo = r.vLo | r.mLo;
  if (slt(bHi, bLo, r.smaxHi, r.smaxLo)) { r.smaxHi = bHi; r.smaxLo = bLo; }
  if (ult(r.uminHi, r.uminLo, r.vHi, r.vLo)) { r.uminHi = r.vHi; r.uminLo = r.vLo; }
  const cHi = r.vHi | r.mHi;
  if (ult(cHi, bLo, r.umaxHi, r.umaxLo)) { r.umaxHi = cHi; r.umaxLo = bLo; }
  // The unsigned range and the tnum may share a single value: the register is known.
  tnumStepTo(r, r.uminHi, r.uminLo);
  const nHi = r64.hi, nLo = r64.lo;
  const uminIn = (r.uminHi & ~r.mHi) === r.vHi && (r.uminLo & ~r.mLo) === r.vLo;
  if (uminIn) {
    if (ult(r.umaxHi, r.umaxLo, nHi, nLo)) markKnownBits(r, r.uminHi, r.uminLo);
  } else if (nHi === cHi && nLo === bLo) markKnownBits(r, cHi, bLo);
  else if (ule(nHi, nLo, r.umaxHi, r.umaxLo)) {
    tnumStepTo(r, nHi, nLo);
    if (ult(r.umaxHi, r.umaxLo, r64.hi, r64.lo)) markKnownBits(r, nHi, nLo);
  }
}

/** __update_reg_bounds: tighten the bounds from the tnum. */
export function updateBounds(r: Bounds): void {
  updateBounds32(r);
  updateBounds64(r);
}

function deduce32(r: Bounds): void {
  // The halves as u32 numbers.
  const uminHi = r.uminHi >>> 0, umaxHi = r.umaxHi >>> 0, uminLo = r.uminLo >>> 0, umaxLo = r.umaxLo >>> 0;
  const sminHi = r.sminHi >>> 0, smaxHi = r.smaxHi >>> 0, sminLo = r.sminLo >>> 0, smaxLo = r.smaxLo >>> 0;
  if (uminHi === umaxHi) {
    r.u32min = Math.max(r.u32min, uminLo);
    r.u32max = Math.min(r.u32max, umaxLo);
    if ((uminLo | 0) <= (umaxLo | 0)) {
      r.s32min = Math.max(r.s32min, uminLo | 0);
      r.s32max = Math.min(r.s32max, umaxLo | 0);
    }
  }
  if (sminHi === smaxHi) {
    if (sminLo <= smaxLo) {
      r.u32min = Math.max(r.u32min, sminLo);
      r.u32max = Math.min(r.u32max, smaxLo);
    }
    if ((sminLo | 0) <= (smaxLo | 0)) {
      r.s32min = Math.max(r.s32min, sminLo | 0);
      r.s32max = Math.min(r.s32max, smaxLo | 0);
    }
  }
  // Upper halves differing by one (as u32: 0xffffffff then 0 counts) with the low halves crossing
  // the s32 sign boundary.
  if (((uminHi + 1) >>> 0) === umaxHi && (uminLo | 0) < 0 && (umaxLo | 0) >= 0) {
    r.s32min = Math.max(r.s32min, uminLo | 0);
    r.s32max = Math.min(r.s32max, umaxLo | 0);
  }
  if (((sminHi + 1) >>> 0) === smaxHi && (sminLo | 0) < 0 && (smaxLo | 0) >= 0) {
    r.s32min = Math.max(r.s32min, sminLo | 0);
    r.s32max = Math.min(r.s32max, smaxLo | 0);
  }
  if ((r.u32min | 0) <= (r.u32max | 0)) {
    r.s32min = Math.max(r.s32min, r.u32min | 0);
    r.s32max = Math.min(r.s32max, r.u32max | 0);
  }
  if (r.s32min >>> 0 <= r.s32max >>> 0) {
    r.u32min = Math.max(r.u32min, r.s32min >>> 0);
    r.u32max = Math.min(r.u32max, r.s32max >>> 0);
  }
}

function deduce64(r: Bounds): void {
  if (sle(r.uminHi, r.uminLo, r.umaxHi, r.umaxLo)) {
    if (slt(r.sminHi, r.sminLo, r.uminHi, r.uminLo)) { r.sminHi = r.uminHi; r.sminLo = r.uminLo; }
    if (slt(r.umaxHi, r.umaxLo, r.smaxHi, r.smaxLo)) { r.smaxHi = r.umaxHi; r.smaxLo = r.umaxLo; }
  }
  if (ule(r.sminHi, r.sminLo, r.smaxHi, r.smaxLo)) {
    if (ult(r.uminHi, r.uminLo, r.sminHi, r.sminLo)) { r.uminHi = r.sminHi; r.uminLo = r.sminLo; }
    if (ult(r.smaxHi, r.smaxLo, r.umaxHi, r.umaxLo)) { r.umaxHi = r.smaxHi; r.umaxLo = r.smaxLo; }
  } else if (ult(r.umaxHi, r.umaxLo, r.sminHi, r.sminLo)) {
    // The s64 range crosses the sign boundary and the u64 range only meets its [0, smax] end.
    r.sminHi = r.uminHi; r.sminLo = r.uminLo;
    if (ult(r.smaxHi, r.smaxLo, r.umaxHi, r.umaxLo)) { r.umaxHi = r.smaxHi; r.umaxLo = r.smaxLo; }
  } else if (ult(r.smaxHi, r.smaxLo, r.uminHi, r.uminLo)) {
    // ... or only its [smin, -1] end.
    r.smaxHi = r.umaxHi; r.smaxLo = r.umaxLo;
    if (ult(r.uminHi, r.uminLo, r.sminHi, r.sminLo)) { r.uminHi = r.sminHi; r.uminLo = r.sminLo; }
  }
}

function deduceMixed(r: Bounds): void {
  // Each 64-bit bound with its low half replaced by the matching u32 bound, when that is tighter:
  // within the same upper half the comparison is one of the low halves.
  if (r.u32min > r.uminLo >>> 0) r.uminLo = r.u32min | 0;
  if (r.u32max < r.umaxLo >>> 0) r.umaxLo = r.u32max | 0;
  if (r.u32min > r.sminLo >>> 0) r.sminLo = r.u32min | 0;
  if (r.u32max < r.smaxLo >>> 0) r.smaxLo = r.u32max | 0;
  // s32min >= 0 with S32_MIN <= smin and smax <= S32_MAX.
  if (r.s32min >= 0 && sle(U32, S32_MIN, r.sminHi, r.sminLo) && sle(r.smaxHi, r.smaxLo, 0, S32_MAX)) {
    const minHi = r.s32min < 0 ? U32 : 0, maxHi = r.s32max < 0 ? U32 : 0;
    const minLo = r.s32min, maxLo = r.s32max;
    r.sminHi = r.uminHi = minHi; r.sminLo = r.uminLo = minLo;
    r.smaxHi = r.umaxHi = maxHi; r.smaxLo = r.umaxLo = maxLo;
    tnumRangeTo(scratch, minHi, minLo, maxHi, maxLo);
    tnumIntersectTo(r, r, scratch);
  }
}

/** Scratch tnum of the bounds operations (never escapes a call). */
const scratch: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };

function deduceBounds(r: Bounds): void {
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
}

function boundOffset(r: Bounds): void {
  tnumRangeTo(scratch, r.uminHi, r.uminLo, r.umaxHi, r.umaxLo);
  tnumIntersectTo(r, r, scratch);
  // The subregister intersected with tnum_range(u32min, u32max), computed on u32 numbers.
  const chi = (r.u32min ^ r.u32max) >>> 0;
  const delta = chi ? -1 >>> Math.clz32(chi) : 0;
  const mu = r.mLo & delta;
  const lo = (r.vLo | (r.u32min & ~delta)) & ~mu;
  r.vLo = lo;
  r.mLo = mu;
}

/** reg_bounds_sync: make tnum and all bounds agree. */
export function boundsSync(r: Bounds): void {
  if ((r.mHi | r.mLo) === 0) {
    // A known value that every bound admits: the bounds collapse onto it.
    const hi = r.vHi, lo = r.vLo, ulo = lo >>> 0;
    if (ule(r.uminHi, r.uminLo, hi, lo) && ule(hi, lo, r.umaxHi, r.umaxLo) &&
      sle(r.sminHi, r.sminLo, hi, lo) && sle(hi, lo, r.smaxHi, r.smaxLo) && r.u32min <= ulo && ulo <= r.u32max &&
      r.s32min <= lo && lo <= r.s32max) {
      markKnownBits(r, hi, lo);
      return;
    }
  }
  updateBounds(r);
  deduceBounds(r);
  deduceBounds(r);
  boundOffset(r);
  updateBounds(r);
}

/** True when the bounds are contradictory (an impossible state). */
export function boundsInvalid(r: Bounds): boolean {
  return ult(r.umaxHi, r.umaxLo, r.uminHi, r.uminLo) || slt(r.smaxHi, r.smaxLo, r.sminHi, r.sminLo) ||
    r.u32min > r.u32max || r.s32min > r.s32max ||
    ((r.vHi & r.mHi) | (r.vLo & r.mLo)) !== 0 ||
    ult(r.vHi | r.mHi, r.vLo | r.mLo, r.uminHi, r.uminLo) || ult(r.umaxHi, r.umaxLo, r.vHi, r.vLo);
}

/** Zero-extends the 32-bit subregister into the full register (after ALU32 ops). */
export function zext32To64(r: Bounds): void {
  r.vHi = 0; r.mHi = 0;
  r.uminHi = 0; r.uminLo = r.u32min | 0;
  r.umaxHi = 0; r.umaxLo = r.u32max | 0;
  r.sminHi = 0; r.smaxHi = 0;
  if (r.s32min >= 0 && r.s32max >= 0) {
    r.sminLo = r.s32min;
    r.smaxLo = r.s32max;
  } else {
    r.sminLo = 0;
    r.smaxLo = U32;
  }
}

/** Number of significant bits: 32 when the value fits in u32, else 64 (get_reg_width). */
export const regWidth = (r: Bounds): number => (r.umaxHi === 0 ? 32 : 64);

const ovf32 = (x: number): boolean => x < S32_MIN || x > S32_MAX;
const ovfU32 = (x: number): boolean => x < 0 || x > U32_MAX;
const ovf64 = (x: bigint): boolean => x < S64_MIN || x > S64_MAX;
const ovfU64 = (x: bigint): boolean => x < 0n || x > U64_MAX;
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const U64_MAX = 0xffffffffffffffffn;

function add32(d: Bounds, s: Bounds): void {
  const a = d.s32min + s.s32min, b = d.s32max + s.s32max;
  if (ovf32(a) || ovf32(b)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = a; d.s32max = b; }
  const c = d.u32min + s.u32min, e = d.u32max + s.u32max;
  if (!ovfU32(c) && ovfU32(e)) { d.u32min = 0; d.u32max = U32_MAX; } else { d.u32min = c >>> 0; d.u32max = e >>> 0; }
}
/** Sign bit of the two's complement value hi:lo. */
const neg64 = (hi: number): number => hi >>> 31;

/**
 * 64-bit bounds of `d + s` into `d`. Unsigned overflow of the upper bound alone makes them
 * unbounded (scalar_min_max_add); with `eitherOverflows` (pointer arithmetic) any overflow does.
 */
export function add64(d: Bounds, s: Bounds, eitherOverflows = false): void {
  // Signed: overflow when both operands have the same sign and the sum has the other.
  add64w(d.sminHi, d.sminLo, s.sminHi, s.sminLo);
  const aHi = r64.hi, aLo = r64.lo;
  const aOvf = neg64(d.sminHi) === neg64(s.sminHi) && neg64(aHi) !== neg64(d.sminHi);
  add64w(d.smaxHi, d.smaxLo, s.smaxHi, s.smaxLo);
  const bOvf = neg64(d.smaxHi) === neg64(s.smaxHi) && neg64(r64.hi) !== neg64(d.smaxHi);
  if (aOvf || bOvf) { d.sminHi = S64_MIN_HI; d.sminLo = 0; d.smaxHi = S64_MAX_HI; d.smaxLo = U32; }
  else { d.sminHi = aHi; d.sminLo = aLo; d.smaxHi = r64.hi; d.smaxLo = r64.lo; }
  const cCarry = add64w(d.uminHi, d.uminLo, s.uminHi, s.uminLo);
  const cHi = r64.hi, cLo = r64.lo;
  const eCarry = add64w(d.umaxHi, d.umaxLo, s.umaxHi, s.umaxLo);
  if (eitherOverflows ? cCarry || eCarry : !cCarry && eCarry) { d.uminHi = 0; d.uminLo = 0; d.umaxHi = U32; d.umaxLo = U32; }
  else { d.uminHi = cHi; d.uminLo = cLo; d.umaxHi = r64.hi; d.umaxLo = r64.lo; }
}
function sub32(d: Bounds, s: Bounds): void {
  const a = d.s32min - s.s32max, b = d.s32max - s.s32min;
  if (ovf32(a) || ovf32(b)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = a; d.s32max = b; }
  const c = d.u32min - s.u32max, e = d.u32max - s.u32min;
  if (ovfU32(c) && !ovfU32(e)) { d.u32min = 0; d.u32max = U32_MAX; } else { d.u32min = c >>> 0; d.u32max = e >>> 0; }
}
/**
 * 64-bit bounds of `d - s` into `d`. Unsigned underflow of the lower bound alone makes them
 * unbounded (scalar_min_max_sub); with `lowerUnderflows` (pointer arithmetic) its underflow does.
 */
export function sub64(d: Bounds, s: Bounds, lowerUnderflows = false): void {
  // Signed: overflow when the operands have different signs and the difference has the subtrahend's.
  sub64w(d.sminHi, d.sminLo, s.smaxHi, s.smaxLo);
  const aHi = r64.hi, aLo = r64.lo;
  const aOvf = neg64(d.sminHi) !== neg64(s.smaxHi) && neg64(aHi) !== neg64(d.sminHi);
  sub64w(d.smaxHi, d.smaxLo, s.sminHi, s.sminLo);
  const bOvf = neg64(d.smaxHi) !== neg64(s.sminHi) && neg64(r64.hi) !== neg64(d.smaxHi);
  if (aOvf || bOvf) { d.sminHi = S64_MIN_HI; d.sminLo = 0; d.smaxHi = S64_MAX_HI; d.smaxLo = U32; }
  else { d.sminHi = aHi; d.sminLo = aLo; d.smaxHi = r64.hi; d.smaxLo = r64.lo; }
  const cBorrow = sub64w(d.uminHi, d.uminLo, s.umaxHi, s.umaxLo);
  const cHi = r64.hi, cLo = r64.lo;
  const eBorrow = sub64w(d.umaxHi, d.umaxLo, s.uminHi, s.uminLo);
  if (lowerUnderflows ? cBorrow : cBorrow && !eBorrow) { d.uminHi = 0; d.uminLo = 0; d.umaxHi = U32; d.umaxLo = U32; }
  else { d.uminHi = cHi; d.uminLo = cLo; d.umaxHi = r64.hi; d.umaxLo = r64.lo; }
}
function mul32(d: Bounds, s: Bounds): void {
  const ua = BigInt(d.u32max) * BigInt(s.u32max), ub = BigInt(d.u32min) * BigInt(s.u32min);
  if (ua > 0xffffffffn || ub > 0xffffffffn) { d.u32min = 0; d.u32max = U32_MAX; } else { d.u32min = Number(ub); d.u32max = Number(ua); }
  const q = [BigInt(d.s32min) * BigInt(s.s32min), BigInt(d.s32min) * BigInt(s.s32max), BigInt(d.s32max) * BigInt(s.s32min), BigInt(d.s32max) * BigInt(s.s32max)];
  if (q.some((x) => x < BigInt(S32_MIN) || x > BigInt(S32_MAX))) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else {
    d.s32min = Number(q.reduce(bmin)); d.s32max = Number(q.reduce(bmax));
  }
}
function mul64(d: Bounds, s: Bounds): void {
  const ua = d.umax * s.umax, ub = d.umin * s.umin;
  if (ovfU64(ua) || ovfU64(ub)) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin = ub; d.umax = ua; }
  const q = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (q.some(ovf64)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = q.reduce(bmin); d.smax = q.reduce(bmax); }
}

/** Signed bounds from the unsigned ones when they do not cross the sign bit. */
function signedFromUnsigned32(d: Bounds): void {
  if ((d.u32min | 0) <= (d.u32max | 0)) { d.s32min = d.u32min | 0; d.s32max = d.u32max | 0; } else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}
function signedFromUnsigned64(d: Bounds): void {
  if (sle(d.uminHi, d.uminLo, d.umaxHi, d.umaxLo)) {
    d.sminHi = d.uminHi; d.sminLo = d.uminLo; d.smaxHi = d.umaxHi; d.smaxLo = d.umaxLo;
  } else {
    d.sminHi = S64_MIN_HI; d.sminLo = 0; d.smaxHi = S64_MAX_HI; d.smaxLo = U32;
  }
}

function bitop32(d: Bounds, s: Bounds, op: 'and' | 'or' | 'xor', srcKnown: boolean): void {
  const v = d.vLo, m = d.mLo;
  if (srcKnown && m === 0) { mark32KnownLo(d, v); return; }
  if (op === 'and') { d.u32min = v >>> 0; d.u32max = Math.min(d.u32max, s.u32max); }
  else if (op === 'or') { d.u32min = Math.max(d.u32min, s.u32min); d.u32max = (v | m) >>> 0; }
  else { d.u32min = v >>> 0; d.u32max = (v | m) >>> 0; }
  signedFromUnsigned32(d);
}
function bitop64(d: Bounds, s: Bounds, op: 'and' | 'or' | 'xor', srcKnown: boolean): void {
  if (srcKnown && d.isConst()) { markKnownBits(d, d.vHi, d.vLo); return; }
  const orHi = d.vHi | d.mHi, orLo = d.vLo | d.mLo;
  if (op === 'and') {
    d.uminHi = d.vHi; d.uminLo = d.vLo;
    if (ult(s.umaxHi, s.umaxLo, d.umaxHi, d.umaxLo)) { d.umaxHi = s.umaxHi; d.umaxLo = s.umaxLo; }
  } else if (op === 'or') {
    if (ult(d.uminHi, d.uminLo, s.uminHi, s.uminLo)) { d.uminHi = s.uminHi; d.uminLo = s.uminLo; }
    d.umaxHi = orHi; d.umaxLo = orLo;
  } else {
    d.uminHi = d.vHi; d.uminLo = d.vLo;
    d.umaxHi = orHi; d.umaxLo = orLo;
  }
  signedFromUnsigned64(d);
  updateBounds(d);
}

function lsh32Bounds(d: Bounds, umin: number, umax: number): void {
  d.s32min = S32_MIN; d.s32max = S32_MAX;
  if (umax > 31 || d.u32max > 2 ** (31 - umax)) { d.u32min = 0; d.u32max = U32_MAX; }
  else { d.u32min = (d.u32min * 2 ** umin) >>> 0; d.u32max = (d.u32max * 2 ** umax) >>> 0; }
}
function lsh64Bounds(d: Bounds, umin: number, umax: number): void {
  // Only a shift by exactly 32 of a non-negative subregister keeps signed bounds.
  const by32 = umin === 32 && umax === 32;
  if (by32 && d.s32max >= 0) { d.smaxHi = d.s32max; d.smaxLo = 0; } else { d.smaxHi = S64_MAX_HI; d.smaxLo = U32; }
  if (by32 && d.s32min >= 0) { d.sminHi = d.s32min; d.sminLo = 0; } else { d.sminHi = S64_MIN_HI; d.sminLo = 0; }
  shift64(0, 1, 63 - umax, SHL);
  if (ult(r64.hi, r64.lo, d.umaxHi, d.umaxLo)) {
    d.uminHi = 0; d.uminLo = 0; d.umaxHi = U32; d.umaxLo = U32;
    return;
  }
  shift64(d.uminHi, d.uminLo, umin, SHL);
  d.uminHi = r64.hi; d.uminLo = r64.lo;
  shift64(d.umaxHi, d.umaxLo, umax, SHL);
  d.umaxHi = r64.hi; d.umaxLo = r64.lo;
}

/** Operations of adjust_scalar_min_max_vals, indexed by the ALU op nibble. */
export type AluOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh' | 'neg';

/** Applies `dst = dst OP src` to scalar bounds (`alu32` for the 32-bit class), then syncs them. */
export function scalarAlu(d: Bounds, s: Bounds, op: AluOp, alu32: boolean): void {
  const width: 32 | 64 = alu32 ? 32 : 64;
  const srcConst = alu32
    ? s.mLo === 0 && s.s32min === s.s32max && s.u32min === s.u32max
    : s.isConst() && s.sminHi === s.smaxHi && s.sminLo === s.smaxLo && s.uminHi === s.umaxHi && s.uminLo === s.umaxLo;
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && !(srcConst && s.umaxHi === 0 && s.umaxLo >>> 0 < width)) {
    markUnknown(d);
    return;
  }
  if (d.isConst() && s.isConst() && op !== 'mul') {
    // Both operands known: the exact result (what the bounds arithmetic converges to).
    if (!constAluFields(d, s, op, alu32)) markKnown(d, constAlu(d.varOff.value, s.varOff.value, op, width));
    return;
  }
  switch (op) {
    case 'add': add32(d, s); add64(d, s); tnumAddTo(d, d, s); break;
    case 'sub': sub32(d, s); sub64(d, s); tnumSubTo(d, d, s); break;
    case 'neg': {
      const old = negScratch.copyBounds(d);
      markKnownBits(d, 0, 0);
      sub32(d, old); sub64(d, old);
      tnumSubTo(d, TNUM_ZERO, old);
      break;
    }
    case 'mul': tnumMulTo(d, d, s); mul32(d, s); mul64(d, s); break;
    case 'and': case 'or': case 'xor': {
      if (op === 'and') tnumAndTo(d, d, s);
      else if (op === 'or') tnumOrTo(d, d, s);
      else tnumXorTo(d, d, s);
      bitop32(d, s, op, s.mLo === 0);
      bitop64(d, s, op, s.isConst());
      break;
    }
    case 'lsh': {
      // The shift amount is below the width (checked above); the 32-bit ops take the subregister's
      // bounds, as the kernel's scalar32_min_max_* do.
      if (alu32) {
        lsh32Bounds(d, s.u32min, s.u32max);
        tnumShift32To(d, d, s.u32min, SHL);
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        lsh64Bounds(d, s.uminLo, s.umaxLo);
        lsh32Bounds(d, s.uminLo, s.umaxLo);
        tnumShiftTo(d, d, s.uminLo, SHL);
        updateBounds(d);
      }
      break;
    }
    case 'rsh': {
      if (alu32) {
        d.s32min = S32_MIN; d.s32max = S32_MAX;
        tnumShift32To(d, d, s.u32min, LSHR);
        d.u32min = d.u32min >>> s.u32max;
        d.u32max = d.u32max >>> s.u32min;
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        d.sminHi = S64_MIN_HI; d.sminLo = 0; d.smaxHi = S64_MAX_HI; d.smaxLo = U32;
        tnumShiftTo(d, d, s.uminLo, LSHR);
        shift64(d.uminHi, d.uminLo, s.umaxLo, LSHR);
        d.uminHi = r64.hi; d.uminLo = r64.lo;
        shift64(d.umaxHi, d.umaxLo, s.uminLo, LSHR);
        d.umaxHi = r64.hi; d.umaxLo = r64.lo;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    }
    case 'arsh': {
      // The kernel shifts by the minimum (the amount is a known constant here).
      const sh = alu32 ? s.u32min : s.uminLo;
      if (alu32) {
        d.s32min >>= sh; d.s32max >>= sh;
        tnumShift32To(d, d, sh, ASHR);
        d.u32min = 0; d.u32max = U32_MAX;
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        shift64(d.sminHi, d.sminLo, sh, ASHR);
        d.sminHi = r64.hi; d.sminLo = r64.lo;
        shift64(d.smaxHi, d.smaxLo, sh, ASHR);
        d.smaxHi = r64.hi; d.smaxLo = r64.lo;
        tnumShiftTo(d, d, sh, ASHR);
        d.uminHi = 0; d.uminLo = 0; d.umaxHi = U32; d.umaxLo = U32;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    }
  }
  if (alu32) zext32To64(d);
  boundsSync(d);
}

const negScratch = new Bounds();
const TNUM_ZERO: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };

/**
 * The known result of `d op s` for the operations computed on halves (add, sub, neg, and, or,
 * xor), stored in `d`; false for the others.
 */
function constAluFields(d: Bounds, s: Bounds, op: AluOp, alu32: boolean): boolean {
  const aHi = alu32 ? 0 : d.vHi, aLo = d.vLo, bHi = alu32 ? 0 : s.vHi, bLo = s.vLo;
  let hi: number, lo: number;
  switch (op) {
    case 'add': add64w(aHi, aLo, bHi, bLo); hi = r64.hi; lo = r64.lo; break;
    case 'sub': sub64w(aHi, aLo, bHi, bLo); hi = r64.hi; lo = r64.lo; break;
    case 'neg': sub64w(0, 0, aHi, aLo); hi = r64.hi; lo = r64.lo; break;
    case 'and': hi = aHi & bHi; lo = aLo & bLo; break;
    case 'or': hi = aHi | bHi; lo = aLo | bLo; break;
    case 'xor': hi = aHi ^ bHi; lo = aLo ^ bLo; break;
    case 'lsh': case 'rsh': case 'arsh': {
      const kind = op === 'lsh' ? SHL : op === 'rsh' ? LSHR : ASHR;
      if (alu32) {
        hi = 0;
        lo = shift32(aLo, bLo, kind);
      } else {
        shift64(aHi, aLo, bLo, kind);
        hi = r64.hi; lo = r64.lo;
      }
      break;
    }
    default: return false;
  }
  markKnownBits(d, alu32 ? 0 : hi, lo);
  return true;
}

/** `a op b` on known values at `width` bits, zero-extended to u64. */
function constAlu(a: bigint, b: bigint, op: AluOp, width: 32 | 64): bigint {
  const m = width === 32 ? 0xffffffffn : U64_MAX;
  a &= m; b &= m;
  switch (op) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'neg': return -a & m;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'lsh': return (a << b) & m;
    case 'rsh': return a >> b;
    case 'arsh': return BigInt.asUintN(width, BigInt.asIntN(width, a) >> b);
    default: return (a * b) & m;
  }
}

/** Bounds of a value loaded from memory of `size` bytes, zero-extended (coerce_reg_to_size). */
export function coerceToSize(r: Bounds, size: number): void {
  if (size >= 8) return;
  // The low `size` bytes: a mask of the low half (the high half is all cleared).
  const m = size >= 4 ? U32 : (1 << (size * 8)) - 1;
  r.vHi = 0; r.mHi = 0; r.vLo &= m; r.mLo &= m;
  if (r.uminHi === r.umaxHi && (r.uminLo & ~m) === (r.umaxLo & ~m)) {
    r.uminLo &= m;
    r.umaxLo &= m;
  } else {
    r.uminLo = 0;
    r.umaxLo = m;
  }
  r.uminHi = r.umaxHi = 0;
  r.sminHi = r.uminHi; r.sminLo = r.uminLo; r.smaxHi = r.umaxHi; r.smaxLo = r.umaxLo;
  if (size < 4) mark32Unbounded(r);
  boundsSync(r);
}

/** Sign-extends the low `size` bytes (movsx / ldsx). */
export function signExtend(r: Bounds, size: number): void {
  const bits = size * 8;
  const lo = -(1n << BigInt(bits - 1)), hi = (1n << BigInt(bits - 1)) - 1n;
  if (r.isConst()) {
    markKnown(r, BigInt.asIntN(bits, r.varOff.value));
    return;
  }
  const inRange = r.smin >= lo && r.smax <= hi;
  const smin = inRange ? r.smin : lo, smax = inRange ? r.smax : hi;
  markUnknown(r);
  r.smin = smin; r.smax = smax;
  r.s32min = Number(smin); r.s32max = Number(smax);
  boundsSync(r);
}

/** The 32-bit sign-extending variant (movsx32): extend within the subregister, zero the top. */
export function signExtend32(r: Bounds, size: number): void {
  signExtend(r, size);
  zext32To64(r);
  boundsSync(r);
}
