/**
 * The base of every VM map: identity and sizes, the program-side contract the interpreter uses,
 * the bpf(2)-level userspace operations, and the convenience API built on them (lookupElem,
 * entries(), batch operations, `bpftool -j map dump` output).
 *
 * ## Interface contract with the VM (memory model + interpreter)
 * - `values` is the map's value storage: ONE Uint8Array allocated at creation and never
 *   reallocated. The memory model registers it as one region; a map_value pointer is
 *   region base + the offset `lookup()` returns.
 * - Per-CPU maps use one slab with a per-CPU stride: the value of slot `s` on CPU `c` starts at
 *   `s * slotSize + c * cpuStride`, where `cpuStride = roundUp(valueSize, 8)` and
 *   `slotSize = nCpus * cpuStride`. Non-per-CPU maps have `cpuStride === 0`.
 * - `lookup(key, keyOff, cpu)` → byte offset into `values`, or -1; `update(…)`/`delete(…)` → 0 or
 *   -errno. Keys are read from the caller's bytes (the VM passes its own memory), nothing is
 *   allocated on these paths.
 * - Storage is sized for max_entries at creation even with BPF_F_NO_PREALLOC (it must never
 *   move); the flag changes nothing else observable, as in the kernel.
 * - Other helpers map to type-specific methods, listed in index.ts.
 */
import { BPF_ANY, BPF_F, BPF_F_LOCK, mapTypeName } from '../../uapi/index.js';
import { LoadError, TsbpfError } from '../../errors.js';
import { ERRNO, strerror } from './errno.js';

const { ENOENT, ENOTSUPP, EINVAL, EPERM } = ERRNO;

/** A userspace value: bytes, or for per-CPU maps one Uint8Array per CPU. */
export type MapValue = Uint8Array | Uint8Array[];

/** A bpf_for_each_map_elem callback: key bytes at keys[keyOff…], value at `values[valueOff…]`; non-zero stops. */
export type ForEachCallback = (keys: Uint8Array, keyOff: number, valueOff: number) => number;

/** One element of `bpftool -j map dump`. */
export type DumpEntry =
  | { key: string[]; value: string[] }
  | { key: string[]; values: { cpu: number; value: string[] }[] }
  | { key: string[]; value: { error: string } };

/** Result of a batch lookup (BPF_MAP_LOOKUP_BATCH / BPF_MAP_LOOKUP_AND_DELETE_BATCH). */
export interface BatchResult<V extends MapValue> {
  /** 0, or -errno: -ENOENT when the end of the map was reached (entries may still be returned). */
  err: number;
  keys: Uint8Array[];
  values: V[];
  /** The token to pass as `inBatch` to continue (the kernel's out_batch bytes). */
  outBatch: Uint8Array | undefined;
}

/** Bad arguments to a map's userspace API (wrong key or value length…) or a map that cannot be created. */
export class MapError extends TsbpfError {
  /** The errno (positive) the kernel's bpf(2) would fail with, when there is one. */
  readonly errno: number | undefined;
  constructor(message: string, errno?: number) {
    super(message);
    this.errno = errno;
  }
}

/** A map the VM cannot create (what the kernel's BPF_MAP_CREATE refuses), with the kernel's errno. */
export class MapCreateError extends LoadError {
  constructor(message: string, readonly errno: number) {
    super(`${message} (${strerror(errno)})`);
  }
}

/** Sizes and flags every map has (the kernel's `struct bpf_map` attributes). */
export interface MapAttrs {
  type: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  mapExtra: bigint;
  nCpus: number;
  /** Offset of a `struct bpf_spin_lock` in the value (from BTF); enables BPF_F_LOCK. */
  spinLockOffset?: number;
}

let nextId = 1;
const live = new Map<number, WeakRef<BpfMap<MapValue>>>();
const forget = new FinalizationRegistry<number>((id) => live.delete(id));

/** The live VM map with this id (map ids play the role of map fds in map-in-map updates). */
export function mapById(id: number): BpfMap<MapValue> | undefined {
  return live.get(id)?.deref();
}

export function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

