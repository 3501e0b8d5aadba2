/**
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c): max_entries
 * preallocated elements of roundUp(value_size, 8) bytes (per-CPU: one per CPU in a slot), keys
 * are u32 indexes, elements cannot be deleted.
 */
import { BPF_F, BPF_MAP_TYPE, BPF_NOEXIST } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { BpfMap, roundUp8, type ForEachCallback, type MapAttrs, type MapValue } from './map.js';
import { ACCESS_MASK, accessOk, PCPU_MIN_UNIT_SIZE } from './spec.js';

const { E2BIG, EEXIST, EINVAL, ENOENT } = ERRNO;

const ARRAY_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | BPF_F.MMAPABLE | ACCESS_MASK | BPF_F.PRESERVE_ELEMS | BPF_F.INNER_MAP;

/** array_map_alloc_check(), shared by every array-backed type: an errno and why, or undefined. */
export function checkArrayAttrs(a: MapAttrs): [number, string] | undefined {
  const percpu = a.type === BPF_MAP_TYPE.PERCPU_ARRAY;
  if (a.maxEntries === 0) return [EINVAL, 'max_entries must not be 0'];
  if (a.keySize !== 4) return [EINVAL, `key_size must be 4, got ${a.keySize}`];
  if (a.valueSize === 0) return [EINVAL, 'value_size must not be 0'];
  if (a.flags & ~ARRAY_CREATE_FLAG_MASK || !accessOk(a.flags)) return [EINVAL, `flags 0x${a.flags.toString(16)} not allowed`];
  if (percpu && a.flags & BPF_F.NUMA_NODE) return [EINVAL, 'BPF_F_NUMA_NODE not allowed on per-CPU maps'];
  if (a.type !== BPF_MAP_TYPE.ARRAY && a.flags & (BPF_F.MMAPABLE | BPF_F.INNER_MAP)) return [EINVAL, 'BPF_F_MMAPABLE/BPF_F_INNER_MAP only for array maps'];
  if (a.type !== BPF_MAP_TYPE.PERF_EVENT_ARRAY && a.flags & BPF_F.PRESERVE_ELEMS) return [EINVAL, 'BPF_F_PRESERVE_ELEMS only for perf event arrays'];
  if (a.valueSize > 0x7fffffff) return [E2BIG, 'value_size too large'];
  if (percpu && roundUp8(a.valueSize) > PCPU_MIN_UNIT_SIZE) return [E2BIG, `per-CPU value_size over ${PCPU_MIN_UNIT_SIZE}`];
  return undefined;
}

/** get_next_key of every array-like map: the index after `key`, 0 for none or out of range. */
export function arrayNextKey(maxEntries: number, key: Uint8Array | null, out: Uint8Array): number {
  const index = key ? (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0 : maxEntries;
  if (index >= maxEntries) {
    out.fill(0, 0, 4);
    return 0;
  }
  if (index === maxEntries - 1) return -ENOENT;
  writeU32(out, 0, index + 1);
  return 0;
}

export function readU32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

/** Array and per-CPU array. Value of index i (CPU c) at `i * slotSize + c * cpuStride`. */
export class ArrayMap<V extends MapValue = Uint8Array> extends BpfMap<V> {
  readonly values: Uint8Array;
  override readonly perCpu: boolean;
  override readonly cpuStride: number;
  /** Bytes per index (roundUp(value_size, 8), per-CPU: times the CPU count). */
  readonly slotSize: number;

  constructor(a: MapAttrs) {
    super(a);
    this.perCpu = a.type === BPF_MAP_TYPE.PERCPU_ARRAY;
    const elem = roundUp8(a.valueSize);
    this.cpuStride = this.perCpu ? elem : 0;
    this.slotSize = this.perCpu ? elem * a.nCpus : elem;
    this.values = new Uint8Array(this.slotSize * a.maxEntries);
  }

  lookup(key: Uint8Array, keyOff: number, cpu: number): number {
    const index = readU32(key, keyOff);
    if (index >= this.maxEntries || (this.perCpu && cpu >= this.nCpus)) return -1;
    return index * this.slotSize + cpu * this.cpuStride;
  }

  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number, cpu: number): number {
    const rc = this.checkUpdateFlags(flags);
    if (rc) return rc;
    const index = readU32(key, keyOff);
    if (index >= this.maxEntries) return -E2BIG;
    if (flags & BPF_NOEXIST) return -EEXIST;
    this.copyValue(index * this.slotSize + cpu * this.cpuStride, value, valueOff);
    return 0;
  }

  delete(): number {
    return -EINVAL;
  }

  /** The key passed to bpf_for_each_map_elem callbacks (the index being visited). */
  readonly iterKey = new Uint8Array(4);

  override forEachElem(cpu: number, cb: ForEachCallback): number {
    let n = 0;
    for (let i = 0; i < this.maxEntries; i++) {
      writeU32(this.iterKey, 0, i);
      n++;
      if (cb(this.iterKey, 0, i * this.slotSize + cpu * this.cpuStride)) break;
    }
    return n;
  }

  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    const index = key ? readU32(key, 0) : this.maxEntries;
    if (index >= this.maxEntries) return -ENOENT;
    const base = index * this.slotSize;
    if (!this.perCpu) this.copyOutValue(base, out);
    else out.set(this.values.subarray(base, base + this.slotSize));
    return 0;
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    if (!this.perCpu) return this.update(key, 0, value, 0, flags, 0);
    const rc = this.checkUpdateFlags(flags);
    if (rc) return rc;
    const index = readU32(key, 0);
    if (index >= this.maxEntries) return -E2BIG;
    if (flags & BPF_NOEXIST) return -EEXIST;
    for (let c = 0; c < this.nCpus; c++) this.copyValue(index * this.slotSize + c * this.cpuStride, value, c * this.cpuStride);
    return 0;
  }

  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    return arrayNextKey(this.maxEntries, key, out);
  }

  protected override get batchOps() {
    return { lookup: true, update: true, del: false, lookupAndDelete: false };
  }
}
