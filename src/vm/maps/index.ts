/** The VM's maps: every map type with the kernel's semantics, over typed-array storage. */
export { ERRNO, errnoName, strerror, errnoFromMessage } from './errno.js';
export { BpfMap, MapError, MapCreateError, mapById, hexBytes, type MapValue, type DumpEntry, type BatchResult, type MapAttrs } from './map.js';
export { type MapDescription, type MapOptions, defaultCpuCount } from './spec.js';
export { createMap, isMapTypeSupported, type CreateOptions } from './factory.js';
export { ArrayMap } from './array.js';
export { HashMap } from './hash.js';
export { LpmTrieMap } from './lpm.js';
export { QueueStackMap } from './queue.js';
export { BloomFilterMap } from './bloom.js';
export { RingBufMap, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, BPF_RINGBUF_HDR_SZ, BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS } from './ringbuf.js';
export { FdArrayMap, ProgArrayMap, ArrayOfMapsMap, type Referenced, type InnerTemplate } from './fdarray.js';
export { HashOfMapsMap } from './hashofmaps.js';
export { PerfEventArrayMap, PerfReader, BPF_F_CURRENT_CPU } from './perf.js';
export { RedirectArrayMap, DevmapHashMap, type RedirectEnv } from './redirect.js';
export { jhash, jhash2 } from './jhash.js';
