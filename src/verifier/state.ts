/**
 * Abstract machine state: registers (typed pointers and scalars), stack slots per frame, acquired
 * references, and the parentage links used by state pruning — after the kernel's bpf_reg_state,
 * bpf_func_state and bpf_verifier_state.
 */
import { tnumInFields } from './tnum.js';
import { ule, sle } from './u64.js';
import { Bounds, markKnown, markKnownBits, markUnknown } from './scalar.js';

/** Register types (the kernel's enum bpf_reg_type, with PTR_MAYBE_NULL folded into *_OR_NULL). */
export const RegType = {
  NOT_INIT: 0,
  SCALAR: 1,
  CTX: 2,
  MAP_PTR: 3,
  MAP_VALUE: 4,
  MAP_VALUE_OR_NULL: 5,
  STACK: 6,
  PKT_META: 7,
  PKT: 8,
  PKT_END: 9,
  /** Ringbuf memory (MEM_RINGBUF | PTR_TO_MEM), `memSize` bytes. */
  RINGBUF_MEM: 10,
  RINGBUF_MEM_OR_NULL: 11,
  MAP_KEY: 12,
  FUNC: 13,
  /** Sockets (struct bpf_sock, bpf_sock common fields, bpf_tcp_sock views of a kernel socket). */
  SOCKET: 14,
  SOCKET_OR_NULL: 15,
  SOCK_COMMON: 16,
  SOCK_COMMON_OR_NULL: 17,
  TCP_SOCK: 18,
  TCP_SOCK_OR_NULL: 19,
  /** An AF_XDP socket (struct bpf_xdp_sock) from an XSKMAP lookup. */
  XDP_SOCK: 20,
  /** Memory of `memSize` bytes (PTR_TO_MEM): a global function's pointer argument. */
  MEM: 21,
  MEM_OR_NULL: 22,
} as const;
export type RegType = (typeof RegType)[keyof typeof RegType];

/** The log's name of each register type (reg_type_str). */
export const REG_TYPE_NAMES: readonly string[] = [
  '?', 'scalar', 'ctx', 'map_ptr', 'map_value', 'map_value_or_null', 'fp', 'pkt_meta', 'pkt', 'pkt_end',
  'ringbuf_mem', 'ringbuf_mem_or_null', 'map_key', 'func',
  'sock', 'sock_or_null', 'sock_common', 'sock_common_or_null', 'tcp_sock', 'tcp_sock_or_null', 'xdp_sock',
  'mem', 'mem_or_null',
];

export const isPktPointer = (t: number): boolean => t === RegType.PKT || t === RegType.PKT_META;
/** The non-null counterpart of each *_OR_NULL type. */
const NOT_NULL: Readonly<Record<number, number>> = {
  [RegType.MAP_VALUE_OR_NULL]: RegType.MAP_VALUE,
  [RegType.RINGBUF_MEM_OR_NULL]: RegType.RINGBUF_MEM,
  [RegType.MEM_OR_NULL]: RegType.MEM,
  [RegType.SOCKET_OR_NULL]: RegType.SOCKET,
  [RegType.SOCK_COMMON_OR_NULL]: RegType.SOCK_COMMON,
  [RegType.TCP_SOCK_OR_NULL]: RegType.TCP_SOCK,
};
export const isMaybeNull = (t: number): boolean => NOT_NULL[t] !== undefined;
/** The non-null counterpart of a *_OR_NULL type. */
export const notNullType = (t: number): number => NOT_NULL[t] ?? t;

/** pkt range markers of the kernel: the pointer is at / beyond pkt_end. */
export const AT_PKT_END = -1, BEYOND_PKT_END = -2;

export const MAX_BPF_REG = 11;
export const BPF_REG_FP = 10;
export const MAX_BPF_STACK = 512;
export const BPF_REG_SIZE = 8;
export const MAX_CALL_FRAMES = 8;
/** Every 8-byte slot of a frame's stack (bit spi). */
export const ALL_SLOTS = (1n << 64n) - 1n;