export abstract class BpfMap<V extends MapValue = Uint8Array> {
  /** Unique id, like the kernel's map id. */
  readonly id: number;
  readonly type: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly mapExtra: bigint;
  /** Number of CPUs per-CPU storage is sized for. */
  readonly nCpus: number;
  readonly spinLockOffset: number | undefined;
  /** The value storage (one memory region, never reallocated). */
  abstract readonly values: Uint8Array;
  /** True for maps with one value per CPU. */
  readonly perCpu: boolean = false;
  /** Bytes between consecutive CPUs' values in a per-CPU slot; 0 for other maps. */
  readonly cpuStride: number = 0;

  constructor(attrs: MapAttrs) {
    this.id = nextId++;
    this.type = attrs.type;
    this.name = attrs.name;
    this.keySize = attrs.keySize;
    this.valueSize = attrs.valueSize;
    this.maxEntries = attrs.maxEntries;
    this.flags = attrs.flags;
    this.mapExtra = attrs.mapExtra;
    this.nCpus = attrs.nCpus;
    this.spinLockOffset = attrs.spinLockOffset;
    live.set(this.id, new WeakRef(this as BpfMap<MapValue>));
    forget.register(this, this.id);
  }

  /** BPF_MAP_FREEZE was applied: bpf(2) writes fail with -EPERM (programs may still write). */
  get frozen(): boolean {
    return this.isFrozen;
  }
  private isFrozen = false;

  /** BPF_MAP_FREEZE: from now on bpf(2) updates and deletes fail with -EPERM (libbpf freezes .rodata). */
  freeze(): void {
    this.isFrozen = true;
  }

  /**
   * What programs may do with `values` (BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG): the memory model
   * maps the region read-only or write-only accordingly; the verifier enforces it too.
   */
  get progAccess(): 'rw' | 'ro' | 'wo' {
    return this.flags & BPF_F.RDONLY_PROG ? 'ro' : this.flags & BPF_F.WRONLY_PROG ? 'wo' : 'rw';
  }

  /** bpftool's name of the map type (`hash`, `lru_hash`…). */
  get typeName(): string {
    return mapTypeName(this.type);
  }

  /** Size of the value buffer of bpf(2) lookups/updates: valueSize, or nCpus × roundUp(valueSize, 8) per-CPU. */
  get sysValueSize(): number {
    return this.perCpu ? this.nCpus * roundUp8(this.valueSize) : this.valueSize;
  }

  // ---- program side (helpers) -------------------------------------------------------------

  /**
   * bpf_map_lookup_elem (and bpf_map_lookup_percpu_elem): offset of the value in `values` for
   * `cpu`, or -1 (also for a CPU ≥ nCpus of a per-CPU map). Allocation-free.
   */
  abstract lookup(key: Uint8Array, keyOff: number, cpu: number): number;
  /** bpf_map_update_elem: 0 or -errno. */
  abstract update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number;
  /** bpf_map_delete_elem: 0 or -errno. */
  abstract delete(key: Uint8Array, keyOff: number): number;

  /**
   * bpf_for_each_map_elem: calls `cb(keys, keyOff, valueOff)` for each element (value of `cpu`)
   * until it returns non-zero; returns the number of calls, or -errno for map types without it.
   * `keys` is stable storage owned by the map (register it read-only).
   */
  forEachElem(_cpu: number, _cb: ForEachCallback): number {
    return -ENOTSUPP;
  }

  // ---- bpf(2) level (userspace) ---------------------------------------------------------------
  // The public sys* methods apply what bpf(2) checks for every map (file permissions from
  // BPF_F_RDONLY/BPF_F_WRONLY, lookup flags) and call the type's implementation.

