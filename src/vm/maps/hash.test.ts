import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_ANY, BPF_EXIST, BPF_F, BPF_F_LOCK, BPF_MAP_TYPE as T, BPF_NOEXIST } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';
import { HashMap } from './hash.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);
const v8 = (n: number) => Uint8Array.of(n, 0, 0, 0, 0, 0, 0, n);

test('hash: program-side lookup returns an offset into the value storage, update/delete errnos', () => {
  const m = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2 }) as HashMap;
  // Keys are read from the caller's memory at an offset.
  const mem = new Uint8Array(64);
  mem.set(k4(7), 16);
  mem.set(v8(9), 32);
  assert.equal(m.lookup(mem, 16, 0), -1);
  assert.equal(m.update(mem, 16, mem, 32, BPF_EXIST, 0), -ERRNO.ENOENT);
  assert.equal(m.update(mem, 16, mem, 32, BPF_NOEXIST, 0), 0);
  assert.equal(m.update(mem, 16, mem, 32, BPF_NOEXIST, 0), -ERRNO.EEXIST);
  const off = m.lookup(mem, 16, 0);
  assert.ok(off >= 0 && off % 8 === 0);
  assert.deepEqual(m.values.subarray(off, off + 8), v8(9));
  // A program writing through the pointer changes the map.
  m.values[off] = 42;
  assert.equal((m.lookupElem(k4(7)) as Uint8Array)[0], 42);
  assert.equal(m.update(mem, 16, mem, 32, 3, 0), -ERRNO.EINVAL);
  assert.equal(m.update(mem, 16, mem, 32, 2 ** 32, 0), -ERRNO.EINVAL, 'flags are a u64');
  assert.equal(m.update(mem, 16, mem, 32, 0x80000000, 0), -ERRNO.EINVAL);
  assert.equal(m.update(mem, 16, mem, 32, BPF_F_LOCK, 0), -ERRNO.EINVAL, 'BPF_F_LOCK needs a spin lock');
  assert.equal(m.updateElem(k4(8), v8(1)), 0);
  assert.equal(m.updateElem(k4(9), v8(1)), -ERRNO.E2BIG, 'full');
  assert.equal(m.updateElem(k4(8), v8(2)), 0, 'replacing in a full map works');
  assert.equal(m.count, 2);
  assert.equal(m.delete(k4(9), 0), -ERRNO.ENOENT);
  assert.equal(m.delete(mem, 16), 0);
  assert.equal(m.lookupElem(k4(7)), undefined);
});

test('hash: replacing a value moves it to a new element like the kernel; BPF_F_LOCK updates in place; the spin lock is never copied', () => {
  const m = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4, spinLockOffset: 4 }) as HashMap;
  m.updateElem(k4(1), v8(1));
  const before = m.lookup(k4(1), 0, 0);
  m.updateElem(k4(1), v8(2));
  const after = m.lookup(k4(1), 0, 0);
  assert.notEqual(after, before);
  m.values.fill(0xee, after + 4, after + 8); // "locked" spin lock word
  assert.equal(m.updateElem(k4(1), v8(3), BPF_F_LOCK), 0);
  assert.equal(m.lookup(k4(1), 0, 0), after, 'in place');
  assert.deepEqual(Array.from(m.values.subarray(after, after + 8)), [3, 0, 0, 0, 0xee, 0xee, 0xee, 0xee]);
  // bpf(2) lookups read the lock as zero.
  const out = new Uint8Array(8);
  assert.equal(m.sysLookup(k4(1), out, BPF_F_LOCK), 0);
  assert.deepEqual(Array.from(out), [3, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(m.sysLookup(k4(1), out, 0), 0);
  assert.deepEqual(Array.from(out), [3, 0, 0, 0, 0, 0, 0, 0]);
  // A replaced element starts with a zero lock; the caller's lock bytes are never copied in.
  assert.equal(m.updateElem(k4(1), Uint8Array.of(4, 0, 0, 0, 9, 9, 9, 9)), 0);
  const fresh = m.lookup(k4(1), 0, 0);
  assert.deepEqual(Array.from(m.values.subarray(fresh, fresh + 8)), [4, 0, 0, 0, 0, 0, 0, 0]);
});

