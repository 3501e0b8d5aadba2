/**
 * BPF_MAP_TYPE_STACK_TRACE (kernel/bpf/stackmap.c): stack ids → arrays of instruction pointers,
 * filled by bpf_get_stackid. The id is the jhash2 of the trace's ips masked to the bucket count
 * (max_entries rounded up to a power of two); a bucket holding another trace is a collision
 * (-EEXIST, or replaced with BPF_F_REUSE_STACKID). Build-id maps (BPF_F_STACK_BUILD_ID) store
 * struct bpf_stack_build_id entries; the VM has no executables to read build ids from, so every
 * entry has status BPF_STACK_BUILD_ID_IP and the raw ip (what the kernel reports when it cannot
 * resolve one).
 */
import { BPF_F, BPF_F_STACK, BPF_STACK_BUILD_ID } from '../../uapi/index.js';
import { readU32, writeU32 } from './array.js';
import { ERRNO } from './errno.js';
import { jhash2 } from './jhash.js';
import { BpfMap, type MapAttrs } from './map.js';

const { E2BIG, EINVAL, EEXIST, ENOENT, ENOMEM } = ERRNO;

/** sysctl kernel.perf_event_max_stack (default). */
export const PERF_EVENT_MAX_STACK = 127;
/** sizeof(struct bpf_stack_build_id): s32 status, u8 build_id[20], u64 offset/ip. */
export const BPF_STACK_BUILD_ID_SIZE = 32;
const BUILD_ID_IP_OFF = 24;
/** Map flags stack_map_alloc accepts (STACK_CREATE_FLAG_MASK). */
const CREATE_FLAGS = BPF_F.NUMA_NODE | BPF_F.RDONLY | BPF_F.WRONLY | BPF_F.STACK_BUILD_ID;

/** stack_map_alloc()'s checks. */
export function checkStackTraceAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.flags & ~CREATE_FLAGS) return [EINVAL, `flags 0x${a.flags.toString(16)} not allowed`];
  if (a.maxEntries === 0 || a.keySize !== 4 || a.valueSize < 8 || a.valueSize % 8) return [EINVAL, 'key_size must be 4, value_size a non-zero multiple of 8, max_entries non-zero'];
  if (a.flags & BPF_F.STACK_BUILD_ID) {
    if (a.valueSize % BPF_STACK_BUILD_ID_SIZE || a.valueSize / BPF_STACK_BUILD_ID_SIZE > PERF_EVENT_MAX_STACK) return [EINVAL, `BPF_F_STACK_BUILD_ID needs a value_size multiple of ${BPF_STACK_BUILD_ID_SIZE}, at most ${PERF_EVENT_MAX_STACK} entries`];
  } else if (a.valueSize / 8 > PERF_EVENT_MAX_STACK) return [EINVAL, `value_size holds more than ${PERF_EVENT_MAX_STACK} ips (kernel.perf_event_max_stack)`];
  if (a.maxEntries > 2 ** 31) return [E2BIG, 'max_entries above 2^31'];
  return undefined;
}

export class StackTraceMap extends BpfMap {
  /** One value_size slot per bucket (stack id). */
  readonly values: Uint8Array;
  /** Buckets: max_entries rounded up to a power of two. */
  readonly nBuckets: number;
  /** Bytes of one stored entry: 8 (an ip) or 32 (struct bpf_stack_build_id). */
  readonly entrySize: number;
  /** Entries per stack (value_size / entry size). */
  readonly maxDepth: number;
  private readonly hashes: Uint32Array;
  /** Entries stored per bucket; -1 for an empty bucket. */
  private readonly nr: Int32Array;
  /** Free elements of the preallocated pool (max_entries at creation). */
  private free: number;
  /** The trace being hashed and compared, as bytes (allocated once). */
  private readonly scratch = new Uint8Array(PERF_EVENT_MAX_STACK * BPF_STACK_BUILD_ID_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);

  constructor(a: MapAttrs) {
    super(a);
    this.nBuckets = 2 ** Math.ceil(Math.log2(a.maxEntries));
    this.entrySize = a.flags & BPF_F.STACK_BUILD_ID ? BPF_STACK_BUILD_ID_SIZE : 8;
    this.maxDepth = a.valueSize / this.entrySize;
    this.values = new Uint8Array(this.nBuckets * a.valueSize);
    this.hashes = new Uint32Array(this.nBuckets);
    this.nr = new Int32Array(this.nBuckets).fill(-1);
    this.free = a.maxEntries;
  }

