/**
 * Hash maps (kernel/bpf/hashtab.c): BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH.
 *
 * Storage, all typed arrays sized at creation: `keyStore` (slot × key_size), `values` (slot ×
 * roundUp(value_size, 8), per-CPU × nCpus), each slot's key jhash and next-slot link side by side
 * (bucket chains, and the free list), and `roundup_pow_of_two(max_entries)` bucket heads — the
 * kernel's bucket count. Elements are chained at the head of their bucket like the kernel's
 * hlist, and the hash is the kernel's jhash with seed 0, so get_next_key and batch order equal the
 * kernel's for maps created with BPF_F_ZERO_SEED (the kernel seeds randomly otherwise).
 *
 * Semantics as in the kernel: an update of an existing key in a (non-per-CPU) hash map writes a
 * new element at the bucket head and frees the old one (the value moves; BPF_F_LOCK updates in
 * place); per-CPU maps update in place; NO_PREALLOC changes nothing observable but allocation.
 * LRU maps take every new element from the LRU (lru.ts), evicting before the key is even looked
 * up, as the kernel does.
 */
import { BPF_EXIST, BPF_F, BPF_F_LOCK, BPF_MAP_TYPE, BPF_NOEXIST } from '../../uapi/index.js';
import { readU32, writeU32 } from './array.js';
import { ERRNO } from './errno.js';
import { jhashWord, keyHash } from './jhash.js';
import { Lru } from './lru.js';
import { badUpdateFlags, BpfMap, notLockFlags, roundUp8, type BatchResult, type ForEachCallback, type MapAttrs, type MapValue } from './map.js';
import { ACCESS_MASK, accessOk, KMALLOC_MAX_SIZE, PCPU_MIN_UNIT_SIZE } from './spec.js';

const { E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, ENOTSUPP } = ERRNO;

const HTAB_CREATE_FLAG_MASK = BPF_F.NO_PREALLOC | BPF_F.NO_COMMON_LRU | BPF_F.NUMA_NODE | ACCESS_MASK | BPF_F.ZERO_SEED;
/** sizeof(struct htab_elem) on x86-64. */
const HTAB_ELEM_SIZE = 48;

const isLru = (t: number) => t === BPF_MAP_TYPE.LRU_HASH || t === BPF_MAP_TYPE.LRU_PERCPU_HASH;
const isPercpu = (t: number) => t === BPF_MAP_TYPE.PERCPU_HASH || t === BPF_MAP_TYPE.LRU_PERCPU_HASH;

/** htab_map_alloc_check(): an errno and why, or undefined. */
export function checkHashAttrs(a: MapAttrs): [number, string] | undefined {
  const lru = isLru(a.type), percpu = isPercpu(a.type);
  const prealloc = !(a.flags & BPF_F.NO_PREALLOC);
  if (a.flags & ~HTAB_CREATE_FLAG_MASK || !accessOk(a.flags)) return [EINVAL, `flags 0x${a.flags.toString(16)} not allowed`];
  if (!lru && a.flags & BPF_F.NO_COMMON_LRU) return [EINVAL, 'BPF_F_NO_COMMON_LRU is only for LRU maps'];
  if (lru && !prealloc) return [ENOTSUPP, 'LRU maps cannot be BPF_F_NO_PREALLOC'];
  if (a.flags & BPF_F.NUMA_NODE && (percpu || a.flags & BPF_F.NO_COMMON_LRU)) return [EINVAL, 'BPF_F_NUMA_NODE not allowed on per-CPU maps'];
  if (a.maxEntries === 0 || a.keySize === 0 || a.valueSize === 0) return [EINVAL, 'max_entries, key_size and value_size must not be 0'];
  if (a.keySize + a.valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) return [E2BIG, 'key_size + value_size too large'];
  if (percpu && roundUp8(a.valueSize) > PCPU_MIN_UNIT_SIZE) return [E2BIG, `per-CPU value_size over ${PCPU_MIN_UNIT_SIZE}`];
  if (a.maxEntries > 2 ** 31) return [E2BIG, 'max_entries over 2^31'];
  return undefined;
}

function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The kernel's max_entries of an LRU map with per-CPU lists: a multiple of the CPU count. */
function lruPercpuEntries(a: MapAttrs): number {
  if (!(isLru(a.type) && a.flags & BPF_F.NO_COMMON_LRU)) return a.maxEntries;
  const up = Math.ceil(a.maxEntries / a.nCpus) * a.nCpus;
  return up <= 0xffffffff ? up : Math.floor(a.maxEntries / a.nCpus) * a.nCpus;
}

