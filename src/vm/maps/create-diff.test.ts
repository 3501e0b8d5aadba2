/**
 * BPF_MAP_CREATE's checks, differentially: every description below is created in the kernel
 * (bpf(2) through the kernel backend) and in the VM; both must accept it, or refuse it with the same errno.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_F, BPF_MAP_TYPE as T } from '../../uapi/index.js';
import { hasTool, isRoot, requireOrSkip } from '../../test-support.js';
import { KernelSide, prepareKernelSide, type KernelMapDesc } from './kernel.test.kit.js';
import { errnoName } from './errno.js';
import { createMap } from './factory.js';
import { MapCreateError } from './map.js';

const F = BPF_F;
/** [type, key, value, entries, flags, map_extra?] */
const cases: [number, number, number, number, number, number?][] = [
  [T.BLOOM_FILTER, 0, 4, 4, 0, 15], [T.BLOOM_FILTER, 0, 4, 4, 0, 16], [T.HASH, 4, 4, 4, 0, 1], [T.ARRAY, 4, 4, 4, 0, 2],
  [T.ARRAY, 4, 8, 4, 0], [T.ARRAY, 8, 8, 4, 0], [T.ARRAY, 4, 0, 4, 0], [T.ARRAY, 4, 8, 0, 0],
  [T.ARRAY, 4, 8, 4, F.MMAPABLE], [T.ARRAY, 4, 8, 4, F.NO_PREALLOC], [T.ARRAY, 4, 8, 4, F.RDONLY_PROG | F.WRONLY_PROG],
  [T.ARRAY, 4, 8, 4, F.RDONLY_PROG], [T.ARRAY, 4, 8, 4, F.PRESERVE_ELEMS], [T.ARRAY, 4, 8, 4, F.INNER_MAP],
  [T.ARRAY, 4, 8, 4, F.ZERO_SEED], [T.ARRAY, 4, 8, 4, F.RDONLY | F.WRONLY],
  [T.PERCPU_ARRAY, 4, 8, 4, 0], [T.PERCPU_ARRAY, 4, 8, 4, F.MMAPABLE], [T.PERCPU_ARRAY, 4, 32768, 4, 0], [T.PERCPU_ARRAY, 4, 32769, 4, 0],
  [T.HASH, 4, 8, 4, 0], [T.HASH, 0, 8, 4, 0], [T.HASH, 4, 0, 4, 0], [T.HASH, 4, 8, 0, 0], [T.HASH, 512, 8, 4, 0], [T.HASH, 513, 8, 4, 0],
  [T.HASH, 4, 8, 4, F.NO_PREALLOC], [T.HASH, 4, 8, 4, F.NO_COMMON_LRU], [T.HASH, 4, 8, 4, F.MMAPABLE], [T.HASH, 4, 8, 4, F.ZERO_SEED],
  [T.PERCPU_HASH, 4, 32768, 4, 0], [T.PERCPU_HASH, 4, 32769, 4, 0],
  [T.LRU_HASH, 4, 8, 4, 0], [T.LRU_HASH, 4, 8, 4, F.NO_PREALLOC], [T.LRU_HASH, 4, 8, 4, F.NO_COMMON_LRU],
  [T.LRU_PERCPU_HASH, 4, 8, 4, F.NO_COMMON_LRU],
  [T.LPM_TRIE, 8, 4, 4, F.NO_PREALLOC], [T.LPM_TRIE, 8, 4, 4, 0], [T.LPM_TRIE, 4, 4, 4, F.NO_PREALLOC],
  [T.LPM_TRIE, 5, 4, 4, F.NO_PREALLOC], [T.LPM_TRIE, 260, 4, 4, F.NO_PREALLOC], [T.LPM_TRIE, 261, 4, 4, F.NO_PREALLOC],
  [T.LPM_TRIE, 8, 0, 4, F.NO_PREALLOC], [T.LPM_TRIE, 8, 4, 0, F.NO_PREALLOC],
  [T.QUEUE, 0, 4, 4, 0], [T.QUEUE, 4, 4, 4, 0], [T.QUEUE, 0, 0, 4, 0], [T.QUEUE, 0, 4, 0, 0], [T.STACK, 0, 4, 4, F.NO_PREALLOC],
  [T.BLOOM_FILTER, 0, 4, 4, 0], [T.BLOOM_FILTER, 4, 4, 4, 0], [T.BLOOM_FILTER, 0, 0, 4, 0], [T.BLOOM_FILTER, 0, 4, 4, F.ZERO_SEED],
  [T.RINGBUF, 0, 0, 4096, 0], [T.RINGBUF, 0, 0, 8192, 0], [T.RINGBUF, 0, 0, 12288, 0], [T.RINGBUF, 0, 0, 2048, 0],
  [T.RINGBUF, 4, 0, 4096, 0], [T.RINGBUF, 0, 0, 4096, F.NO_PREALLOC],
  [T.PROG_ARRAY, 4, 4, 4, 0], [T.PROG_ARRAY, 4, 8, 4, 0], [T.PROG_ARRAY, 4, 4, 4, F.RDONLY_PROG],
  [T.PERF_EVENT_ARRAY, 4, 4, 4, 0], [T.PERF_EVENT_ARRAY, 4, 4, 4, F.PRESERVE_ELEMS],
  [T.DEVMAP, 4, 4, 4, 0], [T.DEVMAP, 4, 8, 4, 0], [T.DEVMAP, 4, 6, 4, 0], [T.DEVMAP, 4, 4, 4, F.NO_PREALLOC],
  [T.DEVMAP_HASH, 4, 4, 4, 0], [T.DEVMAP_HASH, 8, 4, 4, 0],
  [T.CPUMAP, 4, 4, 4, 0], [T.CPUMAP, 4, 8, 4, 0], [T.CPUMAP, 4, 12, 4, 0], [T.CPUMAP, 4, 4, 4, F.RDONLY_PROG],
  [T.XSKMAP, 4, 4, 4, 0], [T.XSKMAP, 4, 8, 4, 0], [T.XSKMAP, 4, 4, 4, F.RDONLY_PROG],
  [T.STACK_TRACE, 4, 8, 4, 0], [T.STACK_TRACE, 4, 12, 4, 0], [T.STACK_TRACE, 4, 4, 4, 0], [T.STACK_TRACE, 8, 8, 4, 0],
  [T.STACK_TRACE, 4, 8, 0, 0], [T.STACK_TRACE, 4, 1016, 4, 0], [T.STACK_TRACE, 4, 1024, 4, 0], [T.STACK_TRACE, 4, 8, 4, F.NO_PREALLOC],
  [T.STACK_TRACE, 4, 8, 4, F.STACK_BUILD_ID], [T.STACK_TRACE, 4, 32, 4, F.STACK_BUILD_ID], [T.STACK_TRACE, 4, 4064, 4, F.STACK_BUILD_ID],
  [T.STACK_TRACE, 4, 4096, 4, F.STACK_BUILD_ID], [T.STACK_TRACE, 4, 8, 4, F.RDONLY], [T.STACK_TRACE, 4, 8, 4, F.MMAPABLE],
  [T.CGROUP_ARRAY, 4, 4, 4, 0], [T.CGROUP_ARRAY, 4, 8, 4, 0], [T.CGROUP_ARRAY, 8, 4, 4, 0], [T.CGROUP_ARRAY, 4, 4, 0, 0], [T.CGROUP_ARRAY, 4, 4, 4, F.RDONLY_PROG],
];

test('map creation: the VM accepts and refuses exactly what the kernel does, with its errno', (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('taskset'), 'root and taskset')) return;
  prepareKernelSide();
  const mismatches: string[] = [];
  for (const [type, keySize, valueSize, maxEntries, flags, mapExtra] of cases) {
    const d: KernelMapDesc = { type, keySize, valueSize, maxEntries, flags, mapExtra };
    const k = KernelSide.create(d);
    const kernelRc = typeof k === 'number' ? k : 0;
    if (typeof k !== 'number') k.destroy();
    let vmRc = 0;
    try {
      createMap(d);
    } catch (e) {
      assert.ok(e instanceof MapCreateError, String(e));
      vmRc = -e.errno;
    }
    if (vmRc !== kernelRc) mismatches.push(`${JSON.stringify(d)}: vm ${errnoName(vmRc)}, kernel ${errnoName(kernelRc)}`);
  }
  assert.deepEqual(mismatches, []);
  t.diagnostic(`${cases.length} creations agree`);
});
