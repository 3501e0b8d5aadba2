import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_MAP_TYPE as T } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { createMap, isMapTypeSupported } from './factory.js';
import { MapCreateError } from './map.js';
import { defaultCpuCount } from './spec.js';

test('createMap: types by number or name; per-CPU maps default to the possible CPUs', () => {
  assert.equal(createMap({ type: T.HASH, keySize: 4, valueSize: 4, maxEntries: 1 }).typeName, 'hash');
  const m = createMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, name: 'pc' });
  assert.equal(m.nCpus, defaultCpuCount());
  assert.equal(m.name, 'pc');
  assert.equal(createMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1 }, { cpus: 7 }).nCpus, 7);
});

test('createMap: refusals carry the kernel errno and name what is wrong', () => {
  const refuse = (d: Parameters<typeof createMap>[0], errno: number, re: RegExp) =>
    assert.throws(() => createMap(d), (e: unknown) => e instanceof MapCreateError && e.errno === errno && re.test(e.message));
  refuse({ type: 'array', keySize: 8, valueSize: 4, maxEntries: 1, name: 'a' }, ERRNO.EINVAL, /map a: array: key_size must be 4/);
  refuse({ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 1 }, ERRNO.EINVAL, /BPF_F_NO_PREALLOC/);
  refuse({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, mapExtra: 1 }, ERRNO.EINVAL, /map_extra/);
  refuse({ type: 'sockmap', keySize: 4, valueSize: 4, maxEntries: 1 }, ERRNO.EINVAL, /map type sockmap is not supported by the VM/);
  refuse({ type: 'nosuch' as 'hash', keySize: 4, valueSize: 4, maxEntries: 1 }, ERRNO.EINVAL, /unknown map type nosuch/);
  refuse({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, name: 'bad name!' }, ERRNO.EINVAL, /invalid map name/);
  refuse({ type: 'hash', keySize: -1, valueSize: 4, maxEntries: 1 }, ERRNO.EINVAL, /keySize must be a u32/);
  refuse({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 2 ** 31 + 1 }, ERRNO.E2BIG, /max_entries/);
  refuse({ type: 'array', keySize: 4, valueSize: 1 << 20, maxEntries: 1 << 20 }, ERRNO.ENOMEM, /cannot allocate/);
  refuse({ type: 'percpu_hash', keySize: 4, valueSize: 8, maxEntries: 1, spinLockOffset: 0 }, ERRNO.EOPNOTSUPP, /bpf_spin_lock is not allowed in percpu_hash/);
  refuse({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1, spinLockOffset: 6 }, ERRNO.EINVAL, /offset 6/);
  assert.equal(isMapTypeSupported(T.RINGBUF), true);
  assert.equal(isMapTypeSupported(T.STACK_TRACE), true);
  assert.equal(isMapTypeSupported(T.SOCKMAP), false);
});