  /**
   * __bpf_get_stackid over a fetched trace (`trace`, at most value_size/entry + skip ips, the
   * innermost first): the stack id, or -EFAULT (nothing left after skipping), -EEXIST (another
   * trace in the bucket, without BPF_F_REUSE_STACKID), -ENOMEM (no free element).
   */
  stackId(trace: readonly bigint[], flags: number): number {
    const skip = flags & BPF_F_STACK.SKIP_FIELD_MASK;
    if (trace.length <= skip) return -ERRNO.EFAULT;
    const n = trace.length - skip, sv = this.scratchView;
    for (let i = 0; i < n; i++) sv.setBigUint64(i * 8, trace[skip + i], true);
    const hash = jhash2(this.scratch, 0, n * 2, 0) >>> 0;
    const id = hash & (this.nBuckets - 1);
    const used = this.nr[id] >= 0;
    const hashMatches = used && this.hashes[id] === hash;
    if (hashMatches && flags & BPF_F_STACK.FAST_STACK_CMP) return id;
    // The entries as stored: ips, or build-id entries carrying the ip.
    const len = n * this.entrySize;
    if (this.entrySize !== 8) {
      for (let i = n - 1; i >= 0; i--) {
        const ip = sv.getBigUint64(i * 8, true), at = i * BPF_STACK_BUILD_ID_SIZE;
        this.scratch.fill(0, at, at + BPF_STACK_BUILD_ID_SIZE);
        sv.setInt32(at, BPF_STACK_BUILD_ID.IP, true);
        sv.setBigUint64(at + BUILD_ID_IP_OFF, ip, true);
      }
    }
    const slot = id * this.valueSize, v = this.values;
    if (hashMatches && this.nr[id] === n && sameBytes(v, slot, this.scratch, len)) return id;
    if (used && !(flags & BPF_F_STACK.REUSE_STACKID)) return -EEXIST;
    if (!used) {
      if (this.free === 0) return -ENOMEM;
      this.free--;
    }
    v.set(this.scratch.subarray(0, len), slot);
    this.hashes[id] = hash;
    this.nr[id] = n;
    return id;
  }

  /** The ips stored under stack id `id` (the ip field of build-id entries), or undefined. */
  stack(id: number): bigint[] | undefined {
    if (id >>> 0 >= this.nBuckets || this.nr[id] < 0) return undefined;
    const dv = new DataView(this.values.buffer, this.values.byteOffset + id * this.valueSize, this.valueSize);
    const at = this.entrySize === 8 ? 0 : BUILD_ID_IP_OFF;
    return Array.from({ length: this.nr[id] }, (_, i) => dv.getBigUint64(i * this.entrySize + at, true));
  }

  /** Programs cannot look stack ids up (the verifier allows only bpf_get_stackid on this map). */
  lookup(): number {
    return -1;
  }
  /** Neither programs nor bpf(2) can update a stack map. */
  update(): number {
    return -EINVAL;
  }
  /** stack_map_delete_elem: 0, -E2BIG past the buckets, -ENOENT for an empty bucket. */
  delete(key: Uint8Array, keyOff: number): number {
    const id = readU32(key, keyOff);
    if (id >= this.nBuckets) return -E2BIG;
    if (this.nr[id] < 0) return -ENOENT;
    this.nr[id] = -1;
    this.free++;
    return 0;
  }

  /** bpf_stackmap_copy: the stored entries, zero-filled to value_size. */
  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    if (!key) return -EINVAL;
    const id = readU32(key, 0);
    if (id >= this.nBuckets || this.nr[id] < 0) return -ENOENT;
    const len = this.nr[id] * this.entrySize, slot = id * this.valueSize;
    out.set(this.values.subarray(slot, slot + len));
    out.fill(0, len, this.valueSize);
    return 0;
  }
  protected userUpdate(): number {
    return -EINVAL;
  }

  /** stack_map_get_next_key: the next used bucket; a missing or empty key restarts at 0. */
  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    let id = 0;
    if (key) {
      id = readU32(key, 0);
      id = id >= this.nBuckets || this.nr[id] < 0 ? 0 : id + 1;
    }
    while (id < this.nBuckets && this.nr[id] < 0) id++;
    if (id >= this.nBuckets) return -ENOENT;
    writeU32(out, 0, id);
    return 0;
  }
}

function sameBytes(a: Uint8Array, aOff: number, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[i]) return false;
  return true;
}
