/**
 * BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c): a bitset of roundup_pow_of_two(
 * max_entries × nr_hashes × 7 / 5) bits (at least 64, at most 2^31); `map_extra` bits 0-3 give
 * the number of hash functions (0: 5). Push sets, peek tests the bits of each
 * `jhash(value, seed + i) & mask`. The seed is 0 (the kernel's with BPF_F_ZERO_SEED), so
 * false positives are the kernel's for zero-seeded filters.
 */
import { BPF_ANY, BPF_F } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { jhash, jhash2 } from './jhash.js';
import { BpfMap, type MapAttrs } from './map.js';
import { ACCESS_MASK, accessOk, KMALLOC_MAX_SIZE } from './spec.js';

const { E2BIG, EINVAL, ENOENT, EOPNOTSUPP } = ERRNO;
const BLOOM_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | BPF_F.ZERO_SEED | ACCESS_MASK;
const BLOOM_FILTER_MAX_EXTRA = 0xf;
const DEFAULT_NR_HASHES = 5;

/** bloom_map_alloc() checks. */
export function checkBloomAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.keySize !== 0 || a.valueSize === 0 || a.maxEntries === 0 || a.flags & ~BLOOM_CREATE_FLAG_MASK || !accessOk(a.flags) || a.mapExtra & ~BigInt(BLOOM_FILTER_MAX_EXTRA)) {
    return [EINVAL, 'needs key_size 0, value_size > 0, max_entries > 0, map_extra <= 15'];
  }
  if (a.valueSize > KMALLOC_MAX_SIZE) return [E2BIG, 'value_size too large'];
  return undefined;
}

export class BloomFilterMap extends BpfMap {
  /** The bitset (programs never get a pointer into it). */
  readonly values: Uint8Array;
  readonly nrHashes: number;
  private readonly bitMask: number;
  private readonly alignedWords: number;
  private readonly seed = 0;

  constructor(a: MapAttrs) {
    super(a);
    this.nrHashes = Number(a.mapExtra & BigInt(BLOOM_FILTER_MAX_EXTRA)) || DEFAULT_NR_HASHES;
    // u32 arithmetic as the kernel's: on overflow (or over 2^31 bits) the set has 2^32 bits.
    const product = a.maxEntries * this.nrHashes;
    let bits = Math.floor(product / 5) * 7;
    if (product > 0xffffffff || bits > 2 ** 31) bits = 2 ** 32;
    else if (bits <= 64) bits = 64;
    else bits = 2 ** Math.ceil(Math.log2(bits));
    this.bitMask = (bits - 1) | 0;
    this.values = new Uint8Array(bits / 8);
    this.alignedWords = a.valueSize % 4 === 0 ? a.valueSize / 4 : 0;
  }

  private bit(value: Uint8Array, off: number, i: number): number {
    const h = this.alignedWords
      ? jhash2(value, off, this.alignedWords, (this.seed + i) | 0)
      : jhash(value, off, this.valueSize, (this.seed + i) | 0);
    return (h & this.bitMask) >>> 0;
  }

  /** bpf_map_push_elem: adds a value; flags must be BPF_ANY. */
  push(value: Uint8Array, valueOff: number, flags: number): number {
    if (flags !== BPF_ANY) return -EINVAL;
    for (let i = 0; i < this.nrHashes; i++) {
      const b = this.bit(value, valueOff, i);
      this.values[b >>> 3] |= 1 << (b & 7);
    }
    return 0;
  }

  /** bpf_map_peek_elem: 0 when the value may be present, -ENOENT when it is certainly not. */
  peek(value: Uint8Array, valueOff: number): number {
    for (let i = 0; i < this.nrHashes; i++) {
      const b = this.bit(value, valueOff, i);
      if (!(this.values[b >>> 3] & (1 << (b & 7)))) return -ENOENT;
    }
    return 0;
  }

  lookup(): number {
    return -1;
  }
  update(_key: Uint8Array, _keyOff: number, value: Uint8Array, valueOff: number, flags: number): number {
    return this.push(value, valueOff, flags);
  }
  delete(): number {
    return -EOPNOTSUPP;
  }
  /** bpf(2) lookup tests the value passed in the value buffer. */
  protected userLookup(_key: Uint8Array | null, value: Uint8Array): number {
    return this.peek(value, 0);
  }
  protected userUpdate(_key: Uint8Array | null, value: Uint8Array, flags: number): number {
    return this.push(value, 0, flags);
  }
  protected override userDelete(): number {
    return -EOPNOTSUPP;
  }
  protected override userLookupAndDelete(): number {
    return -EOPNOTSUPP;
  }
  protected nextKeyImpl(): number {
    return -EOPNOTSUPP;
  }

  /** True when `value` may have been pushed (bpf(2) lookup with the value as input). */
  mayContain(value: Uint8Array): boolean {
    return this.peek(value, 0) === 0;
  }
}
