/**
 * Redirect target maps (kernel/bpf/devmap.c, cpumap.c, xdp/xskmap.c): BPF_MAP_TYPE_DEVMAP,
 * DEVMAP_HASH (interfaces by ifindex), CPUMAP (CPUs with a queue size) and XSKMAP (AF_XDP
 * sockets). The VM stores the entries and answers bpf_redirect_map's lookup; it does not move
 * packets. Entry values are the kernel's `struct bpf_devmap_val {u32 ifindex; u32 prog}` /
 * `struct bpf_cpumap_val {u32 qsize; u32 prog}` (4 or 8 bytes).
 */
import { BPF_EXIST, BPF_F, BPF_MAP_TYPE, BPF_NOEXIST } from '../../uapi/index.js';
import { arrayNextKey, readU32, writeU32 } from './array.js';
import { ERRNO } from './errno.js';
import { BpfMap, type MapAttrs } from './map.js';

const { E2BIG, EBADF, EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, EOVERFLOW } = ERRNO;

/** Per-type rules: value sizes, creation flags and what an entry's first u32 must be. */
interface RedirectRules {
  valueSizes: number[];
  flagsMask: number;
}
const DEV_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG;
const rules: Record<number, RedirectRules> = {
  [BPF_MAP_TYPE.DEVMAP]: { valueSizes: [4, 8], flagsMask: DEV_CREATE_FLAG_MASK },
  [BPF_MAP_TYPE.DEVMAP_HASH]: { valueSizes: [4, 8], flagsMask: DEV_CREATE_FLAG_MASK },
  [BPF_MAP_TYPE.CPUMAP]: { valueSizes: [4, 8], flagsMask: BPF_F.NUMA_NODE },
  [BPF_MAP_TYPE.XSKMAP]: { valueSizes: [4], flagsMask: BPF_F.NUMA_NODE | BPF_F.RDONLY | BPF_F.WRONLY },
};
/** cpumap: NR_CPUS of the kernel's config limits max_entries. */
const NR_CPUS = 8192;
const CPUMAP_MAX_QSIZE = 16384;

/** dev_map_alloc / cpu_map_alloc / xsk_map_alloc checks. */
export function checkRedirectAttrs(a: MapAttrs): [number, string] | undefined {
  const r = rules[a.type];
  if (a.maxEntries === 0 || a.keySize !== 4 || !r.valueSizes.includes(a.valueSize) || a.flags & ~r.flagsMask) {
    return [EINVAL, `needs key_size 4, value_size ${r.valueSizes.join(' or ')}, max_entries > 0, flags within 0x${r.flagsMask.toString(16)}`];
  }
  if (a.type === BPF_MAP_TYPE.CPUMAP && a.maxEntries > NR_CPUS) return [E2BIG, `max_entries over NR_CPUS (${NR_CPUS})`];
  return undefined;
}

/** Environment the redirect maps validate entries against (what the kernel looks up by ifindex, fd…). */
export interface RedirectEnv {
  /** True when a network interface with this ifindex exists (default: any non-zero ifindex). */
  ifindexExists?: (ifindex: number) => boolean;
}

/** DEVMAP, CPUMAP, XSKMAP: arrays of optional entries. */
export class RedirectArrayMap extends BpfMap {
  /** Entries as the kernel's value structs (programs may read devmap/cpumap entries). */
  readonly values: Uint8Array;
  private readonly present: Uint8Array;

  constructor(a: MapAttrs, private readonly env: RedirectEnv = {}) {
    super(a);
    this.values = new Uint8Array(a.valueSize * a.maxEntries);
    this.present = new Uint8Array(a.maxEntries);
  }

  /** bpf_redirect_map's lookup: the entry's first u32 (ifindex, queue size, socket id), or -1. */
  redirectTarget(index: number): number {
    index >>>= 0;
    if (index >= this.maxEntries || !this.present[index]) return -1;
    return readU32(this.values, index * this.valueSize);
  }

  /** Stores an AF_XDP socket (by id) in an XSKMAP slot (what a bpf(2) update with the socket fd does). */
  setSocket(index: number, socketId: number): number {
    if (this.type !== BPF_MAP_TYPE.XSKMAP) return -EINVAL;
    if (index >>> 0 >= this.maxEntries) return -E2BIG;
    writeU32(this.values, index * 4, socketId);
    this.present[index] = 1;
    return 0;
  }

  lookup(key: Uint8Array, keyOff: number): number {
    const i = readU32(key, keyOff);
    return i < this.maxEntries && this.present[i] ? i * this.valueSize : -1;
  }

  /** Programs cannot update redirect maps (verifier). */
  update(): number {
    return -EINVAL;
  }