export class HashMap<V extends MapValue = Uint8Array> extends BpfMap<V> {
  readonly values: Uint8Array;
  override readonly perCpu: boolean;
  override readonly cpuStride: number;
  /** Bytes per slot in `values`. */
  readonly slotSize: number;
  private elems = 0;
  /** Keys, slot × key_size (what bpf_for_each_map_elem callbacks get pointers into). */
  readonly keyStore: Uint8Array;
  /** The same keys as words when key_size is 4 (one compare per chained element). */
  private readonly keyWords: Int32Array | undefined;
  /**
   * Per slot, side by side for cache locality: [2s] the key's jhash (as int32), [2s + 1] the next
   * slot in the bucket chain or on the free list (-1 ends).
   */
  private readonly meta: Int32Array;
  /** LRU maps: 1 while a slot holds an element (the LRU asks before evicting a node). */
  private readonly live: Uint8Array | undefined;
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  private freeHead = -1;
  private readonly lru: Lru | undefined;
  private readonly seed = 0;
  /** jhash of the key `find()` last looked for. */
  private lastHash = 0;

  /** Number of elements held. */
  get count(): number {
    return this.elems;
  }

  constructor(a: MapAttrs) {
    super({ ...a, maxEntries: lruPercpuEntries(a) });
    this.perCpu = isPercpu(a.type);
    const elem = roundUp8(a.valueSize);
    this.cpuStride = this.perCpu ? elem : 0;
    this.slotSize = this.perCpu ? elem * a.nCpus : elem;
    const n = this.maxEntries;
    const lru = isLru(a.type);
    // Non-LRU maps keep one spare slot: an update of an existing key in a full map needs a new
    // element before the old is freed (the kernel's per-CPU extra_elems).
    const slots = lru ? n : n + 1;
    this.values = new Uint8Array(slots * this.slotSize);
    this.keyStore = new Uint8Array(slots * a.keySize);
    this.keyWords = a.keySize === 4 ? new Int32Array(this.keyStore.buffer) : undefined;
    this.meta = new Int32Array(2 * slots);
    this.live = lru ? new Uint8Array(slots) : undefined;
    const nBuckets = roundupPow2(n);
    this.buckets = new Int32Array(nBuckets).fill(-1);
    this.bucketMask = nBuckets - 1;
    if (lru) {
      this.lru = new Lru(n, a.nCpus, (a.flags & BPF_F.NO_COMMON_LRU) !== 0, (slot) => this.unlinkSlot(slot));
    } else {
      for (let s = slots - 1; s >= 0; s--) this.pushFree(s);
    }
  }

  // ---- table primitives ------------------------------------------------------------------------
  private pushFree(s: number): void {
    this.meta[2 * s + 1] = this.freeHead;
    this.freeHead = s;
  }

  /** The slot holding `key`, or -1; leaves the key's hash in `lastHash`. */
  private find(key: Uint8Array, off: number): number {
    const words = this.keyWords;
    if (words) {
      const w = key[off] | (key[off + 1] << 8) | (key[off + 2] << 16) | (key[off + 3] << 24);
      const h = jhashWord(w, this.seed);
      this.lastHash = h;
      const meta = this.meta;
      for (let s = this.buckets[h & this.bucketMask]; s >= 0; s = meta[2 * s + 1]) if (words[s] === w) return s;
      return -1;
    }
    const ks = this.keySize;
    const h = keyHash(key, off, ks, this.seed);
    this.lastHash = h;
    const keys = this.keyStore, meta = this.meta, hi = h | 0;
    for (let s = this.buckets[h & this.bucketMask]; s >= 0; s = meta[2 * s + 1]) {
      if (meta[2 * s] !== hi) continue;
      let i = 0;
      const base = s * ks;
      while (i < ks && keys[base + i] === key[off + i]) i++;
      if (i === ks) return s;
    }
    return -1;
  }

  /** Puts `slot` (key copied from key/off, hash `h`) at the head of its bucket. */
  private insert(slot: number, key: Uint8Array, off: number, h: number): void {
    const ks = this.keySize, base = slot * ks;
    if (this.keyWords) this.keyWords[slot] = key[off] | (key[off + 1] << 8) | (key[off + 2] << 16) | (key[off + 3] << 24);
    else for (let i = 0; i < ks; i++) this.keyStore[base + i] = key[off + i];
    this.meta[2 * slot] = h;
    const b = h & this.bucketMask;
    this.meta[2 * slot + 1] = this.buckets[b];
    this.buckets[b] = slot;
    if (this.live) this.live[slot] = 1;
    this.elems++;
  }

