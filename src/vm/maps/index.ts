/**
 * The VM's maps: every map type with the kernel's semantics, over typed-array storage.
 *
 * Create with `createMap({type, keySize, valueSize, maxEntries, flags, mapExtra, innerMap, name},
 * {cpus})`. Program-side contract: see map.ts. Helpers map onto map methods as follows (all
 * return 0 / -errno or an offset into `map.values`, and allocate nothing on success paths
 * except where noted):
 *
 * | helper | method |
 * |---|---|
 * | map_lookup_elem | `lookup(key, keyOff, cpu)` → offset or -1; maps of maps: `lookupInner(key, keyOff)` |
 * | map_update_elem / map_delete_elem | `update(key, keyOff, value, valueOff, flags, cpu)` / `delete(key, keyOff)` |
 * | map_lookup_percpu_elem | `lookup(key, keyOff, cpu)` (-1 for cpu ≥ nCpus) |
 * | map_push_elem / map_pop_elem / map_peek_elem | QueueStackMap `push(v, off, flags)` / `pop(out, off)` / `peek(out, off)`; BloomFilterMap `push` / `peek(value, off)` |
 * | for_each_map_elem | `forEachElem(cpu, cb)` (hash and array types) |
 * | tail_call | ProgArrayMap `tailCallTarget(index)` |
 * | get_stackid | StackTraceMap `stackId(trace, flags)` → id or -errno (userspace: `stack(id)`) |
 * | skb_under_cgroup / current_task_under_cgroup | CgroupArrayMap `cgroupAt(index)` (userspace: `setCgroup(index, id)`) |
 * | redirect_map | RedirectArrayMap / DevmapHashMap `redirectTarget(key)` → ifindex, cpu queue size or socket id, or -1 |
 * | perf_event_output | PerfEventArrayMap `output(cpu, index, data, off, size, extra?)` (copies the sample) |
 * | ringbuf_reserve / submit / discard / output / query | RingBufMap `reserve(size, flags)` → offset or -1, `submit(off, flags)`, `discard(off, flags)`, `output(data, off, size, flags)`, `query(flags)` |
 *
 * Userspace (tests, CLI): `lookupElem`, `updateElem`, `deleteElem`, `lookupAndDeleteElem`,
 * `nextKey`, `keys()`, `entries()`, `lookupBatch`, `lookupAndDeleteBatch`, `updateBatch`,
 * `deleteBatch`, `dump()` (bpftool -j shape); bpf(2)-level: `sysLookup`, `sysUpdate`, `sysDelete`,
 * `getNextKey`, `sysLookupAndDelete`. Consumers: RingBufMap `consume`/`drain`, PerfReader `read`.
 */
export { ERRNO, errnoName, strerror } from './errno.js';
export { BpfMap, MapError, MapCreateError, mapById, hexBytes, type MapValue, type DumpEntry, type ForEachCallback, type BatchResult, type MapAttrs } from './map.js';
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
export { StackTraceMap, PERF_EVENT_MAX_STACK, BPF_STACK_BUILD_ID_SIZE } from './stack.js';
export { CgroupArrayMap, type CgroupRef } from './cgroup.js';
export { PerfEventArrayMap, PerfReader, BPF_F_CURRENT_CPU } from './perf.js';
export { RedirectArrayMap, DevmapHashMap, type RedirectEnv } from './redirect.js';
export { jhash, jhash2 } from './jhash.js';
