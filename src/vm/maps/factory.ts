/**
 * createMap(): a VM map from a plain description, with the kernel's BPF_MAP_CREATE checks.
 * One table row per supported map type; types the VM lacks fail with a clear error naming them.
 */
import { BPF_MAP_TYPE, mapTypeName } from '../../uapi/index.js';
import { ArrayMap, checkArrayAttrs } from './array.js';
import { BloomFilterMap, checkBloomAttrs } from './bloom.js';
import { CgroupArrayMap } from './cgroup.js';
import { ERRNO } from './errno.js';
import { ArrayOfMapsMap, checkFdArrayAttrs, checkInnerTemplate, ProgArrayMap, type InnerTemplate, type Referenced } from './fdarray.js';
import { checkHashAttrs, HashMap } from './hash.js';
import { HashOfMapsMap } from './hashofmaps.js';
import { checkLpmAttrs, LpmTrieMap } from './lpm.js';
import { BpfMap, MapCreateError, type MapAttrs, type MapValue } from './map.js';
import { PerfEventArrayMap } from './perf.js';
import { checkQueueAttrs, QueueStackMap } from './queue.js';
import { checkRedirectAttrs, DevmapHashMap, RedirectArrayMap, type RedirectEnv } from './redirect.js';
import { checkRingbufAttrs, RingBufMap } from './ringbuf.js';
import { checkStackTraceAttrs, StackTraceMap } from './stack.js';
import { resolveAttrs, type MapDescription, type MapOptions } from './spec.js';

/** Everything createMap may need beyond the description. */
export interface CreateOptions extends MapOptions, RedirectEnv {
  /** Resolves a program id written to a prog array through bpf(2)-style updates. */
  resolveProgram?: (id: number) => Referenced | undefined;
}

type Check = (a: MapAttrs) => [number, string] | undefined;
interface MapKind {
  check: Check;
  create: (a: MapAttrs, inner: InnerTemplate | undefined, o: CreateOptions) => BpfMap<MapValue>;
  /** Needs an inner map template (maps of maps). */
  needsInner?: boolean;
}

const T = BPF_MAP_TYPE;
const hashKind: MapKind = { check: checkHashAttrs, create: (a) => new HashMap(a) };
const arrayKind: MapKind = { check: checkArrayAttrs, create: (a) => new ArrayMap(a) };
const queueKind: MapKind = { check: checkQueueAttrs, create: (a) => new QueueStackMap(a) };
const redirectKind: MapKind = { check: checkRedirectAttrs, create: (a, _i, o) => new RedirectArrayMap(a, o) };
const ofMapsCheck = (base: Check): Check => (a) => (a.valueSize !== 4 ? [ERRNO.EINVAL, 'value_size must be 4'] : base(a));

/** The map types the VM implements. */
const kinds: Partial<Record<number, MapKind>> = {
  [T.HASH]: hashKind,
  [T.PERCPU_HASH]: hashKind,
  [T.LRU_HASH]: hashKind,
  [T.LRU_PERCPU_HASH]: hashKind,
  [T.ARRAY]: arrayKind,
  [T.PERCPU_ARRAY]: arrayKind,
  [T.LPM_TRIE]: { check: checkLpmAttrs, create: (a) => new LpmTrieMap(a) },
  [T.PROG_ARRAY]: { check: checkFdArrayAttrs, create: (a, _i, o) => new ProgArrayMap(a, o.resolveProgram) },
  [T.PERF_EVENT_ARRAY]: { check: checkFdArrayAttrs, create: (a) => new PerfEventArrayMap(a) },
  [T.STACK_TRACE]: { check: checkStackTraceAttrs, create: (a) => new StackTraceMap(a) },
  [T.CGROUP_ARRAY]: { check: checkFdArrayAttrs, create: (a) => new CgroupArrayMap(a) },
  [T.RINGBUF]: { check: checkRingbufAttrs, create: (a) => new RingBufMap(a) },
  [T.QUEUE]: queueKind,
  [T.STACK]: queueKind,
  [T.BLOOM_FILTER]: { check: checkBloomAttrs, create: (a) => new BloomFilterMap(a) },
  [T.ARRAY_OF_MAPS]: { check: ofMapsCheck(checkArrayAttrs), create: (a, i) => new ArrayOfMapsMap(a, i!), needsInner: true },
  [T.HASH_OF_MAPS]: { check: ofMapsCheck(checkHashAttrs), create: (a, i) => new HashOfMapsMap(a, i!), needsInner: true },
  [T.DEVMAP]: redirectKind,
  [T.CPUMAP]: redirectKind,
  [T.XSKMAP]: redirectKind,
  [T.DEVMAP_HASH]: { check: checkRedirectAttrs, create: (a, _i, o) => new DevmapHashMap(a, o) },
};

/** True when the VM implements this map type. */
export function isMapTypeSupported(type: number): boolean {
  return kinds[type] !== undefined;
}

/** The inner template of a description's innerMap (a description is resolved like an outer map). */
function innerTemplate(d: MapDescription, o: CreateOptions): InnerTemplate | undefined {
  const im = d.innerMap;
  if (!im) return undefined;
  if (im instanceof BpfMap) return im;
  const a = resolveAttrs(im, o);
  return { type: a.type, keySize: a.keySize, valueSize: a.valueSize, maxEntries: a.maxEntries, flags: a.flags };
}

/**
 * Creates a VM map. Throws MapCreateError (with the kernel's errno) for what BPF_MAP_CREATE
 * refuses, and for map types the VM does not implement (naming them).
 */
export function createMap(d: MapDescription, o: CreateOptions = {}): BpfMap<MapValue> {
  const a = resolveAttrs(d, o);
  const label = `map ${a.name || '(unnamed)'}`;
  const kind = kinds[a.type];
  if (!kind) throw new MapCreateError(`${label}: map type ${mapTypeName(a.type)} is not supported by the VM`, ERRNO.EINVAL);
  if (a.mapExtra !== 0n && a.type !== T.BLOOM_FILTER) throw new MapCreateError(`${label}: map_extra is only for bloom filters`, ERRNO.EINVAL);
  let inner: InnerTemplate | undefined;
  if (kind.needsInner) {
    inner = innerTemplate(d, o);
    const bad = checkInnerTemplate(inner);
    if (bad) throw new MapCreateError(`${label}: ${bad[1]}`, bad[0]);
  }
  if (a.spinLockOffset !== undefined) {
    // map_check_btf(): a bpf_spin_lock only in hash and array values (of the types the VM has).
    if (a.type !== T.HASH && a.type !== T.ARRAY) throw new MapCreateError(`${label}: bpf_spin_lock is not allowed in ${mapTypeName(a.type)} values`, ERRNO.EOPNOTSUPP);
    const o = a.spinLockOffset;
    if (!Number.isInteger(o) || o < 0 || o % 4 || o + 4 > a.valueSize) throw new MapCreateError(`${label}: bpf_spin_lock at offset ${o} does not fit a ${a.valueSize}-byte value`, ERRNO.EINVAL);
  }
  const bad = kind.check(a);
  if (bad) throw new MapCreateError(`${label}: ${mapTypeName(a.type)}: ${bad[1]}`, bad[0]);
  try {
    return kind.create(a, inner, o);
  } catch (e) {
    if (e instanceof RangeError) throw new MapCreateError(`${label}: cannot allocate storage for ${a.maxEntries} entries`, ERRNO.ENOMEM);
    throw e;
  }
}