/** One register's abstract value. */
export class Reg extends Bounds {
  type: number = RegType.NOT_INIT;
  /** Fixed offset of a pointer. */
  off = 0;
  /** Packet range (bytes after the pointer known to be inside the packet). */
  range = 0;
  id = 0;
  refObjId = 0;
  /** Map index (map_ptr, map_value, map_key). */
  mapIdx = -1;
  /** Size of ringbuf memory. */
  memSize = 0;
  /** Frame of a stack pointer. */
  frameno = 0;
  /** Subprogram of a func pointer. */
  subprog = 0;

  copyFrom(o: Reg): this {
    this.type = o.type; this.off = o.off; this.range = o.range; this.id = o.id; this.refObjId = o.refObjId;
    this.mapIdx = o.mapIdx; this.memSize = o.memSize; this.frameno = o.frameno; this.subprog = o.subprog;
    return this.copyBounds(o);
  }
  clone(): Reg {
    return new Reg().copyFrom(this);
  }
  /** Resets every field but the type-specific ones (__mark_reg_unknown's base). */
  private resetPtrFields(): void {
    this.off = 0; this.range = 0; this.id = 0; this.refObjId = 0; this.mapIdx = -1; this.memSize = 0;
    this.frameno = 0; this.subprog = 0;
  }
  markNotInit(): void {
    this.resetPtrFields();
    markUnknown(this);
    this.type = RegType.NOT_INIT;
  }
  markUnknown(): void {
    this.resetPtrFields();
    markUnknown(this);
    this.type = RegType.SCALAR;
  }
  markKnown(v: bigint): void {
    this.resetPtrFields();
    markKnown(this, v);
    this.type = RegType.SCALAR;
  }
  /** A known scalar of 32-bit halves hi:lo. */
  markKnownBits(hi: number, lo: number): void {
    this.resetPtrFields();
    markKnownBits(this, hi, lo);
    this.type = RegType.SCALAR;
  }
  /** A pointer of `type` with zero offsets (the start of a new object). */
  markPtr(type: number): void {
    this.resetPtrFields();
    markKnownBits(this, 0, 0);
    this.type = type;
  }
  isPointer(): boolean {
    return this.type !== RegType.SCALAR && this.type !== RegType.NOT_INIT;
  }
}

/**
 * Set TSBPF_VERIFIER_CHECK_SHARING=1 to freeze every register that frames share: a write that
 * skips `FuncState.reg` then throws (tests run with it).
 */
const CHECK_SHARING = process.env.TSBPF_VERIFIER_CHECK_SHARING === '1';
/** The register of every NOT_INIT slot set by `setNotInit` (never written: frames own a copy first). */
const NOT_INIT_REG = new Reg();
if (CHECK_SHARING) Object.freeze(NOT_INIT_REG);

export const STACK_INVALID = 0, STACK_SPILL = 1, STACK_MISC = 2, STACK_ZERO = 3;
export const SLOT_TYPE_CHARS = '?rm0';

/**
 * One call frame: registers and its 512-byte stack. The stack (`stype` and `spilled`) is shared
 * copy-on-write between a frame and its clones: call `ownStack()` before writing either of them.
 * Spilled registers are never modified in place (they may belong to several stacks): a changed
 * spill is a new Reg stored in the slot.
 */