  /** BPF_MAP_LOOKUP_ELEM: fills `out` (sysValueSize bytes); 0 or -errno. */
  sysLookup(key: Uint8Array | null, out: Uint8Array, flags: number): number {
    if (this.flags & BPF_F.WRONLY) return -EPERM;
    const rc = this.checkLookupFlags(flags);
    return rc || this.userLookup(key, out, flags);
  }
  /** BPF_MAP_UPDATE_ELEM with a value buffer of sysValueSize bytes: 0 or -errno. */
  sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (this.flags & BPF_F.RDONLY || this.isFrozen) return -EPERM;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -EINVAL;
    return this.userUpdate(key, value, flags);
  }
  /** BPF_MAP_DELETE_ELEM: 0 or -errno. */
  sysDelete(key: Uint8Array | null): number {
    if (this.flags & BPF_F.RDONLY || this.isFrozen) return -EPERM;
    return this.userDelete(key);
  }
  /** BPF_MAP_GET_NEXT_KEY: writes the key after `key` (the first one for null) into `out`; 0 or -errno. */
  getNextKey(key: Uint8Array | null, out: Uint8Array): number {
    if (this.flags & BPF_F.WRONLY) return -EPERM;
    return this.nextKeyImpl(key, out);
  }
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: 0 or -errno (-ENOTSUPP unless the map type has it). */
  sysLookupAndDelete(key: Uint8Array | null, out: Uint8Array, flags: number): number {
    if (this.flags & (BPF_F.RDONLY | BPF_F.WRONLY) || this.isFrozen) return -EPERM;
    return this.userLookupAndDelete(key, out, flags);
  }

  /** The type's BPF_MAP_LOOKUP_ELEM. */
  protected abstract userLookup(key: Uint8Array | null, out: Uint8Array, flags: number): number;
  /** The type's BPF_MAP_UPDATE_ELEM. */
  protected abstract userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number;
  /** The type's BPF_MAP_DELETE_ELEM (default: the program-side delete). */
  protected userDelete(key: Uint8Array | null): number {
    return key ? this.delete(key, 0) : -EINVAL;
  }
  /** The type's BPF_MAP_GET_NEXT_KEY. */
  protected abstract nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number;
  /** The type's BPF_MAP_LOOKUP_AND_DELETE_ELEM (default: not supported). */
  protected userLookupAndDelete(_key: Uint8Array | null, _out: Uint8Array, _flags: number): number {
    return -ENOTSUPP;
  }

  /** Flags of BPF_MAP_LOOKUP_ELEM: only BPF_F_LOCK, and only with a spin lock. */
  protected checkLookupFlags(flags: number): number {
    if (notLockFlags(flags)) return -EINVAL;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -EINVAL;
    return 0;
  }

  /** Checks the flags of an element update; 0 or -EINVAL (the kernel's `(flags & ~BPF_F_LOCK) > BPF_EXIST`, F_LOCK needs a spin lock). */
  protected checkUpdateFlags(flags: number): number {
    if (badUpdateFlags(flags)) return -EINVAL;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -EINVAL;
    return 0;
  }

  /**
   * Copies a value into storage like the kernel's copy_map_value(): the 4-byte `bpf_spin_lock`
   * (if the value has one) is never overwritten. (BPF_F_LOCK only makes the kernel hold the lock
   * while copying, which a single-threaded VM does not need.)
   */
  protected copyValue(dst: number, src: Uint8Array, srcOff: number): void {
    const v = this.values, n = this.valueSize;
    const lock = this.spinLockOffset;
    if (lock === undefined) {
      for (let i = 0; i < n; i++) v[dst + i] = src[srcOff + i];
      return;
    }
    for (let i = 0; i < n; i++) if (i < lock || i >= lock + 4) v[dst + i] = src[srcOff + i];
  }

  /** Copies a value out to userspace: the spin lock reads as zero (the kernel's check_and_init_map_value). */
  protected copyOutValue(src: number, out: Uint8Array): void {
    out.set(this.values.subarray(src, src + this.valueSize));
    const lock = this.spinLockOffset;
    if (lock !== undefined) out.fill(0, lock, lock + 4);
  }

  // ---- convenience API ------------------------------------------------------------------------

  /** The value stored under `key` (per-CPU maps: one value per CPU), or undefined when there is none. */
  lookupElem(key: Uint8Array | null = null, flags = 0): V | undefined {
    const out = new Uint8Array(this.sysValueSize);
    return this.sysLookup(this.checkKey(key), out, flags) === 0 ? this.fromSys(out) : undefined;
  }

  /**
   * Stores `value` under `key`; 0 or -errno (-EEXIST, -ENOENT, -E2BIG…). Per-CPU maps take one
   * value per CPU, or a single value that is written to every CPU.
   */
  updateElem(key: Uint8Array | null, value: MapValue, flags: number = BPF_ANY): number {
    return this.sysUpdate(this.checkKey(key), this.toSys(value), flags);
  }

  /** Deletes `key`; 0 or -errno. */
  deleteElem(key: Uint8Array | null): number {
    return this.sysDelete(this.checkKey(key));
  }

  /** Looks up and deletes `key` (queue/stack: pops); the value, or undefined on any error. */
  lookupAndDeleteElem(key: Uint8Array | null = null, flags = 0): V | undefined {
    const out = new Uint8Array(this.sysValueSize);
    return this.sysLookupAndDelete(this.checkKey(key), out, flags) === 0 ? this.fromSys(out) : undefined;
  }

  /** The key after `key` (the first key when undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    const out = new Uint8Array(this.keySize);
    return this.getNextKey(key ? this.checkKey(key) : null, out) === 0 ? out : undefined;
  }

  /** Every key, in get_next_key order. */
  *keys(): IterableIterator<Uint8Array> {
    let k = this.nextKey();
    while (k) {
      yield k;
      k = this.nextKey(k);
    }
  }

  /** Every [key, value] pair that can be looked up, in get_next_key order. */
  *entries(): IterableIterator<[Uint8Array, V]> {
    for (const k of this.keys()) {
      const v = this.lookupElem(k);
      if (v !== undefined) yield [k, v];
    }
  }

  /**
   * The map as `bpftool -j map dump` prints it: entries in get_next_key order; entries whose
   * lookup fails carry `{"error": strerror}` like bpftool (ENOENT is silent for prog arrays and
   * maps of maps). Maps without get_next_key (queue, stack, ringbuf, bloom filter) give `[]`.
   */
  dump(): DumpEntry[] {
    const out: DumpEntry[] = [];
    const buf = new Uint8Array(this.sysValueSize);
    for (const k of this.keys()) {
      const rc = this.sysLookup(k, buf, 0);
      if (rc !== 0) {
        if (rc === -ENOENT && this.silentEnoent) continue;
        out.push({ key: hexBytes(k), value: { error: strerror(rc) } });
      } else if (this.perCpu) {
        const s = roundUp8(this.valueSize);
        const values = [];
        for (let c = 0; c < this.nCpus; c++) values.push({ cpu: c, value: hexBytes(buf.subarray(c * s, c * s + this.valueSize)) });
        out.push({ key: hexBytes(k), values });
      } else {
        out.push({ key: hexBytes(k), value: hexBytes(buf) });
      }
    }
    return out;
  }

  /** bpftool does not report -ENOENT lookups of prog arrays and maps of maps (empty slots). */
  protected get silentEnoent(): boolean {
    return false;
  }

  // ---- batch operations (BPF_MAP_*_BATCH) ---------------------------------------------------

  /** Which batch commands the map type has (others fail with -ENOTSUPP like the kernel). */
  protected get batchOps(): { lookup: boolean; update: boolean; del: boolean; lookupAndDelete: boolean } {
    return { lookup: false, update: false, del: false, lookupAndDelete: false };
  }

  /**
   * BPF_MAP_LOOKUP_BATCH: up to `count` entries starting at the `inBatch` token (undefined: the
   * start). `err` is -ENOENT when the end was reached, as in the kernel.
   */
  lookupBatch(inBatch: Uint8Array | undefined, count: number, elemFlags = 0): BatchResult<V> {
    if (!this.batchOps.lookup) return { err: -ENOTSUPP, keys: [], values: [], outBatch: undefined };
    return this.batchWalk(inBatch, count, elemFlags, false);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_BATCH: like lookupBatch, deleting what it returns. */
  lookupAndDeleteBatch(inBatch: Uint8Array | undefined, count: number, elemFlags = 0): BatchResult<V> {
    if (!this.batchOps.lookupAndDelete) return { err: -ENOTSUPP, keys: [], values: [], outBatch: undefined };
    return this.batchWalk(inBatch, count, elemFlags, true);
  }

  /** The kernel's generic_map_lookup_batch: walks get_next_key from the token (a key). */
  protected batchWalk(inBatch: Uint8Array | undefined, count: number, elemFlags: number, _del: boolean): BatchResult<V> {
    const res: BatchResult<V> = { err: 0, keys: [], values: [], outBatch: undefined };
    if (notLockFlags(elemFlags)) return { ...res, err: -EINVAL };
    let prev: Uint8Array | null = inBatch ? this.checkKey(inBatch) : null;
    const buf = new Uint8Array(this.sysValueSize);
    while (res.keys.length < count) {
      const key = new Uint8Array(this.keySize);
      const rc = this.getNextKey(prev, key);
      if (rc) {
        res.err = rc;
        break;
      }
      prev = key;
      const lrc = this.sysLookup(key, buf, elemFlags);
      if (lrc === -ENOENT) continue;
      if (lrc) return { ...res, err: lrc };
      res.keys.push(key);
      res.values.push(this.fromSys(buf.slice()));
    }
    res.outBatch = res.keys.length ? res.keys[res.keys.length - 1].slice() : undefined;
    return res;
  }

  /**
   * BPF_MAP_UPDATE_BATCH: updates pairs in order, stopping at the first error; `count` = pairs
   * done (0 when the command is refused outright, where the kernel leaves attr.count as passed).
   */
  updateBatch(keys: Uint8Array[], values: MapValue[], elemFlags: number = BPF_ANY): { err: number; count: number } {
    if (!this.batchOps.update) return { err: -ENOTSUPP, count: 0 };
    if (notLockFlags(elemFlags)) return { err: -EINVAL, count: 0 };
    for (let i = 0; i < keys.length; i++) {
      const rc = this.updateElem(keys[i], values[i], elemFlags);
      if (rc) return { err: rc, count: i };
    }
    return { err: 0, count: keys.length };
  }

  /** BPF_MAP_DELETE_BATCH: deletes keys in order, stopping at the first error; `count` = keys deleted (as updateBatch). */
  deleteBatch(keys: Uint8Array[], elemFlags = 0): { err: number; count: number } {
    if (!this.batchOps.del) return { err: -ENOTSUPP, count: 0 };
    if (notLockFlags(elemFlags)) return { err: -EINVAL, count: 0 };
    for (let i = 0; i < keys.length; i++) {
      const rc = this.deleteElem(keys[i]);
      if (rc) return { err: rc, count: i };
    }
    return { err: 0, count: keys.length };
  }

  // ---- conversions ------------------------------------------------------------------------------

  /** Validates a userspace key's length (maps with key_size 0 take null). */
  protected checkKey(key: Uint8Array | null): Uint8Array | null {
    if (this.keySize === 0) {
      if (key && key.length) throw new MapError(`map ${this.name}: ${this.typeName} maps have no key`);
      return null;
    }
    if (!key || key.length !== this.keySize) {
      throw new MapError(`map ${this.name}: key must be ${this.keySize} bytes, got ${key ? key.length : 'none'}`);
    }
    return key;
  }

  /** A userspace value as the bpf(2) buffer (per-CPU: nCpus × roundUp(valueSize, 8)). */
  protected toSys(value: MapValue): Uint8Array {
    const n = this.valueSize;
    if (!this.perCpu) {
      if (!(value instanceof Uint8Array) || value.length !== n) throw new MapError(`map ${this.name}: value must be ${n} bytes`);
      return value;
    }
    const s = roundUp8(n);
    const out = new Uint8Array(this.nCpus * s);
    for (let c = 0; c < this.nCpus; c++) {
      const v = value instanceof Uint8Array ? value : value[c];
      if (!(v instanceof Uint8Array) || v.length !== n || (!(value instanceof Uint8Array) && value.length !== this.nCpus)) {
        throw new MapError(`map ${this.name}: per-CPU value must be one ${n}-byte value or ${this.nCpus} of them`);
      }
      out.set(v, c * s);
    }
    return out;
  }

  /** The bpf(2) value buffer as the userspace value. */
  protected fromSys(buf: Uint8Array): V {
    if (!this.perCpu) return buf as V;
    const s = roundUp8(this.valueSize);
    const out: Uint8Array[] = [];
    for (let c = 0; c < this.nCpus; c++) out.push(buf.slice(c * s, c * s + this.valueSize));
    return out as V;
  }
}

/**
 * The kernel's `(flags & ~BPF_F_LOCK) > BPF_EXIST` for an element update's u64 flags held in a
 * JS number (bit operations alone would drop the high bits).
 */
export function badUpdateFlags(flags: number): boolean {
  return !(flags >= 0 && flags <= 7) || (flags & ~BPF_F_LOCK) > 2;
}

/** Flags that may only be 0 or BPF_F_LOCK (lookups, batch element flags): true when they are neither. */
export function notLockFlags(flags: number): boolean {
  return flags !== 0 && flags !== BPF_F_LOCK;
}

/** Bytes as bpftool's JSON hex strings (`"0x0a"`). */
export function hexBytes(b: Uint8Array): string[] {
  const out: string[] = [];
  for (const x of b) out.push('0x' + x.toString(16).padStart(2, '0'));
  return out;
}
