import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { BPF_F, BPF_NOEXIST, BPF_EXIST, BPF_MAP_TYPE } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { hasTool, isRoot, requireOrSkip } from '../test-support.js';
import { execFileSync } from 'node:child_process';
import { KernelMap } from './map.js';
import { possibleCpuCount } from '../uapi/cpus.js';
import { ERRNO } from './errno.js';
import { bpf } from './syscall.js';
import { MAP_ELEM } from './layout.js';
import { objectIds } from './ids.js';

const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const readU32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const readU64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
/** Asserts that `fn` throws a KernelError with this errno name in its message. */
function throwsErrno(fn: () => unknown, name: string): void {
  assert.throws(fn, (e: unknown) => e instanceof KernelError && e.errno === ERRNO[name] && e.message.includes(name));
}

test('hash map: update, lookup, flags, delete, iterate', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, name: 'tsbpf_hash' });
  assert.equal(m.type, BPF_MAP_TYPE.HASH);
  assert.equal(m.info().name, 'tsbpf_hash');
  for (let i = 1; i <= 5; i++) m.update(u32(i), u64(BigInt(i * 100)));
  assert.equal(readU64(m.lookup(u32(3))!), 300n);
  assert.equal(m.lookup(u32(42)), undefined);
  throwsErrno(() => m.update(u32(3), u64(1n), BPF_NOEXIST), 'EEXIST');
  throwsErrno(() => m.update(u32(9), u64(1n), BPF_EXIST), 'ENOENT');
  m.update(u32(3), u64(333n), BPF_EXIST);
  assert.equal(readU64(m.lookup(u32(3))!), 333n);
  assert.equal(m.delete(u32(2)), true);
  assert.equal(m.delete(u32(2)), false);
  const keys = [...m.keys()].map(readU32).sort((a, b) => a - b);
  assert.deepEqual(keys, [1, 3, 4, 5]);
  const entries = new Map([...m.entries()].map(([k, v]) => [readU32(k), readU64(v)]));
  assert.deepEqual(entries, new Map([[1, 100n], [3, 333n], [4, 400n], [5, 500n]]));
  // Full map: E2BIG on a new key.
  for (let i = 10; i < 14; i++) m.update(u32(i), u64(0n));
  throwsErrno(() => m.update(u32(99), u64(0n)), 'E2BIG');
  assert.throws(() => m.update(u32(1).subarray(0, 2), u64(0n)), /key has 2 bytes, expected 4/);
});

test('hash map: batch update, lookup, lookup-and-delete, delete', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1000 });
  const keys = Array.from({ length: 500 }, (_, i) => u32(i));
  const values = Array.from({ length: 500 }, (_, i) => u32(i * 3));
  assert.equal(m.updateBatch(keys, values), 500);
  const got = m.lookupBatch({ batchSize: 7 });
  assert.equal(got.keys.length, 500);
  got.keys.forEach((k, i) => assert.equal(readU32(got.values[i]), readU32(k) * 3));
  assert.deepEqual(got.keys.map(readU32).sort((a, b) => a - b), keys.map(readU32));
  assert.equal(m.deleteBatch(keys.slice(0, 100)), 100);
  throwsErrno(() => m.deleteBatch([u32(0)]), 'ENOENT');
  const drained = m.lookupBatch({ deleteAfter: true });
  assert.equal(drained.keys.length, 400);
  assert.equal(m.nextKey(), undefined);
});

test('array map: zero-initialised, bounds, no delete', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 4 });
  assert.deepEqual([...m.keys()].map(readU32), [0, 1, 2, 3]);
  assert.deepEqual(m.lookup(u32(2)), new Uint8Array(4));
  m.update(u32(2), u32(7));
  assert.equal(readU32(m.lookup(u32(2))!), 7);
  assert.equal(m.lookup(u32(4)), undefined);
  throwsErrno(() => m.update(u32(4), u32(1)), 'E2BIG');
  throwsErrno(() => m.delete(u32(1)), 'EINVAL');
  throwsErrno(() => m.update(u32(1), u32(1), BPF_NOEXIST), 'EEXIST');
  const batch = m.lookupBatch();
  assert.deepEqual(batch.values.map(readU32), [0, 0, 7, 0]);
  const out = new Uint8Array(4);
  assert.equal(m.lookup(u32(2), out), out);
  assert.equal(readU32(out), 7);
});

test('percpu_array: one 8-byte-aligned slot per possible CPU', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 2 });
  const cpus = possibleCpuCount();
  assert.equal(m.valueBytes, 8 * cpus);
  const slots = Array.from({ length: cpus }, (_, c) => u32(0x1000 + c));
  m.update(u32(1), m.perCpuValue(slots));
  const back = m.perCpuValues(m.lookup(u32(1))!);
  assert.deepEqual(back.map(readU32), slots.map(readU32));
  assert.throws(() => m.update(u32(1), u32(1)), new RegExp(`value has 4 bytes, expected ${8 * cpus}`));
});

test('lru_hash: evicts instead of failing when full', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 16 });
  for (let i = 0; i < 100; i++) m.update(u32(i), u32(i));
  const keys = [...m.keys()].map(readU32);
  assert.ok(keys.length > 0 && keys.length <= 16, `${keys.length} entries`);
  assert.ok(keys.includes(99), 'the newest key survives');
});

