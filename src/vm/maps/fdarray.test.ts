import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_MAP_TYPE as T } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';
import { ArrayOfMapsMap, ProgArrayMap } from './fdarray.js';
import { HashOfMapsMap } from './hashofmaps.js';
import { BPF_F_CURRENT_CPU, PerfEventArrayMap } from './perf.js';
import { DevmapHashMap, RedirectArrayMap } from './redirect.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);

test('prog_array: holds programs for tail calls; bpf(2) updates by id through the resolver', () => {
  const progs = new Map([[7, { id: 7, name: 'a' }], [8, { id: 8, name: 'b' }]]);
  const pa = createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 }, { resolveProgram: (id) => progs.get(id) }) as ProgArrayMap<{ id: number; name: string }>;
  assert.equal(pa.set(1, progs.get(7)!), 0);
  assert.equal(pa.tailCallTarget(1)?.name, 'a');
  assert.equal(pa.tailCallTarget(2), undefined);
  assert.equal(pa.tailCallTarget(-1), undefined);
  assert.equal(pa.updateElem(k4(2), k4(8)), 0);
  assert.equal(pa.updateElem(k4(2), k4(8), 1), -ERRNO.EINVAL, 'only BPF_ANY');
  assert.equal(pa.updateElem(k4(3), k4(99)), -ERRNO.EBADF, 'unknown program');
  assert.equal(pa.updateElem(k4(4), k4(8)), -ERRNO.E2BIG);
  assert.deepEqual(pa.lookupElem(k4(2)), k4(8), 'lookups give the program id');
  assert.deepEqual(pa.dump().map((e) => e.key[0]), ['0x01', '0x02'], 'empty slots are silent in dumps');
  assert.equal(pa.deleteElem(k4(1)), 0);
  assert.equal(pa.deleteElem(k4(1)), -ERRNO.ENOENT);
});

test('maps of maps: inner maps must match the template; programs get the inner map', () => {
  const inner = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 2 });
  const other = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 3 });
  const aom = createMap({ type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner }) as ArrayOfMapsMap;
  assert.equal(aom.set(0, inner), 0);
  assert.equal(aom.set(1, other), -ERRNO.EINVAL, 'array inner maps must have the same max_entries');
  assert.equal(aom.lookupInner(k4(0), 0), inner);
  assert.equal(aom.lookupInner(k4(1), 0), undefined);
  const flexible = createMap({ type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: { type: T.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2, flags: 1 << 12 } });
  const innerFlex = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 9, flags: 1 << 12 });
  assert.equal(flexible.updateElem(k4(0), k4(innerFlex.id)), 0, 'BPF_F_INNER_MAP allows any max_entries');
  const hom = createMap({ type: 'hash_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner }) as HashOfMapsMap;
  assert.equal(hom.setInner(k4(5), inner), 0);
  const byDescription = createMap({ type: 'hash_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: { type: T.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 } });
  assert.equal(byDescription.updateElem(k4(1), k4(inner.id)), 0, 'a plain description (flags omitted) is a template');
  assert.equal(hom.lookupInner(k4(5), 0), inner);
  assert.equal(hom.updateElem(k4(6), k4(0xfffffff)), -ERRNO.EBADF);
  assert.throws(() => createMap({ type: 'hash_of_maps', keySize: 4, valueSize: 4, maxEntries: 2 }), /needs an inner map/);
  assert.throws(() => createMap({ type: 'hash_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: hom }), /inner map type not supported/);
});

test('perf_event_array: bpf_perf_event_output to the current CPU reader, errnos, lost samples', () => {
  const pe = createMap({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 2 }, { cpus: 2 }) as PerfEventArrayMap;
  const data = Uint8Array.of(1, 2, 3, 4, 5);
  assert.equal(pe.output(0, BPF_F_CURRENT_CPU, data, 0, 5), -ERRNO.ENOENT);
  const r0 = pe.open(0), r1 = pe.open(1, 1, 1);
  assert.equal(pe.output(0, BPF_F_CURRENT_CPU, data, 1, 3), 0);
  assert.equal(pe.output(1, BPF_F_CURRENT_CPU, data, 0, 5, Uint8Array.of(9)), 0);
  assert.equal(pe.output(0, 1, data, 0, 5), -ERRNO.EOPNOTSUPP, 'the event is on another CPU');
  assert.equal(pe.output(0, 2, data, 0, 5), -ERRNO.E2BIG);
  assert.deepEqual(r0.read(), [Uint8Array.of(2, 3, 4, 0)], 'raw samples are padded: 4 + 4 bytes');
  assert.deepEqual(r1.read(), [Uint8Array.of(1, 2, 3, 4, 5, 9, 0, 0, 0, 0, 0, 0)]);
  const big = new Uint8Array(3000);
  assert.equal(pe.output(1, 1, big, 0, 3000), 0);
  assert.equal(pe.output(1, 1, big, 0, 3000), -ERRNO.ENOSPC, 'one page holds one such sample');
  assert.equal(r1.lost, 1);
  assert.deepEqual(pe.dump()[0], { key: ['0x00', '0x00', '0x00', '0x00'], value: { error: 'Unknown error 524' } });
});

test('redirect maps: devmap, devmap_hash, cpumap and xskmap answer redirect lookups', () => {
  const dm = createMap({ type: 'devmap', keySize: 4, valueSize: 4, maxEntries: 4 }, { ifindexExists: (i) => i < 10 }) as RedirectArrayMap;
  assert.equal(dm.updateElem(k4(1), k4(3)), 0);
  assert.equal(dm.updateElem(k4(2), k4(30)), -ERRNO.EINVAL, 'no such interface');
  assert.equal(dm.redirectTarget(1), 3);
  assert.equal(dm.redirectTarget(2), -1);
  assert.equal(dm.lookup(k4(1), 0), 4, 'programs may read the entry');
  const dh = createMap({ type: 'devmap_hash', keySize: 4, valueSize: 4, maxEntries: 2 }) as DevmapHashMap;
  assert.equal(dh.updateElem(k4(100), k4(3)), 0);
  assert.equal(dh.updateElem(k4(200), k4(4)), 0);
  assert.equal(dh.updateElem(k4(300), k4(4)), -ERRNO.E2BIG);
  assert.equal(dh.redirectTarget(200), 4);
  assert.deepEqual([...dh.keys()].map((k) => k[0] | (k[1] << 8)), [200, 100]);
  const cm = createMap({ type: 'cpumap', keySize: 4, valueSize: 4, maxEntries: 4 }, { cpus: 2 }) as RedirectArrayMap;
  assert.equal(cm.updateElem(k4(1), k4(64)), 0);
  assert.equal(cm.updateElem(k4(3), k4(64)), -ERRNO.ENODEV, 'not a possible CPU');
  assert.equal(cm.updateElem(k4(0), k4(20000)), -ERRNO.EOVERFLOW);
  assert.equal(cm.redirectTarget(1), 64);
  const xm = createMap({ type: 'xskmap', keySize: 4, valueSize: 4, maxEntries: 2 }) as RedirectArrayMap;
  assert.equal(xm.setSocket(1, 77), 0);
  assert.equal(xm.redirectTarget(1), 77);
  assert.equal(xm.lookupElem(k4(1)), undefined, 'bpf(2) lookups of xskmap are refused');
});