  /** Removes a slot's element from its bucket (not freeing the slot); false if it holds none (LRU). */
  private unlinkSlot(slot: number): boolean {
    if (this.live && !this.live[slot]) return false;
    const b = this.meta[2 * slot] & this.bucketMask;
    let s = this.buckets[b];
    if (s === slot) this.buckets[b] = this.meta[2 * slot + 1];
    else {
      while (this.meta[2 * s + 1] !== slot) s = this.meta[2 * s + 1];
      this.meta[2 * s + 1] = this.meta[2 * slot + 1];
    }
    if (this.live) this.live[slot] = 0;
    this.elems--;
    return true;
  }

  private freeSlot(slot: number): void {
    if (this.lru) this.lru.push(slot);
    else this.pushFree(slot);
  }

  /** A slot for a new element: from the free list or the LRU (-1: none). */
  private allocSlot(cpu: number, replacing: boolean): number {
    if (this.lru) return this.lru.pop(cpu);
    if (!replacing && this.elems >= this.maxEntries) return -1;
    const s = this.freeHead;
    if (s >= 0) this.freeHead = this.meta[2 * s + 1];
    return s;
  }

  /** Writes a new element's value: all CPUs from a bpf(2) buffer, or `cpu`'s with the others zeroed. */
  private initValue(slot: number, value: Uint8Array, valueOff: number, onAllCpus: boolean, cpu: number): void {
    const base = slot * this.slotSize;
    if (!this.perCpu) {
      // A new element starts with a zeroed spin lock (check_and_init_map_value).
      if (this.spinLockOffset !== undefined) this.values.fill(0, base + this.spinLockOffset, base + this.spinLockOffset + 4);
      return this.copyValue(base, value, valueOff);
    }
    this.values.fill(0, base, base + this.slotSize);
    if (onAllCpus) this.copyPercpu(slot, value, valueOff);
    else this.copyValue(base + cpu * this.cpuStride, value, valueOff);
  }

  private copyPercpu(slot: number, value: Uint8Array, valueOff: number): void {
    const base = slot * this.slotSize;
    for (let c = 0; c < this.nCpus; c++) this.copyValue(base + c * this.cpuStride, value, valueOff + c * this.cpuStride);
  }