test('percpu_hash: one slab with a per-CPU stride; program updates write one CPU and zero the others', () => {
  const m = createMap({ type: 'percpu_hash', keySize: 4, valueSize: 4, maxEntries: 4 }, { cpus: 3 }) as HashMap<Uint8Array[]>;
  assert.equal(m.perCpu, true);
  assert.equal(m.cpuStride, 8);
  assert.equal(m.update(k4(1), 0, Uint8Array.of(5, 0, 0, 0), 0, BPF_ANY, 1), 0);
  const o0 = m.lookup(k4(1), 0, 0), o1 = m.lookup(k4(1), 0, 1), o2 = m.lookup(k4(1), 0, 2);
  assert.equal(o1 - o0, 8);
  assert.equal(o2 - o0, 16);
  assert.equal(m.lookup(k4(1), 0, 3), -1, 'bpf_map_lookup_percpu_elem on a CPU that does not exist');
  assert.deepEqual(m.lookupElem(k4(1))!.map((v) => v[0]), [0, 5, 0]);
  // In place for existing keys: other CPUs keep their values.
  assert.equal(m.update(k4(1), 0, Uint8Array.of(7, 0, 0, 0), 0, BPF_ANY, 2), 0);
  assert.equal(m.lookup(k4(1), 0, 0), o0);
  assert.deepEqual(m.lookupElem(k4(1))!.map((v) => v[0]), [0, 5, 7]);
  // Userspace: one value per CPU, or one for all.
  assert.equal(m.updateElem(k4(2), [Uint8Array.of(1, 0, 0, 0), Uint8Array.of(2, 0, 0, 0), Uint8Array.of(3, 0, 0, 0)]), 0);
  assert.deepEqual(m.dump()[0], m.dump()[0]);
  const e = m.dump().find((d) => d.key[0] === '0x02')!;
  assert.deepEqual(e, { key: ['0x02', '0x00', '0x00', '0x00'], values: [0, 1, 2].map((c) => ({ cpu: c, value: [`0x0${c + 1}`, '0x00', '0x00', '0x00'] })) });
  assert.throws(() => m.updateElem(k4(3), [Uint8Array.of(1, 0, 0, 0)]), /per-CPU value/);
});

test('lru_hash: a program lookup (reference bit) protects an element from eviction', () => {
  const m = createMap({ type: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 4 }, { cpus: 1 }) as HashMap;
  for (let i = 1; i <= 4; i++) assert.equal(m.updateElem(k4(i), v8(i)), 0);
  assert.ok(m.lookup(k4(1), 0, 0) >= 0); // program-side: sets the reference bit
  for (let i = 5; i <= 7; i++) assert.equal(m.updateElem(k4(i), v8(i)), 0);
  // The kernel's LRU frees target_free (here 2) unreferenced elements at a time from the inactive
  // tail: 2 and 3 go for 5 and 6, then 4 and 5 for 7; 1 was referenced and moved to the active list.
  const keys = [...m.keys()].map((k) => k[0]).sort();
  assert.deepEqual(keys, [1, 6, 7]);
  // bpf(2) lookups do not set the bit.
  const n = createMap({ type: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 4 }, { cpus: 1 });
  for (let i = 1; i <= 4; i++) n.updateElem(k4(i), v8(i));
  n.lookupElem(k4(1));
  n.updateElem(k4(5), v8(5));
  assert.equal(n.lookupElem(k4(1)), undefined);
});

test('lru_percpu_hash with per-CPU lists rounds max_entries to a multiple of the CPU count', () => {
  const m = createMap({ type: T.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 5, flags: BPF_F.NO_COMMON_LRU }, { cpus: 4 });
  assert.equal(m.maxEntries, 8);
});

test('hash: 1,000,000 entries of 4-byte keys and 8-byte values fit in 64 MiB', () => {
  global.gc?.();
  const before = process.memoryUsage();
  const m = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1_000_000 }) as HashMap;
  const key = new Uint8Array(4), val = new Uint8Array(8);
  const dv = new DataView(key.buffer);
  for (let i = 0; i < 1_000_000; i++) {
    dv.setUint32(0, i * 2654435761, true);
    val[0] = i;
    if (m.update(key, 0, val, 0, BPF_ANY, 0) !== 0) assert.fail(`update ${i}`);
  }
  assert.equal(m.count, 1_000_000);
  const after = process.memoryUsage();
  const used = after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed);
  assert.ok(used <= 64 * 1024 * 1024, `${(used / 1048576).toFixed(1)} MiB`);
  dv.setUint32(0, 12345 * 2654435761, true);
  assert.ok(m.lookup(key, 0, 0) >= 0);
});

test('bpf_for_each_map_elem: every element with pointers into key and value storage; non-zero stops', () => {
  const m = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8 }) as HashMap;
  for (let i = 1; i <= 5; i++) m.updateElem(k4(i), v8(i));
  const seen: number[] = [];
  assert.equal(m.forEachElem(0, (keys, ko, vo) => {
    seen.push(keys[ko]);
    assert.equal(m.values[vo], keys[ko]);
    if (keys[ko] === 3) m.delete(keys, ko); // deleting the current element is allowed
    return 0;
  }), 5);
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5]);
  assert.equal(m.count, 4);
  assert.equal(m.forEachElem(0, () => 1), 1);
  const a = createMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 3 }, { cpus: 2 });
  const offs: number[] = [];
  assert.equal(a.forEachElem(1, (_k, _ko, vo) => (offs.push(vo), 0)), 3);
  assert.deepEqual(offs, [8, 24, 40]);
  assert.equal(createMap({ type: 'queue', keySize: 0, valueSize: 4, maxEntries: 1 }).forEachElem(0, () => 0), -ERRNO.ENOTSUPP);
});