export class FuncState {
  /**
   * Registers, for reading. An entry may be shared with copies of this frame and must not be
   * modified through this array: `reg(i)` gives a register to write.
   */
  regs: Reg[];
  /** Registers (bit i) that are this frame's own, not shared with a copy. */
  private ownedRegs = 0;
  /**
   * Slot types of the stack bytes, 2 bits per byte, a 16-bit word per 8-byte slot: byte
   * `i = -off - 1` is bits `2 * (i & 7)` of `stype[i >> 3]` (read-only unless owned; see byteType).
   * One word per allocated slot.
   */
  stype: number[];
  /**
   * Spilled register of each allocated 8-byte slot, valid when its bytes are STACK_SPILL
   * (read-only unless owned).
   */
  spilled: (Reg | undefined)[];
  /** Bytes of stack in use (multiple of 8): the slots `stype` and `spilled` have. */
  allocated = 0;
  frameno: number;
  /** Instruction of the call that created this frame (-1 for the main frame). */
  callsite: number;
  subprog: number;
  /** Inside a bpf_loop / for_each callback: the accepted return range. */
  inCallback = false;
  /** Set while `stype` and `spilled` may also belong to another frame. */
  private stackShared = false;

  constructor(frameno: number, callsite: number, subprog: number, copy?: FuncState) {
    this.frameno = frameno;
    this.callsite = callsite;
    this.subprog = subprog;
    if (copy) {
      // Registers are shared copy-on-write too: neither frame owns them any more.
      this.regs = copy.regs.slice();
      copy.ownedRegs = 0;
      this.stype = copy.stype;
      this.spilled = copy.spilled;
      if (CHECK_SHARING) for (const r of [...this.regs, ...this.spilled]) if (r) Object.freeze(r);
      this.stackShared = copy.stackShared = true;
      this.allocated = copy.allocated;
      this.inCallback = copy.inCallback;
    } else {
      this.regs = new Array<Reg>(MAX_BPF_REG).fill(NOT_INIT_REG);
      this.stype = [];
      this.spilled = [];
    }
  }
  clone(): FuncState {
    return new FuncState(this.frameno, this.callsite, this.subprog, this);
  }
  /** Slot type (STACK_*) of stack byte `i` (`-off - 1`). */
  byteType(i: number): number {
    return (this.stype[i >> 3] >> ((i & 7) << 1)) & 3;
  }
  /** Sets the slot type of stack byte `i` (after `ownStack`). */
  setByteType(i: number, t: number): void {
    const sh = (i & 7) << 1;
    this.stype[i >> 3] = (this.stype[i >> 3] & ~(3 << sh)) | (t << sh);
  }
  /**
   * Whether every byte of slot `spi` is STACK_MISC or STACK_ZERO, or also STACK_INVALID when
   * `invalidOk`, or STACK_SPILL when `spillOk`.
   */
  slotReadable(spi: number, invalidOk: boolean, spillOk: boolean): boolean {
    const w = this.stype[spi], lo = w & LOW_BITS, hi = (w >> 1) & LOW_BITS;
    // A field 01 is STACK_SPILL, 00 STACK_INVALID.
    return (spillOk || (lo & ~hi) === 0) && (invalidOk || (~(lo | hi) & LOW_BITS) === 0);
  }
  /** The bytes of slot `spi` that are not STACK_INVALID become STACK_MISC (after `ownStack`). */
  slotToMisc(spi: number): void {
    const w = this.stype[spi];
    // Each non-zero 2-bit field becomes STACK_MISC (2).
    const nonZero = (w | (w >> 1)) & 0x5555;
    this.stype[spi] = nonZero << 1;
  }
  /** Register `i` to write: this frame's own copy of it. */
  reg(i: number): Reg {
    const r = this.regs[i];
    if ((this.ownedRegs >> i) & 1) return r;
    this.ownedRegs |= 1 << i;
    return (this.regs[i] = r.clone());
  }
  /**
   * Register `i`, to store somewhere else as well (a spill slot, another register): it becomes
   * shared, so the next write to register `i` copies it first.
   */
  share(i: number): Reg {
    this.ownedRegs &= ~(1 << i);
    const r = this.regs[i];
    if (CHECK_SHARING) Object.freeze(r);
    return r;
  }
  /** Sets register `i` to `r`, which stays shared (spilled registers, `share`). */
  setShared(i: number, r: Reg): void {
    this.regs[i] = r;
    this.ownedRegs &= ~(1 << i);
    if (CHECK_SHARING) Object.freeze(r);
  }
  /** Makes register `i` NOT_INIT (mark_reg_not_init), sharing one unwritable register. */
  setNotInit(i: number): void {
    this.regs[i] = NOT_INIT_REG;
    this.ownedRegs &= ~(1 << i);
  }
  /** Grows the stack to `bytes` (a multiple of 8, more than `allocated`): new slots are STACK_INVALID. */
  growStack(bytes: number): void {
    this.ownStack();
    for (let spi = this.allocated >> 3; spi < bytes >> 3; spi++) {
      this.stype.push(0);
      this.spilled.push(undefined);
    }
    this.allocated = bytes;
  }
  /** Gives this frame its own copy of a shared stack, before a write. */
  ownStack(): void {
    if (!this.stackShared) return;
    this.stype = this.stype.slice();
    this.spilled = this.spilled.slice();
    this.stackShared = false;
  }
}

