/**
 * Scalar value tracking as the kernel does it: each scalar register carries a tnum plus signed and
 * unsigned 64- and 32-bit bounds, and every operation keeps them mutually consistent
 * (reg_bounds_sync). 64-bit quantities are bigints (u64 for unsigned, s64 for signed); 32-bit
 * bounds are numbers (s32 / u32).
 */
import {
  type Tnum, TNUM_UNKNOWN, U64_MAX, tnumConst, tnumRange, tnumIntersect, tnumSubreg, tnumClearSubreg,
  tnumOr, tnumAdd, tnumSub, tnumMul, tnumAnd, tnumXor, tnumLshift, tnumRshift, tnumArshift, tnumIsConst, tnumCast, tnumStep,
} from './tnum.js';

export const S64_MIN = -0x8000000000000000n;
export const S64_MAX = 0x7fffffffffffffffn;
export const S32_MIN = -0x80000000;
export const S32_MAX = 0x7fffffff;
export const U32_MAX = 0xffffffff;

/** The numeric part of a register: tnum and the eight bounds. */
export interface Bounds {
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: number;
  s32max: number;
  u32min: number;
  u32max: number;
}

const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s32 = (x: bigint | number): number => (typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : x | 0);
const u32 = (x: bigint | number): number => (typeof x === 'bigint' ? Number(BigInt.asUintN(32, x)) : x >>> 0);
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export function markKnown(r: Bounds, v: bigint): void {
  r.varOff = tnumConst(v);
  r.smin = r.smax = s64(v);
  r.umin = r.umax = u64(v);
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

export function mark32Known(r: Bounds, v: bigint): void {
  r.varOff = tnumOr(tnumClearSubreg(r.varOff), tnumConst(v & 0xffffffffn));
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

export function mark64Unbounded(r: Bounds): void {
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64_MAX;
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
  r.varOff = TNUM_UNKNOWN;
  markUnbounded(r);
}

function updateBounds32(r: Bounds): void {
  // The subregister's known bits as u32 numbers.
  const v = Number(r.varOff.value & 0xffffffffn), m = Number(r.varOff.mask & 0xffffffffn);
  r.s32min = Math.max(r.s32min, v | (m & 0x80000000));
  r.s32max = Math.min(r.s32max, v | (m & 0x7fffffff));
  r.u32min = Math.max(r.u32min, v);
  r.u32max = Math.min(r.u32max, (v | m) >>> 0);
}

const SIGN64 = 1n << 63n;

function updateBounds64(r: Bounds): void {
  const v = r.varOff;
  r.smin = bmax(r.smin, s64(v.value | (v.mask & SIGN64)));
  r.smax = bmin(r.smax, s64(v.value | (v.mask & S64_MAX)));
  r.umin = bmax(r.umin, v.value);
  r.umax = bmin(r.umax, v.value | v.mask);
  // The unsigned range and the tnum may share a single value: the register is known.
  const next = tnumStep(v, r.umin), tmax = v.value | v.mask;
  const uminIn = (r.umin & ~v.mask) === v.value;
  if (uminIn && next > r.umax) markKnown(r, r.umin);
  else if (!uminIn && next === tmax) markKnown(r, tmax);
  else if (!uminIn && next <= r.umax && tnumStep(v, next) > r.umax) markKnown(r, next);
}

/** __update_reg_bounds: tighten the bounds from the tnum. */
export function updateBounds(r: Bounds): void {
  updateBounds32(r);
  updateBounds64(r);
}

function deduce32(r: Bounds): void {
  // The 64-bit bounds as 32-bit halves (numbers): high halves u32, low halves u32.
  const umin = r.umin, umax = r.umax, smin = r.smin, smax = r.smax;
  const uminHi = Number(umin >> 32n), umaxHi = Number(umax >> 32n);
  const uminLo = Number(umin & 0xffffffffn), umaxLo = Number(umax & 0xffffffffn);
  const sminHi = Number((smin >> 32n) & 0xffffffffn), smaxHi = Number((smax >> 32n) & 0xffffffffn);
  const sminLo = Number(smin & 0xffffffffn), smaxLo = Number(smax & 0xffffffffn);
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
  // Upper halves differing by one with the low halves crossing the s32 sign boundary.
  if (uminHi + 1 === umaxHi && (uminLo | 0) < 0 && (umaxLo | 0) >= 0) {
    r.s32min = Math.max(r.s32min, uminLo | 0);
    r.s32max = Math.min(r.s32max, umaxLo | 0);
  }
  if (sminHi + 1 === smaxHi && (sminLo | 0) < 0 && (smaxLo | 0) >= 0) {
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
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = bmax(r.smin, s64(r.umin));
    r.smax = bmin(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = bmax(r.umin, u64(r.smin));
    r.umax = bmin(r.umax, u64(r.smax));
  } else if (r.umax < u64(r.smin)) {
    // The s64 range crosses the sign boundary and the u64 range only meets its [0, smax] end.
    r.smin = s64(r.umin);
    r.umax = bmin(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    // ... or only its [smin, -1] end.
    r.smax = s64(r.umax);
    r.umin = bmax(r.umin, u64(r.smin));
  }
}

const S32_MIN_N = BigInt(S32_MIN), S32_MAX_N = BigInt(S32_MAX);

function deduceMixed(r: Bounds): void {
  // Each 64-bit bound with its low half replaced by the matching u32 bound, when that is tighter:
  // within the same upper half the comparison is one of the low halves.
  const uminLo = Number(r.umin & 0xffffffffn), umaxLo = Number(r.umax & 0xffffffffn);
  const sminLo = Number(r.smin & 0xffffffffn), smaxLo = Number(r.smax & 0xffffffffn);
  if (r.u32min > uminLo) r.umin += BigInt(r.u32min - uminLo);
  if (r.u32max < umaxLo) r.umax -= BigInt(umaxLo - r.u32max);
  if (r.u32min > sminLo) r.smin += BigInt(r.u32min - sminLo);
  if (r.u32max < smaxLo) r.smax -= BigInt(smaxLo - r.u32max);
  if (r.s32min >= 0 && r.smin >= S32_MIN_N && r.smax <= S32_MAX_N) {
    r.smin = BigInt(r.s32min);
    r.smax = BigInt(r.s32max);
    r.umin = BigInt(r.s32min);
    r.umax = BigInt(r.s32max);
    r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
  }
}

function deduceBounds(r: Bounds): void {
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
}

const HI32 = 0xffffffff00000000n;

function boundOffset(r: Bounds): void {
  const v64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  // The subregister intersected with tnum_range(u32min, u32max), computed on u32 numbers.
  const chi = (r.u32min ^ r.u32max) >>> 0;
  const delta = chi ? 2 ** (32 - Math.clz32(chi)) - 1 : 0;
  const mu = Number(v64.mask & 0xffffffffn) & delta;
  const lo = (Number(v64.value & 0xffffffffn) | (r.u32min & ~delta)) & ~mu;
  r.varOff = { value: (v64.value & HI32) | BigInt(lo >>> 0), mask: (v64.mask & HI32) | BigInt(mu >>> 0) };
}

/** reg_bounds_sync: make tnum and all bounds agree. */
export function boundsSync(r: Bounds): void {
  if (r.varOff.mask === 0n) {
    // A known value that every bound admits: the bounds collapse onto it.
    const v = r.varOff.value, sv = BigInt.asIntN(64, v), lo = Number(v & 0xffffffffn);
    if (r.umin <= v && v <= r.umax && r.smin <= sv && sv <= r.smax && r.u32min <= lo && lo <= r.u32max &&
      r.s32min <= (lo | 0) && (lo | 0) <= r.s32max) {
      markKnown(r, v);
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
  return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max ||
    (r.varOff.value & r.varOff.mask) !== 0n ||
    r.umin > (r.varOff.value | r.varOff.mask) || r.umax < r.varOff.value;
}

/** Zero-extends the 32-bit subregister into the full register (after ALU32 ops). */
export function zext32To64(r: Bounds): void {
  r.varOff = tnumSubreg(r.varOff);
  r.umin = BigInt(r.u32min);
  r.umax = BigInt(r.u32max);
  if (r.s32min >= 0 && r.s32max >= 0) {
    r.smin = BigInt(r.s32min);
    r.smax = BigInt(r.s32max);
  } else {
    r.smin = 0n;
    r.smax = BigInt(U32_MAX);
  }
}

/** Number of significant bits: 32 when the value fits in u32, else 64 (get_reg_width). */
export const regWidth = (r: Bounds): number => (r.umax <= BigInt(U32_MAX) ? 32 : 64);

const ovf32 = (x: number): boolean => x < S32_MIN || x > S32_MAX;
const ovfU32 = (x: number): boolean => x < 0 || x > U32_MAX;
const ovf64 = (x: bigint): boolean => x < S64_MIN || x > S64_MAX;
const ovfU64 = (x: bigint): boolean => x < 0n || x > U64_MAX;

function add32(d: Bounds, s: Bounds): void {
  const a = d.s32min + s.s32min, b = d.s32max + s.s32max;
  if (ovf32(a) || ovf32(b)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = a; d.s32max = b; }
  const c = d.u32min + s.u32min, e = d.u32max + s.u32max;
  if (!ovfU32(c) && ovfU32(e)) { d.u32min = 0; d.u32max = U32_MAX; } else { d.u32min = c >>> 0; d.u32max = e >>> 0; }
}
function add64(d: Bounds, s: Bounds): void {
  const a = d.smin + s.smin, b = d.smax + s.smax;
  if (ovf64(a) || ovf64(b)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = a; d.smax = b; }
  const c = d.umin + s.umin, e = d.umax + s.umax;
  if (!ovfU64(c) && ovfU64(e)) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin = u64(c); d.umax = u64(e); }
}
function sub32(d: Bounds, s: Bounds): void {
  const a = d.s32min - s.s32max, b = d.s32max - s.s32min;
  if (ovf32(a) || ovf32(b)) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = a; d.s32max = b; }
  const c = d.u32min - s.u32max, e = d.u32max - s.u32min;
  if (ovfU32(c) && !ovfU32(e)) { d.u32min = 0; d.u32max = U32_MAX; } else { d.u32min = c >>> 0; d.u32max = e >>> 0; }
}
function sub64(d: Bounds, s: Bounds): void {
  const a = d.smin - s.smax, b = d.smax - s.smin;
  if (ovf64(a) || ovf64(b)) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = a; d.smax = b; }
  const c = d.umin - s.umax, e = d.umax - s.umin;
  if (ovfU64(c) && !ovfU64(e)) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin = u64(c); d.umax = u64(e); }
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
  if (s64(d.umin) <= s64(d.umax)) { d.smin = s64(d.umin); d.smax = s64(d.umax); } else { d.smin = S64_MIN; d.smax = S64_MAX; }
}
const subregConst = (t: Tnum): boolean => (t.mask & 0xffffffffn) === 0n;

function bitop32(d: Bounds, s: Bounds, op: 'and' | 'or' | 'xor', srcKnown: boolean): void {
  const v = tnumSubreg(d.varOff);
  if (srcKnown && subregConst(d.varOff)) { mark32Known(d, v.value); return; }
  if (op === 'and') { d.u32min = u32(v.value); d.u32max = Math.min(d.u32max, s.u32max); }
  else if (op === 'or') { d.u32min = Math.max(d.u32min, s.u32min); d.u32max = u32(v.value | v.mask); }
  else { d.u32min = u32(v.value); d.u32max = u32(v.value | v.mask); }
  signedFromUnsigned32(d);
}
function bitop64(d: Bounds, s: Bounds, op: 'and' | 'or' | 'xor', srcKnown: boolean): void {
  const v = d.varOff;
  if (srcKnown && tnumIsConst(v)) { markKnown(d, v.value); return; }
  if (op === 'and') { d.umin = v.value; d.umax = bmin(d.umax, s.umax); }
  else if (op === 'or') { d.umin = bmax(d.umin, s.umin); d.umax = v.value | v.mask; }
  else { d.umin = v.value; d.umax = v.value | v.mask; }
  signedFromUnsigned64(d);
  updateBounds(d);
}

function lsh32Bounds(d: Bounds, umin: number, umax: number): void {
  d.s32min = S32_MIN; d.s32max = S32_MAX;
  if (umax > 31 || d.u32max > 2 ** (31 - umax)) { d.u32min = 0; d.u32max = U32_MAX; }
  else { d.u32min = (d.u32min * 2 ** umin) >>> 0; d.u32max = (d.u32max * 2 ** umax) >>> 0; }
}
function lsh64Bounds(d: Bounds, umin: number, umax: number): void {
  d.smax = umin === 32 && umax === 32 && d.s32max >= 0 ? BigInt(d.s32max) << 32n : S64_MAX;
  d.smin = umin === 32 && umax === 32 && d.s32min >= 0 ? BigInt(d.s32min) << 32n : S64_MIN;
  if (d.umax > 1n << BigInt(63 - umax)) { d.umin = 0n; d.umax = U64_MAX; }
  else { d.umin = u64(d.umin << BigInt(umin)); d.umax = u64(d.umax << BigInt(umax)); }
}

/** Operations of adjust_scalar_min_max_vals, indexed by the ALU op nibble. */
export type AluOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh' | 'neg';

/** Applies `dst = dst OP src` to scalar bounds (`alu32` for the 32-bit class), then syncs them. */
export function scalarAlu(d: Bounds, s: Bounds, op: AluOp, alu32: boolean): void {
  const width: 32 | 64 = alu32 ? 32 : 64;
  const srcConst = alu32
    ? subregConst(s.varOff) && s.s32min === s.s32max && s.u32min === s.u32max
    : tnumIsConst(s.varOff) && s.smin === s.smax && s.umin === s.umax;
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && !(srcConst && s.umax < BigInt(width))) {
    markUnknown(d);
    return;
  }
  if (tnumIsConst(d.varOff) && tnumIsConst(s.varOff) && op !== 'mul') {
    // Both operands known: the exact result (what the bounds arithmetic converges to).
    markKnown(d, constAlu(d.varOff.value, s.varOff.value, op, width));
    return;
  }
  switch (op) {
    case 'add': add32(d, s); add64(d, s); d.varOff = tnumAdd(d.varOff, s.varOff); break;
    case 'sub': sub32(d, s); sub64(d, s); d.varOff = tnumSub(d.varOff, s.varOff); break;
    case 'neg': {
      const old: Bounds = { ...d };
      markKnown(d, 0n);
      sub32(d, old); sub64(d, old);
      d.varOff = tnumSub(tnumConst(0n), old.varOff);
      break;
    }
    case 'mul': d.varOff = tnumMul(d.varOff, s.varOff); mul32(d, s); mul64(d, s); break;
    case 'and': case 'or': case 'xor': {
      d.varOff = op === 'and' ? tnumAnd(d.varOff, s.varOff) : op === 'or' ? tnumOr(d.varOff, s.varOff) : tnumXor(d.varOff, s.varOff);
      bitop32(d, s, op, subregConst(s.varOff));
      bitop64(d, s, op, tnumIsConst(s.varOff));
      break;
    }
    case 'lsh': {
      const umin = Number(s.umin), umax = Number(s.umax);
      if (alu32) {
        const sub = tnumSubreg(d.varOff);
        lsh32Bounds(d, umin, umax);
        d.varOff = tnumSubreg(tnumLshift(sub, umin));
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        lsh64Bounds(d, umin, umax);
        lsh32Bounds(d, umin, umax);
        d.varOff = tnumLshift(d.varOff, umin);
        updateBounds(d);
      }
      break;
    }
    case 'rsh': {
      const umin = Number(s.umin), umax = Number(s.umax);
      if (alu32) {
        const sub = tnumSubreg(d.varOff);
        d.s32min = S32_MIN; d.s32max = S32_MAX;
        d.varOff = tnumRshift(sub, umin);
        d.u32min = Math.floor(d.u32min / 2 ** umax);
        d.u32max = Math.floor(d.u32max / 2 ** umin);
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        d.smin = S64_MIN; d.smax = S64_MAX;
        d.varOff = tnumRshift(d.varOff, umin);
        d.umin >>= BigInt(umax);
        d.umax >>= BigInt(umin);
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    }
    case 'arsh': {
      const sh = Number(s.umin);
      if (alu32) {
        d.s32min >>= sh; d.s32max >>= sh;
        d.varOff = tnumArshift(tnumSubreg(d.varOff), sh, 32);
        d.u32min = 0; d.u32max = U32_MAX;
        mark64Unbounded(d);
        updateBounds32(d);
      } else {
        d.smin >>= BigInt(sh); d.smax >>= BigInt(sh);
        d.varOff = tnumArshift(d.varOff, sh, 64);
        d.umin = 0n; d.umax = U64_MAX;
        mark32Unbounded(d);
        updateBounds(d);
      }
      break;
    }
  }
  if (alu32) zext32To64(d);
  boundsSync(d);
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
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin; r.smax = r.umax;
  if (size < 4) mark32Unbounded(r);
  boundsSync(r);
}

/** Sign-extends the low `size` bytes (movsx / ldsx). */
export function signExtend(r: Bounds, size: number): void {
  const bits = size * 8;
  const lo = -(1n << BigInt(bits - 1)), hi = (1n << BigInt(bits - 1)) - 1n;
  if (tnumIsConst(r.varOff)) {
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