  // ---- program side -------------------------------------------------------------------------------
  lookup(key: Uint8Array, keyOff: number, cpu: number): number {
    if (this.perCpu && cpu >= this.nCpus) return -1;
    const s = this.find(key, keyOff);
    if (s < 0) return -1;
    if (this.lru) this.lru.setRef(s);
    return s * this.slotSize + cpu * this.cpuStride;
  }

  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    return this.doUpdate(key, keyOff, value, valueOff, flags, cpu, false);
  }

  delete(key: Uint8Array, keyOff: number): number {
    const s = this.find(key, keyOff);
    if (s < 0) return -ENOENT;
    this.unlinkSlot(s);
    this.freeSlot(s);
    return 0;
  }

  /** The update paths of hashtab.c (plain, per-CPU, LRU, LRU per-CPU); `onAllCpus` for bpf(2). */
  private doUpdate(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number, onAllCpus: boolean): number {
    const lru = this.lru;
    if (lru ? !(flags >= 0 && flags <= BPF_EXIST) : badUpdateFlags(flags)) return -EINVAL;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -EINVAL;
    const mode = flags & ~BPF_F_LOCK;
    if (lru) {
      // The LRU node is taken (possibly evicting) before the key is looked up.
      const fresh = this.perCpu && mode === BPF_EXIST ? -1 : lru.pop(cpu);
      if (fresh < 0 && !(this.perCpu && mode === BPF_EXIST)) return -ENOMEM;
      const old = this.find(key, keyOff);
      const h = this.lastHash;
      const rc = old >= 0 && mode === BPF_NOEXIST ? -EEXIST : old < 0 && mode === BPF_EXIST ? -ENOENT : 0;
      if (rc) {
        if (fresh >= 0) lru.push(fresh);
        return rc;
      }
      if (this.perCpu && old >= 0) {
        lru.setRef(old);
        if (onAllCpus) this.copyPercpu(old, value, valueOff);
        else this.copyValue(old * this.slotSize + cpu * this.cpuStride, value, valueOff);
        if (fresh >= 0) lru.push(fresh);
        return 0;
      }
      this.initValue(fresh, value, valueOff, onAllCpus, cpu);
      this.insert(fresh, key, keyOff, h);
      if (old >= 0) {
        lru.setRef(fresh);
        this.unlinkSlot(old);
        lru.push(old);
      }
      return 0;
    }
    const old = this.find(key, keyOff);
    const h = this.lastHash;
    if (old >= 0 && mode === BPF_NOEXIST) return -EEXIST;
    if (old < 0 && mode === BPF_EXIST) return -ENOENT;
    if (old >= 0 && (this.perCpu || flags & BPF_F_LOCK)) {
      if (!this.perCpu) this.copyValue(old * this.slotSize, value, valueOff);
      else if (onAllCpus) this.copyPercpu(old, value, valueOff);
      else this.copyValue(old * this.slotSize + cpu * this.cpuStride, value, valueOff);
      return 0;
    }
    const fresh = this.allocSlot(cpu, old >= 0);
    if (fresh < 0) return -E2BIG;
    this.initValue(fresh, value, valueOff, onAllCpus, cpu);
    this.insert(fresh, key, keyOff, h);
    if (old >= 0) {
      this.unlinkSlot(old);
      this.freeSlot(old);
    }
    return 0;
  }

  /** bpf_for_each_map_elem: buckets in order, chains from the head; the callback may delete. */
  override forEachElem(cpu: number, cb: ForEachCallback): number {
    let n = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      for (let s = this.buckets[b]; s >= 0;) {
        const next = this.meta[2 * s + 1];
        n++;
        if (cb(this.keyStore, s * this.keySize, s * this.slotSize + cpu * this.cpuStride)) return n;
        s = next;
      }
    }
    return n;
  }

  // ---- bpf(2) -------------------------------------------------------------------------------------------
  protected userLookup(key: Uint8Array | null, out: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    const s = this.find(key, 0);
    if (s < 0) return -ENOENT;
    this.copyOut(s, out);
    return 0;
  }

  /** Copies a slot's value into a bpf(2) buffer (BPF_F_LOCK: the spin lock reads as zero). */
  private copyOut(slot: number, out: Uint8Array): void {
    const base = slot * this.slotSize;
    if (!this.perCpu) this.copyOutValue(base, out);
    else out.set(this.values.subarray(base, base + this.slotSize));
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    return this.doUpdate(key, 0, value, 0, flags, 0, true);
  }

  protected override userLookupAndDelete(key: Uint8Array | null, out: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    if (notLockFlags(flags) || (flags & BPF_F_LOCK && this.spinLockOffset === undefined)) return -EINVAL;
    const s = this.find(key, 0);
    if (s < 0) return -ENOENT;
    this.copyOut(s, out);
    this.unlinkSlot(s);
    this.freeSlot(s);
    return 0;
  }

  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    let b = 0;
    if (key) {
      const s = this.find(key, 0);
      if (s >= 0) {
        const nx = this.meta[2 * s + 1];
        if (nx >= 0) return this.copyKey(nx, out);
        b = (this.lastHash & this.bucketMask) + 1;
      }
    }
    for (; b < this.buckets.length; b++) {
      const s = this.buckets[b];
      if (s >= 0) return this.copyKey(s, out);
    }
    return -ENOENT;
  }

  private copyKey(slot: number, out: Uint8Array): number {
    out.set(this.keyStore.subarray(slot * this.keySize, (slot + 1) * this.keySize));
    return 0;
  }

  protected override get batchOps() {
    return { lookup: true, update: true, del: true, lookupAndDelete: true };
  }

  /** __htab_map_lookup_and_delete_batch(): whole buckets at a time; the token is a u32 bucket index. */
  protected override batchWalk(inBatch: Uint8Array | undefined, count: number, elemFlags: number, del: boolean): BatchResult<V> {
    const res: BatchResult<V> = { err: 0, keys: [], values: [], outBatch: undefined };
    if (notLockFlags(elemFlags) || (elemFlags & BPF_F_LOCK && this.spinLockOffset === undefined)) return { ...res, err: -EINVAL };
    if (count === 0) return res;
    let b = inBatch ? readU32(inBatch, 0) : 0;
    if (b >= this.buckets.length) return { ...res, err: -ENOENT };
    for (;;) {
      let n = 0;
      for (let s = this.buckets[b]; s >= 0; s = this.meta[2 * s + 1]) n++;
      if (n > count - res.keys.length) {
        if (res.keys.length === 0) res.err = -ENOSPC;
        break;
      }
      for (let s = this.buckets[b]; s >= 0;) {
        const next = this.meta[2 * s + 1];
        res.keys.push(this.keyStore.slice(s * this.keySize, (s + 1) * this.keySize));
        const out = new Uint8Array(this.sysValueSize);
        this.copyOut(s, out);
        res.values.push(this.fromSys(out));
        if (del) {
          this.unlinkSlot(s);
          this.freeSlot(s);
        }
        s = next;
      }
      b++;
      if (b >= this.buckets.length) {
        res.err = -ENOENT;
        break;
      }
    }
    res.outBatch = new Uint8Array(4);
    writeU32(res.outBatch, 0, b);
    return res;
  }
}