/** An acquired reference (ringbuf reservation). */
export interface RefState {
  id: number;
  insn: number;
}

/**
 * Instructions processed along a path (and linked-register entries, negative), as a segment of
 * its own entries after a prefix shared with the paths it was copied from: copying a path's
 * history is O(1).
 */
export class History {
  readonly entries: number[] = [];
  /**
   * Entries the kernel's jmp_history holds for this path since its checkpoint (jump targets,
   * register spills and fills, linked-register sets; at most one per instruction).
   */
  jmpCnt = 0;
  constructor(readonly prefix: History | null = null, readonly prefixLen = 0) {}
  push(e: number): void {
    this.entries.push(e);
  }
  /** A fresh segment continuing from everything recorded so far. */
  fork(): History {
    const h = this.entries.length ? new History(this, this.entries.length) : new History(this.prefix, this.prefixLen);
    h.jmpCnt = this.jmpCnt;
    return h;
  }
}

/** The whole machine state along one path. */
export class VState {
  frames: FuncState[];
  refs: RefState[];
  /** Nearest checkpoint this path descends from. */
  parent: VState | null = null;
  /** Live paths descending from this state (for checkpoints: unfinished exploration). */
  branches = 1;
  insnIdx = 0;
  /** Checkpoint bookkeeping (is_state_visited's hit/miss heuristics). */
  hitCnt = 0;
  missCnt = 0;
  /**
   * Set on a checkpoint when some path below it took a decision from a scalar's value (a
   * predicted branch): pruning against it then compares every scalar exactly.
   */
  allPrecise = false;
  /** Checkpoints: registers (innermost frame) whose values later decisions depended on. */
  precise = 0;
  /** Checkpoints: spilled stack slots (bit spi, innermost frame) whose values later decisions depended on: slots 0-31. */
  preciseStackLo = 0;
  /** Checkpoints: the precise spilled slots 32-63 (bit spi - 32). */
  preciseStackHi = 0;
  /**
   * Checkpoints: `frame * MAX_BPF_REG + regno` of the register that made the last states_equal
   * against this checkpoint fail (-1: none), checked first next time.
   */
  failReg = -1;
  /** Checkpoints: `frame * 64 + spi` of the stack slot that made the last states_equal fail (-1: none). */
  failSlot = -1;
  /** Instructions processed on this path since `parent` (for checkpoints: the path into them). */
  history = new History();
  /** Instruction index of the last jump processed into this state (for the branch log). */
  constructor(frames: FuncState[], refs: RefState[] = []) {
    this.frames = frames;
    this.refs = refs;
  }
  get cur(): FuncState {
    return this.frames[this.frames.length - 1];
  }
  /** A copy of this path's state: both paths continue in fresh history segments after the shared prefix. */
  clone(): VState {
    const s = this.copyState();
    s.history = this.history.fork();
    this.history = this.history.fork();
    return s;
  }
  /** A checkpoint of this state: it takes the history so far, and this path starts a new one. */
  checkpoint(): VState {
    const s = this.copyState();
    s.history = this.history;
    this.history = new History();
    return s;
  }
  private copyState(): VState {
    const n = this.frames.length, frames = new Array<FuncState>(n);
    for (let i = 0; i < n; i++) frames[i] = this.frames[i].clone();
    const refs: RefState[] = [];
    for (const r of this.refs) refs.push({ id: r.id, insn: r.insn });
    const s = new VState(frames, refs);
    s.parent = this.parent;
    s.branches = this.branches;
    s.insnIdx = this.insnIdx;
    return s;
  }
}