test('lpm_trie: needs BPF_F_NO_PREALLOC, longest prefix wins', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const opts = { type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 16 };
  throwsErrno(() => KernelMap.create(opts), 'EINVAL');
  using m = KernelMap.create({ ...opts, flags: BPF_F.NO_PREALLOC });
  const key = (prefix: number, a: number, b: number, c: number, d: number) => new Uint8Array([prefix, 0, 0, 0, a, b, c, d]);
  m.update(key(8, 10, 0, 0, 0), u32(1));
  m.update(key(16, 10, 1, 0, 0), u32(2));
  assert.equal(readU32(m.lookup(key(32, 10, 1, 2, 3))!), 2);
  assert.equal(readU32(m.lookup(key(32, 10, 2, 3, 4))!), 1);
  assert.equal(m.lookup(key(32, 11, 0, 0, 1)), undefined);
  assert.equal(m.delete(key(16, 10, 1, 0, 0)), true);
  assert.equal(readU32(m.lookup(key(32, 10, 1, 2, 3))!), 1);
});

test('queue: push with update(null), pop with lookupAndDelete(null)', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using q = KernelMap.create({ type: 'queue', keySize: 0, valueSize: 4, maxEntries: 4 });
  for (const v of [5, 6, 7]) q.update(null, u32(v));
  assert.equal(readU32(q.lookup(null)!), 5);
  assert.deepEqual([q.lookupAndDelete(null), q.lookupAndDelete(null), q.lookupAndDelete(null)].map((v) => readU32(v!)), [5, 6, 7]);
  assert.equal(q.lookupAndDelete(null), undefined);
});

test('ringbuf map: created; element commands are not supported', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  throwsErrno(() => KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4097 }), 'EINVAL');
  using m = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  assert.equal(m.typeName, 'ringbuf');
  throwsErrno(() => m.lookup(null), 'ENOTSUPP');
});

test('freeze: userspace writes fail with EPERM afterwards', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F.RDONLY_PROG });
  m.update(u32(0), u32(42));
  m.freeze();
  throwsErrno(() => m.update(u32(0), u32(1)), 'EPERM');
  assert.equal(readU32(m.lookup(u32(0))!), 42);
});

test('pin and get, by path and by id', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const path = `/sys/fs/bpf/tsbpf_test_map_${process.pid}`;
  using m = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 4, name: 'pinned' });
  m.update(u32(1), u32(11));
  m.pin(path);
  try {
    using again = KernelMap.fromPin(path);
    assert.equal(again.info().id, m.info().id);
    assert.equal(again.name, 'pinned');
    assert.equal(readU32(again.lookup(u32(1))!), 11);
    using byId = KernelMap.fromId(m.info().id);
    assert.equal(readU32(byId.lookup(u32(1))!), 11);
    throwsErrno(() => m.pin(path), 'EEXIST');
  } finally {
    rmSync(path);
  }
  throwsErrno(() => KernelMap.fromPin(path), 'ENOENT');
  assert.throws(() => KernelMap.fromPin(path), new RegExp(`bpf\\(BPF_OBJ_GET\\) ${path}: ENOENT`));
});

test('error paths: bad fd, closed map, unknown type', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  throwsErrno(() => bpf('MAP_LOOKUP_ELEM', MAP_ELEM, { map_fd: 100000 }), 'EBADF');
  throwsErrno(() => KernelMap.fromFd(100000), 'EBADF');
  throwsErrno(() => KernelMap.fromFd(0), 'EINVAL'); // stdin is no map
  const m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  m.close();
  m.close();
  throwsErrno(() => m.lookup(u32(0)), 'EBADF');
  throwsErrno(() => m.update(u32(0), u32(0)), 'EBADF');
  throwsErrno(() => m.nextKey(u32(0)), 'EBADF');
  throwsErrno(() => m.lookupBatch(), 'EBADF');
  assert.throws(() => KernelMap.create({ type: 'no_such_map', keySize: 4, valueSize: 4, maxEntries: 1 }), /unknown map type "no_such_map"/);
  throwsErrno(() => KernelMap.create({ type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1 }), 'EINVAL');
});

test('no fd leaks across create/close', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 50; i++) {
    using m = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 });
    m.update(u32(0), u32(i));
  }
  assert.equal(readdirSync('/proc/self/fd').length, before);
});

test('get-next-id lists the map in ascending id order', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  const id = m.info().id;
  const ids = [...objectIds('map')];
  assert.ok(ids.includes(id));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
});

test('dump() has the shape and content of `bpftool -j map dump`', (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('bpftool'), 'root and bpftool')) return;
  using h = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8 });
  for (let i = 0; i < 5; i++) h.update(u32(i * 0x01010101), u64(BigInt(i) * 0x0102030405060708n));
  using pc = KernelMap.create({ type: 'percpu_hash', keySize: 2, valueSize: 3, maxEntries: 4 });
  pc.update(new Uint8Array([0xab, 0xcd]), pc.perCpuValue(Array.from({ length: possibleCpuCount() }, (_, c) => new Uint8Array([c, 1, 2]))));
  using arr = KernelMap.create({ type: 'array', keySize: 4, valueSize: 1, maxEntries: 3 });
  arr.update(u32(1), new Uint8Array([0x7f]));
  for (const m of [h, pc, arr]) {
    const bpftool = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(m.info().id)]).toString());
    assert.deepEqual(m.dump(), bpftool, m.typeName);
  }
});
