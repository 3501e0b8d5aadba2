import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_F, BPF_NOEXIST } from '../../uapi/index.js';
import { ArrayMap } from './array.js';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);

test('array: values at index × roundUp(value_size, 8); no delete; NOEXIST always -EEXIST', () => {
  const a = createMap({ type: 'array', keySize: 4, valueSize: 5, maxEntries: 3 }) as ArrayMap;
  assert.equal(a.values.length, 24);
  assert.equal(a.lookup(k4(2), 0, 0), 16);
  assert.equal(a.lookup(k4(3), 0, 0), -1);
  assert.equal(a.update(k4(3), 0, new Uint8Array(5), 0, 0, 0), -ERRNO.E2BIG);
  assert.equal(a.update(k4(1), 0, new Uint8Array(5), 0, BPF_NOEXIST, 0), -ERRNO.EEXIST);
  assert.equal(a.updateElem(k4(1), Uint8Array.of(1, 2, 3, 4, 5)), 0);
  assert.deepEqual(a.values.subarray(8, 13), Uint8Array.of(1, 2, 3, 4, 5));
  assert.equal(a.deleteElem(k4(1)), -ERRNO.EINVAL);
  assert.deepEqual([...a.keys()].map((k) => k[0]), [0, 1, 2]);
  assert.deepEqual(a.nextKey(k4(77)), k4(0), 'an out-of-range key restarts at 0');
  assert.deepEqual(a.dump()[1], { key: ['0x01', '0x00', '0x00', '0x00'], value: ['0x01', '0x02', '0x03', '0x04', '0x05'] });
});

test('percpu_array: per-CPU slab; bpf(2) reads every CPU', () => {
  const a = createMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 2 }, { cpus: 2 }) as ArrayMap<Uint8Array[]>;
  assert.equal(a.lookup(k4(1), 0, 1), 1 * 16 + 8);
  a.update(k4(1), 0, Uint8Array.of(9, 0, 0, 0), 0, 0, 1);
  assert.deepEqual(a.lookupElem(k4(1)), [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(9, 0, 0, 0)]);
  const batch = a.lookupBatch(undefined, 5);
  assert.equal(batch.err, -ERRNO.ENOENT);
  assert.equal(batch.keys.length, 2);
});

test('access flags: BPF_F_RDONLY refuses bpf(2) writes, BPF_F_WRONLY reads', () => {
  const ro = createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F.RDONLY });
  assert.equal(ro.updateElem(k4(0), k4(1)), -ERRNO.EPERM);
  assert.ok(ro.lookupElem(k4(0)));
  const wo = createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F.WRONLY });
  assert.equal(wo.updateElem(k4(0), k4(1)), 0);
  assert.equal(wo.lookupElem(k4(0)), undefined);
  assert.equal(wo.sysLookup(k4(0), new Uint8Array(4), 0), -ERRNO.EPERM);
});

test('userspace API rejects wrong key and value lengths with a typed error', () => {
  const a = createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => a.lookupElem(new Uint8Array(3)), { name: 'MapError', message: /key must be 4 bytes/ });
  assert.throws(() => a.updateElem(k4(0), new Uint8Array(2)), { name: 'MapError', message: /value must be 4 bytes/ });
});

test('BPF_MAP_FREEZE: bpf(2) writes fail with -EPERM, programs still write; RDONLY_PROG is reported for the memory model', () => {
  const ro = createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F.RDONLY_PROG }) as ArrayMap;
  assert.equal(ro.progAccess, 'ro');
  ro.updateElem(k4(0), k4(5));
  ro.freeze();
  assert.equal(ro.frozen, true);
  assert.equal(ro.updateElem(k4(0), k4(6)), -ERRNO.EPERM);
  assert.deepEqual(ro.lookupElem(k4(0)), k4(5));
  assert.equal(ro.update(k4(0), 0, k4(7), 0, 0, 0), 0, 'the program side is not frozen');
  assert.equal(createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 }).progAccess, 'rw');
});