/** Old-id → cur-id correspondence built while comparing two states (check_ids). */
export class IdMap {
  private old: number[] = [];
  private cur: number[] = [];
  private n = 0;
  private tmp = 0;
  reset(): void {
    this.n = 0;
    this.tmp = 0x40000000;
  }
  check(oldId: number, curId: number): boolean {
    if (!oldId !== !curId) return false;
    if (!oldId) return true;
    for (let i = 0; i < this.n; i++) {
      if (this.old[i] === oldId) return this.cur[i] === curId;
      if (this.cur[i] === curId) return false;
    }
    this.old[this.n] = oldId;
    this.cur[this.n++] = curId;
    return true;
  }
  checkScalar(oldId: number, curId: number): boolean {
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

/** Comparison mode of states_equal. */
export const NOT_EXACT = 0, RANGE_WITHIN = 1, EXACT = 2;

const rangeWithin = (o: Reg, c: Reg): boolean =>
  ule(o.uminHi, o.uminLo, c.uminHi, c.uminLo) && ule(c.umaxHi, c.umaxLo, o.umaxHi, o.umaxLo) &&
  sle(o.sminHi, o.sminLo, c.sminHi, c.sminLo) && sle(c.smaxHi, c.smaxLo, o.smaxHi, o.smaxLo) &&
  o.u32min <= c.u32min && o.u32max >= c.u32max && o.s32min <= c.s32min && o.s32max >= c.s32max;

function sameFields(o: Reg, c: Reg): boolean {
  return o.type === c.type && o.off === c.off && o.range === c.range && o.mapIdx === c.mapIdx && o.memSize === c.memSize &&
    o.frameno === c.frameno && o.subprog === c.subprog;
}

const sameBounds = (o: Reg, c: Reg): boolean =>
  o.vHi === c.vHi && o.vLo === c.vLo && o.mHi === c.mHi && o.mLo === c.mLo &&
  o.sminHi === c.sminHi && o.sminLo === c.sminLo && o.smaxHi === c.smaxHi && o.smaxLo === c.smaxLo &&
  o.uminHi === c.uminHi && o.uminLo === c.uminLo && o.umaxHi === c.umaxHi && o.umaxLo === c.umaxLo &&
  o.s32min === c.s32min && o.s32max === c.s32max && o.u32min === c.u32min && o.u32max === c.u32max;

function regsExact(o: Reg, c: Reg, idmap: IdMap): boolean {
  return sameFields(o, c) && sameBounds(o, c) && idmap.check(o.id, c.id) && idmap.check(o.refObjId, c.refObjId);
}

/**
 * Whether regsafe(o, c) fails whatever the id mapping holds (the id-free part of regsafe): a
 * quick rejection that leaves the outcome of states_equal unchanged.
 */
function surelyUnsafe(o: Reg, c: Reg, exact: number, precise: boolean): boolean {
  if (o.type === RegType.NOT_INIT) return exact !== NOT_EXACT && c.type !== RegType.NOT_INIT;
  if (c.type === RegType.NOT_INIT) return true;
  if (exact === EXACT) return !sameFields(o, c) || !sameBounds(o, c);
  if (o.type !== c.type) return true;
  switch (o.type) {
    case RegType.SCALAR:
      if (!precise && exact === NOT_EXACT) return false;
      return !rangeWithin(o, c) || !tnumInFields(o, c);
    case RegType.MAP_VALUE: case RegType.MAP_KEY: case RegType.RINGBUF_MEM:
      return !sameFields(o, c) || !rangeWithin(o, c) || !tnumInFields(o, c);
    case RegType.PKT: case RegType.PKT_META:
      return o.range > c.range || o.off !== c.off || !rangeWithin(o, c) || !tnumInFields(o, c);
    default:
      return !sameFields(o, c) || !sameBounds(o, c);
  }
}

/**
 * regsafe: is every behaviour allowed from `cur` already proven safe from `old`? An imprecise
 * scalar (one whose value cannot influence any later decision) matches any scalar.
 */
export function regsafe(o: Reg, c: Reg, idmap: IdMap, exact: number, precise = true): boolean {
  if (o.type === RegType.NOT_INIT) return exact === NOT_EXACT || c.type === RegType.NOT_INIT;
  if (c.type === RegType.NOT_INIT) return false;
  if (exact === EXACT) return regsExact(o, c, idmap);
  if (o.type !== c.type) return false;
  switch (o.type) {
    case RegType.SCALAR:
      if (!precise && exact === NOT_EXACT) return true;
      // The id mapping last: a failed comparison ends states_equal, whatever the map holds.
      return rangeWithin(o, c) && tnumInFields(o, c) && idmap.checkScalar(o.id, c.id);
    case RegType.MAP_VALUE: case RegType.MAP_KEY: case RegType.RINGBUF_MEM: case RegType.MEM:
      return sameFields(o, c) && rangeWithin(o, c) && tnumInFields(o, c) &&
        idmap.check(o.id, c.id) && idmap.check(o.refObjId, c.refObjId);
    case RegType.PKT: case RegType.PKT_META:
      return o.range <= c.range && o.off === c.off && rangeWithin(o, c) && tnumInFields(o, c) && idmap.check(o.id, c.id);
    default:
      return regsExact(o, c, idmap);
  }
}

const fakeUnknown = new Reg();
fakeUnknown.markUnknown();

/** Every byte of a slot word STACK_MISC; the low bit of each byte's field (set for SPILL and ZERO). */
const ALL_MISC = 0xaaaa, LOW_BITS = 0x5555;

/**
 * A 64-bit spilled scalar or an all-MISC slot (uninitialised bytes count as MISC when
 * `allowUninit`) as a scalar register, else undefined (scalar_reg_for_stack). A narrower spill
 * leaves bytes of other types beside it, compared byte by byte.
 */
function scalarForStack(f: FuncState, spi: number, allowUninit: boolean): Reg | undefined {
  const sp = f.spilled[spi];
  const w = f.stype[spi];
  if ((w & 3) === STACK_SPILL && sp && sp.type === RegType.SCALAR) return sp;
  return w === ALL_MISC || (allowUninit && (w & LOW_BITS) === 0) ? fakeUnknown : undefined;
}

/** True when bit `spi` (0..63) is set in the slot mask held as two 32-bit halves. */
const slotBit = (lo: number, hi: number, spi: number): boolean => ((spi < 32 ? lo >>> spi : hi >>> (spi - 32)) & 1) !== 0;

/**
 * stacksafe: `old`'s stack subsumes `cur`'s. A spilled scalar whose slot is not in the precise
 * slots (bit spi, as 32-bit halves) matches any scalar, like an imprecise register.
 */
function stacksafe(o: FuncState, c: FuncState, idmap: IdMap, exact: number, allowUninit: boolean,
  preciseLo: number, preciseHi: number, liveLo: number, liveHi: number): number {
  // A stack both frames still share (copy-on-write) holds the same bytes and spilled registers:
  // a slot whose spilled register carries no id subsumes itself whatever the mode.
  const shared = o.stype === c.stype && o.spilled === c.spilled && o.allocated <= c.allocated;
  const deadOk = allowUninit && exact === NOT_EXACT;
  for (let spi = 0; spi * BPF_REG_SIZE < o.allocated; spi++) {
    // slotSafe's quick answers first, without the call: the same slot in both, or a dead one.
    const sp = o.spilled[spi];
    const same = shared || (spi * BPF_REG_SIZE < c.allocated && o.stype[spi] === c.stype[spi] && sp === c.spilled[spi]);
    if (same && (sp === undefined || (sp.id === 0 && sp.refObjId === 0))) continue;
    if (deadOk && !slotBit(liveLo, liveHi, spi)) continue;
    if (!slotSafe(o, c, spi, idmap, exact, allowUninit, preciseLo, preciseHi, liveLo, liveHi)) return spi;
  }
  return -1;
}

/** regsafe, or with `idmap` null its id-free part (false only when regsafe fails whatever the map). */
const regOk = (o: Reg, c: Reg, idmap: IdMap | null, exact: number, precise = true): boolean =>
  (idmap ? regsafe(o, c, idmap, exact, precise) : !surelyUnsafe(o, c, exact, precise));

/** stacksafe for the 8-byte slot `spi` (with `idmap` null, its id-free part). */
function slotSafe(o: FuncState, c: FuncState, spi: number, idmap: IdMap | null, exact: number, allowUninit: boolean,
  preciseLo: number, preciseHi: number, liveLo: number, liveHi: number): boolean {
  // Bytes beyond `cur`'s allocated stack are uninitialised there.
  const cBeyond = spi * BPF_REG_SIZE >= c.allocated;
  const ow = o.stype[spi], cw = cBeyond ? 0 : c.stype[spi];
  const oSpill = (ow >> 14) === STACK_SPILL;
  // The same bytes and the same spilled register (spills are shared between copies of a stack,
  // never modified): the slot subsumes itself in every mode, unless its ids need mapping.
  if (ow === cw && o.spilled[spi] === (cBeyond ? undefined : c.spilled[spi])) {
    const sp = o.spilled[spi];
    if (!oSpill || sp === undefined || (sp.id === 0 && sp.refObjId === 0)) return true;
  }
  if (exact === EXACT) return ow === cw && (!oSpill || regOk(o.spilled[spi]!, c.spilled[spi]!, idmap, exact));
  // A slot no later instruction reads is treated as uninitialised in `old` (clean_live_states);
  // only when privileged, as unprivileged stores also depend on what a slot holds.
  if (allowUninit && exact === NOT_EXACT && !slotBit(liveLo, liveHi, spi)) return true;
  // No byte of `old` that matters (uninitialised ones, and MISC ones when uninitialised reads are allowed).
  if (allowUninit ? (ow & LOW_BITS) === 0 : ow === 0) return true;
  const precise = slotBit(preciseLo, preciseHi, spi);
  // Byte by byte: the first byte that matters decides whether the slot compares as a scalar.
  let scalars = -1;
  for (let j = 0; j < BPF_REG_SIZE; j++) {
    const ot = (ow >> (2 * j)) & 3;
    if (ot === STACK_INVALID) continue;
    if (allowUninit && ot === STACK_MISC) continue;
    if (cBeyond) return false;
    if (scalars < 0) {
      const or = scalarForStack(o, spi, allowUninit), cr = scalarForStack(c, spi, allowUninit);
      if (or && cr) return regOk(or, cr, idmap, exact, precise);
      scalars = 0;
    }
    const ct = (cw >> (2 * j)) & 3;
    if (ot === STACK_MISC && ct === STACK_ZERO) continue;
    if (ot !== ct) return false;
    if (j === 7 && ot === STACK_SPILL && !regOk(o.spilled[spi]!, c.spilled[spi]!, idmap, exact, precise)) return false;
  }
  return true;
}

/**
 * Per-instruction stack slot masks of states_equal, 2 words per instruction (bits of slots 0-31,
 * then 32-63): the spilled slots whose values matter there, or the slots that may still be read.
 */
export type SlotMasks = Int32Array;

/**
 * states_equal: `old` (a checkpoint) subsumes `cur`. `liveMasks(insn)` gives the registers live
 * before an instruction (bit i = Ri; dead registers of `old` are ignored) and `preciseMasks(insn)`
 * the scalar registers whose values matter there; `slotMasks` the spilled stack slots whose
 * values matter at each insn and `liveSlots` the slots that may still be read (see SlotMasks).
 */
export function statesEqual(old: VState, cur: VState, idmap: IdMap, exact: number, liveMasks: (insn: number) => number,
  preciseMasks: (insn: number) => number, slotMasks: SlotMasks, liveSlots: SlotMasks, allowUninit: boolean): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  idmap.reset();
  for (let fi = 0; fi < old.frames.length; fi++) {
    const o = old.frames[fi], c = cur.frames[fi];
    if (o.callsite !== c.callsite || o.inCallback !== c.inCallback) return false;
    // Live registers of the innermost frame are those at the current insn; outer frames resume
    // after their call site.
    const at = fi === old.frames.length - 1 ? old.insnIdx : old.frames[fi + 1].callsite + 1;
    const live = fi === old.frames.length - 1 ? liveMasks(at) : liveMasks(at) & 0x3c0;
    const innermost = fi === old.frames.length - 1;
    const precise = old.allPrecise ? 0x7ff : preciseMasks(at) | (innermost ? old.precise : 0);
    let preciseLo = -1, preciseHi = -1, liveLo = -1, liveHi = -1;
    if (!old.allPrecise) {
      preciseLo = slotMasks[2 * at];
      preciseHi = slotMasks[2 * at + 1];
      if (innermost) {
        preciseLo |= old.preciseStackLo;
        preciseHi |= old.preciseStackHi;
      }
    }
    // Stack liveness is per function: outer frames' stacks may be read through pointers by callees.
    if (innermost) {
      liveLo = liveSlots[2 * at];
      liveHi = liveSlots[2 * at + 1];
    }
    // What failed last time first, id-free: most comparisons fail, most often at the same place.
    const hint = old.failReg - fi * MAX_BPF_REG;
    if (hint >= 0 && hint < MAX_BPF_REG && (exact !== NOT_EXACT || hint === BPF_REG_FP || live & (1 << hint)) &&
      surelyUnsafe(o.regs[hint], c.regs[hint], exact, (precise & (1 << hint)) !== 0)) return false;
    const slotHint = old.failSlot - fi * 64;
    if (slotHint >= 0 && slotHint < 64 && slotHint * BPF_REG_SIZE < o.allocated &&
      !slotSafe(o, c, slotHint, null, exact, allowUninit, preciseLo, preciseHi, liveLo, liveHi)) return false;
    for (let r = 0; r < MAX_BPF_REG; r++) {
      if (exact === NOT_EXACT && r !== BPF_REG_FP && !(live & (1 << r))) continue;
      // A register both states still share (copy-on-write) subsumes itself, unless its ids need mapping.
      const or = o.regs[r], cr = c.regs[r];
      if (or === cr && or.id === 0 && or.refObjId === 0) continue;
      if (!regsafe(or, cr, idmap, exact, (precise & (1 << r)) !== 0)) {
        old.failReg = fi * MAX_BPF_REG + r;
        return false;
      }
    }
    const failed = stacksafe(o, c, idmap, exact, allowUninit, preciseLo, preciseHi, liveLo, liveHi);
    if (failed >= 0) {
      old.failSlot = fi * 64 + failed;
      return false;
    }
  }
  for (let i = 0; i < old.refs.length; i++) if (!idmap.check(old.refs[i].id, cur.refs[i].id)) return false;
  return true;
}