  delete(key: Uint8Array, keyOff: number): number {
    const i = readU32(key, keyOff);
    if (i >= this.maxEntries) return -EINVAL;
    this.present[i] = 0;
    return 0;
  }

  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    if (!key) return -EINVAL;
    if (this.type === BPF_MAP_TYPE.XSKMAP) return -EOPNOTSUPP;
    const off = this.lookup(key, 0);
    if (off < 0) return -ENOENT;
    out.set(this.values.subarray(off, off + this.valueSize));
    return 0;
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    if (flags > BPF_EXIST) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (this.type === BPF_MAP_TYPE.XSKMAP) return -EBADF; // needs an AF_XDP socket fd: use setSocket()
    if (flags === BPF_NOEXIST) return -EEXIST;
    const first = readU32(value, 0);
    const prog = this.valueSize === 8 ? readU32(value, 4) : 0;
    if (this.type === BPF_MAP_TYPE.CPUMAP) {
      if (first > CPUMAP_MAX_QSIZE) return -EOVERFLOW;
      if (i >= this.nCpus) return -ENODEV;
    } else if (first === 0) {
      if (prog > 0) return -EINVAL;
    } else if (!(this.env.ifindexExists?.(first) ?? true)) return -EINVAL;
    // A program fd in the entry would attach a program to the target: not modelled by the VM.
    if (prog !== 0) return -EINVAL;
    if (first === 0) {
      this.present[i] = 0;
      return 0;
    }
    this.values.set(value.subarray(0, this.valueSize), i * this.valueSize);
    this.present[i] = 1;
    return 0;
  }

  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    return arrayNextKey(this.maxEntries, key, out);
  }
}

/** DEVMAP_HASH: entries chained in roundup_pow_of_two(max_entries) buckets by `ifindex key & mask`. */
export class DevmapHashMap extends BpfMap {
  readonly values: Uint8Array;
  private readonly keyStore: Uint32Array;
  private readonly link: Int32Array;
  private readonly buckets: Int32Array;
  private freeHead = -1;
  private items = 0;

  constructor(a: MapAttrs, private readonly env: RedirectEnv = {}) {
    super(a);
    this.values = new Uint8Array(a.valueSize * (a.maxEntries + 1));
    this.keyStore = new Uint32Array(a.maxEntries + 1);
    this.link = new Int32Array(a.maxEntries + 1);
    let n = 1;
    while (n < a.maxEntries) n *= 2;
    this.buckets = new Int32Array(n).fill(-1);
    for (let s = a.maxEntries; s >= 0; s--) {
      this.link[s] = this.freeHead;
      this.freeHead = s;
    }
  }

  private find(k: number): number {
    for (let s = this.buckets[k & (this.buckets.length - 1)]; s >= 0; s = this.link[s]) if (this.keyStore[s] === k) return s;
    return -1;
  }

  private unlink(s: number): void {
    const b = this.keyStore[s] & (this.buckets.length - 1);
    if (this.buckets[b] === s) this.buckets[b] = this.link[s];
    else {
      let p = this.buckets[b];
      while (this.link[p] !== s) p = this.link[p];
      this.link[p] = this.link[s];
    }
    this.link[s] = this.freeHead;
    this.freeHead = s;
  }

  /** bpf_redirect_map's lookup: the ifindex stored under `key`, or -1. */
  redirectTarget(key: number): number {
    const s = this.find(key >>> 0);
    return s < 0 ? -1 : readU32(this.values, s * this.valueSize);
  }

  lookup(key: Uint8Array, keyOff: number): number {
    const s = this.find(readU32(key, keyOff));
    return s < 0 ? -1 : s * this.valueSize;
  }
  update(): number {
    return -EINVAL;
  }
  delete(key: Uint8Array, keyOff: number): number {
    const s = this.find(readU32(key, keyOff));
    if (s < 0) return -ENOENT;
    this.unlink(s);
    this.items--;
    return 0;
  }

  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    if (!key) return -EINVAL;
    const s = this.find(readU32(key, 0));
    if (s < 0) return -ENOENT;
    out.set(this.values.subarray(s * this.valueSize, (s + 1) * this.valueSize));
    return 0;
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (!key) return -EINVAL;
    if (flags > BPF_EXIST) return -EINVAL;
    const k = readU32(key, 0);
    const old = this.find(k);
    if (old >= 0 && flags & BPF_NOEXIST) return -EEXIST;
    const ifindex = readU32(value, 0);
    if (ifindex === 0 || !(this.env.ifindexExists?.(ifindex) ?? true)) return -EINVAL;
    if (this.valueSize === 8 && readU32(value, 4) !== 0) return -EINVAL;
    if (old >= 0) this.unlink(old);
    else if (this.items >= this.maxEntries) return -E2BIG;
    else this.items++;
    const s = this.freeHead;
    this.freeHead = this.link[s];
    this.keyStore[s] = k;
    this.values.set(value.subarray(0, this.valueSize), s * this.valueSize);
    const b = k & (this.buckets.length - 1);
    this.link[s] = this.buckets[b];
    this.buckets[b] = s;
    return 0;
  }

  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    let b = 0;
    if (key) {
      const k = readU32(key, 0);
      const s = this.find(k);
      if (s >= 0) {
        const nx = this.link[s];
        if (nx >= 0) {
          writeU32(out, 0, this.keyStore[nx]);
          return 0;
        }
        b = (k & (this.buckets.length - 1)) + 1;
      }
    }
    for (; b < this.buckets.length; b++) {
      const s = this.buckets[b];
      if (s >= 0) {
        writeU32(out, 0, this.keyStore[s]);
        return 0;
      }
    }
    return -ENOENT;
  }
}
