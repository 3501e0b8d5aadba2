/**
 * Differential tests: the same userspace operations on a kernel map (bpf(2) through the kernel
 * backend) and a VM map; every return code, lookup result and the final dump (the kernel's from
 * bpftool itself) must agree.
 * Hash maps are created with BPF_F_ZERO_SEED so that bucket order — and therefore dump order — is
 * the kernel's exactly. Runs as root; in CI it must run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_F, BPF_MAP_TYPE as T } from '../../uapi/index.js';
import { hasTool, isRoot, requireOrSkip } from '../../test-support.js';
import { KernelSide, prepareKernelSide, type KernelMapDesc } from './kernel.test.kit.js';
import { errnoName } from './errno.js';
import { createMap, type CreateOptions } from './factory.js';
import type { BpfMap, MapValue } from './map.js';
import { QueueStackMap } from './queue.js';
import { BloomFilterMap } from './bloom.js';

/** xorshift32: deterministic operation sequences. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function u32(v: number, size = 4): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size && i < 4; i++) b[i] = (v >>> (8 * i)) & 0xff;
  return b;
}

function bytesOf(seed: number, n: number): Uint8Array {
  const r = rng(seed * 2654435761);
  return Uint8Array.from({ length: n }, () => r() & 0xff);
}

function available(t: import('node:test').TestContext): boolean {
  if (!requireOrSkip(t, isRoot && hasTool('bpftool') && hasTool('taskset'), 'root, bpftool and taskset')) return false;
  prepareKernelSide();
  return true;
}

/** Creates the same map on both sides (VM with the kernel's possible-CPU count). */
function pair(d: KernelMapDesc, o: CreateOptions = {}): [KernelSide, BpfMap<MapValue>] {
  const k = KernelSide.create(d);
  assert.ok(typeof k !== 'number', `kernel refused ${JSON.stringify(d)}: ${errnoName(k as number)}`);
  const v = createMap({ type: d.type, keySize: d.keySize, valueSize: d.valueSize, maxEntries: d.maxEntries, flags: d.flags ?? 0 }, o);
  return [k as KernelSide, v];
}

/** A VM lookup result as the kit reports kernel lookups: bytes (per-CPU: CPU 0's) or -errno. */
function vmLookup(m: BpfMap<MapValue>, key: Uint8Array): Uint8Array | number {
  const out = new Uint8Array(m.sysValueSize);
  const rc = m.sysLookup(key, out, 0);
  return rc ? rc : m.perCpu ? out.slice(0, m.valueSize) : out;
}

/** Random key/value operations; every result compared, then the dumps. */
function runKeyed(t: import('node:test').TestContext, d: KernelMapDesc, opts: { keys: number; ops: number; seed: number; sortDump?: boolean; keyBytes?: (k: number) => Uint8Array }) {
  const [k, v] = pair(d);
  try {
    const r = rng(opts.seed);
    const key = opts.keyBytes ?? ((n: number) => u32(n, d.keySize));
    for (let i = 0; i < opts.ops; i++) {
      const kk = key(r() % opts.keys);
      const op = r() % 10;
      const what = `op ${i}`;
      if (op < 6) {
        const flags = r() % 3;
        const val = bytesOf(i + opts.seed, d.valueSize);
        assert.equal(errnoName(v.updateElem(kk, val, flags)), errnoName(k.update(kk, val, flags)), `${what}: update flags ${flags}`);
      } else if (op < 8) {
        assert.equal(errnoName(v.deleteElem(kk)), errnoName(k.delete(kk)), `${what}: delete`);
      } else if (op < 9) {
        assert.deepEqual(vmLookup(v, kk), k.lookup(kk), `${what}: lookup`);
      } else {
        const nk = k.getNext(kk);
        const vn = v.nextKey(kk);
        if (!opts.sortDump) assert.deepEqual(vn ?? -2, nk, `${what}: getnext`);
      }
    }
    let kd = k.dump(), vd = v.dump();
    if (opts.sortDump) {
      const key = (e: { key: string[] }) => e.key.join();
      kd = [...kd].sort((a, b) => key(a).localeCompare(key(b)));
      vd = [...vd].sort((a, b) => key(a).localeCompare(key(b)));
    }
    assert.deepEqual(vd, kd);
    t.diagnostic(`${v.typeName}: ${kd.length} entries agree`);
  } finally {
    k.destroy();
  }
}

const ZS = BPF_F.ZERO_SEED;

test('hash: zero-seeded maps match the kernel op by op, dump order included', (t) => {
  if (!available(t)) return;
  runKeyed(t, { type: T.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: ZS }, { keys: 24, ops: 120, seed: 1 });
  runKeyed(t, { type: T.HASH, keySize: 3, valueSize: 5, maxEntries: 8, flags: ZS }, { keys: 12, ops: 80, seed: 2 });
  runKeyed(t, { type: T.HASH, keySize: 16, valueSize: 4, maxEntries: 8, flags: ZS | BPF_F.NO_PREALLOC }, { keys: 12, ops: 80, seed: 3, keyBytes: (n) => bytesOf(n + 100, 16) });
  runKeyed(t, { type: T.HASH, keySize: 13, valueSize: 4, maxEntries: 64, flags: ZS }, { keys: 80, ops: 200, seed: 4, keyBytes: (n) => bytesOf(n + 7, 13) });
});

test('hash: randomly seeded kernel map has the same contents', (t) => {
  if (!available(t)) return;
  runKeyed(t, { type: T.HASH, keySize: 4, valueSize: 8, maxEntries: 16 }, { keys: 24, ops: 100, seed: 5, sortDump: true });
});

test('percpu_hash matches the kernel', (t) => {
  if (!available(t)) return;
  runKeyed(t, { type: T.PERCPU_HASH, keySize: 4, valueSize: 12, maxEntries: 8, flags: ZS }, { keys: 12, ops: 80, seed: 6 });
});

test('array and percpu_array match the kernel', (t) => {
  if (!available(t)) return;
  runKeyed(t, { type: T.ARRAY, keySize: 4, valueSize: 6, maxEntries: 8 }, { keys: 10, ops: 60, seed: 7 });
  runKeyed(t, { type: T.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 }, { keys: 6, ops: 40, seed: 8 });
});

test('frozen maps and access flags refuse bpf(2) like the kernel', (t) => {
  if (!available(t)) return;
  for (const flags of [0, BPF_F.RDONLY, BPF_F.WRONLY]) {
    const [k, v] = pair({ type: T.HASH, keySize: 4, valueSize: 4, maxEntries: 4, flags });
    try {
      const ops = (what: string) => {
        assert.equal(errnoName(v.updateElem(u32(1), u32(2))), errnoName(k.update(u32(1), u32(2))), `${what}: update`);
        assert.deepEqual(vmLookup(v, u32(1)), k.lookup(u32(1)), `${what}: lookup`);
        assert.equal(errnoName(v.getNextKey(null, new Uint8Array(4))), errnoName(typeof k.getNext() === 'number' ? (k.getNext() as number) : 0), `${what}: getnext`);
        assert.equal(errnoName(v.deleteElem(u32(3))), errnoName(k.delete(u32(3))), `${what}: delete`);
      };
      ops(`flags 0x${flags.toString(16)}`);
      if (flags) continue;
      v.freeze();
      k.map.freeze();
      ops('frozen');
    } finally {
      k.destroy();
    }
  }
});

test('lru_hash: evictions match the kernel (CPU 0, common and per-CPU lists)', (t) => {
  if (!available(t)) return;
  runKeyed(t, { type: T.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 4, flags: ZS }, { keys: 10, ops: 80, seed: 9 });
  runKeyed(t, { type: T.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 300, flags: ZS }, { keys: 500, ops: 600, seed: 10 });
  runKeyed(t, { type: T.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 8, flags: ZS | BPF_F.NO_COMMON_LRU }, { keys: 16, ops: 80, seed: 11 });
  runKeyed(t, { type: T.LRU_PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 8, flags: ZS }, { keys: 16, ops: 80, seed: 12 });
});

test('lpm_trie: longest-prefix lookups, updates, deletes and post-order dump match the kernel', (t) => {
  if (!available(t)) return;
  const r = rng(13);
  const prefixKey = () => {
    const k = new Uint8Array(8);
    const plen = [0, 8, 16, 17, 24, 31, 32][r() % 7];
    k[0] = plen;
    k[4] = 10;
    k[5] = r() % 3;
    k[6] = [0, 128, 255][r() % 3];
    k[7] = r() % 4;
    return k;
  };
  const keys = Array.from({ length: 40 }, prefixKey);
  keys.push(Uint8Array.of(33, 0, 0, 0, 10, 0, 0, 0)); // prefixlen over the maximum: -EINVAL
  runKeyed(t, { type: T.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 12, flags: BPF_F.NO_PREALLOC }, { keys: keys.length, ops: 200, seed: 14, keyBytes: (n) => keys[n] });
});

test('queue and stack: push/pop/peek and BPF_EXIST overwrite match the kernel', (t) => {
  if (!available(t)) return;
  for (const type of [T.QUEUE, T.STACK]) {
    const [k, v] = pair({ type, keySize: 0, valueSize: 4, maxEntries: 3 });
    const q = v as QueueStackMap;
    try {
      const r = rng(type);
      for (let i = 0; i < 60; i++) {
        const op = r() % 4;
        if (op < 2) {
          const flags = [0, 2, 1][r() % 3];
          const val = u32(i);
          const kr = k.push(val, flags);
          assert.equal(errnoName(q.updateElem(null, val, flags)), errnoName(kr), `op ${i} push flags ${flags}`);
        } else if (op === 2) {
          assert.deepEqual(q.lookupAndDeleteElem() ?? -2, k.pop(), `op ${i} pop`);
        } else {
          assert.deepEqual(q.lookupElem() ?? -2, k.peek(), `op ${i} peek`);
        }
      }
      assert.deepEqual(v.dump(), k.dump());
    } finally {
      k.destroy();
    }
  }
});

test('bloom_filter: zero-seeded membership answers (false positives included) match the kernel', (t) => {
  if (!available(t)) return;
  // Word-sized values (jhash2, 5 hashes) and odd-sized ones (jhash) with map_extra = 3 hashes.
  for (const [valueSize, mapExtra] of [[4, 0], [5, 3]]) {
    const d = { type: T.BLOOM_FILTER, keySize: 0, valueSize, maxEntries: 4, flags: ZS, mapExtra };
    const k = KernelSide.create(d) as KernelSide;
    const b = createMap(d) as BloomFilterMap;
    try {
      for (let i = 0; i < 6; i++) assert.equal(b.updateElem(null, u32(i * 7, valueSize)), k.push(u32(i * 7, valueSize)));
      let positives = 0;
      for (let i = 0; i < 300; i++) {
        const kr = k.lookupValue(u32(i, valueSize));
        assert.equal(b.mayContain(u32(i, valueSize)) ? 0 : -2, kr, `value ${i}`);
        if (kr === 0) positives++;
      }
      t.diagnostic(`value_size ${valueSize}, ${b.nrHashes} hashes: ${positives} of 300 values reported present by both`);
    } finally {
      k.destroy();
    }
  }
});

test('fd arrays, maps of maps and redirect maps: return codes and dumps match the kernel', (t) => {
  if (!available(t)) return;
  // prog_array: empty slots are silent in dumps; delete of an empty slot is -ENOENT, out of range -E2BIG.
  {
    const [k, v] = pair({ type: T.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 });
    try {
      for (const i of [0, 3, 4, 9]) assert.equal(errnoName(v.deleteElem(u32(i))), errnoName(k.delete(u32(i))), `delete ${i}`);
      assert.deepEqual(v.dump(), k.dump());
    } finally {
      k.destroy();
    }
  }
  // perf_event_array: every slot dumps as an error entry.
  {
    const [k, v] = pair({ type: T.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 3 });
    try {
      assert.deepEqual(v.dump(), k.dump());
    } finally {
      k.destroy();
    }
  }
  // devmap / cpumap: entries by ifindex (1 = lo) and queue size.
  for (const [type, vs] of [[T.DEVMAP, 4], [T.DEVMAP, 8], [T.CPUMAP, 4], [T.DEVMAP_HASH, 4]] as const) {
    const [k, v] = pair({ type, keySize: 4, valueSize: vs, maxEntries: 4 }, { ifindexExists: (i) => i === 1 });
    try {
      const vals = [1, 0, 1, 0x7fff, 64, 0x10000];
      for (let i = 0; i < 12; i++) {
        const key = u32((i * 5) % 6);
        const val = u32(vals[i % vals.length], vs);
        const flags = i % 4 === 3 ? 1 : 0;
        assert.equal(errnoName(v.updateElem(key, val, flags)), errnoName(k.update(key, val, flags)), `update ${i}`);
        if (i % 5 === 4) assert.equal(errnoName(v.deleteElem(u32(i % 6))), errnoName(k.delete(u32(i % 6))), `delete ${i}`);
      }
      assert.deepEqual(v.dump(), k.dump());
    } finally {
      k.destroy();
    }
  }
  // xskmap: lookups are refused.
  {
    const [k, v] = pair({ type: T.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 2 });
    try {
      assert.deepEqual(v.dump(), k.dump());
      assert.equal(errnoName(v.deleteElem(u32(0))), errnoName(k.delete(u32(0))));
      assert.equal(errnoName(v.deleteElem(u32(5))), errnoName(k.delete(u32(5))));
    } finally {
      k.destroy();
    }
  }
});

test('ringbuf: map operations are refused like the kernel', (t) => {
  if (!available(t)) return;
  const [k, v] = pair({ type: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
  try {
    assert.deepEqual(v.dump(), k.dump());
    assert.equal(errnoName(v.getNextKey(null, new Uint8Array(0))), errnoName(k.getNext() as number));
  } finally {
    k.destroy();
  }
});

/** A VM batch value as the kernel's bytes (per-CPU values padded to 8 and concatenated). */
function sysBytes(v: MapValue, m: BpfMap<MapValue>): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const s = (m.valueSize + 7) & ~7;
  const out = new Uint8Array(s * v.length);
  v.forEach((x, i) => out.set(x, i * s));
  return out;
}

test('batch operations: lookup, lookup-and-delete, update and delete batches match the kernel', (t) => {
  if (!available(t)) return;
  const descs: KernelMapDesc[] = [
    { type: T.HASH, keySize: 4, valueSize: 8, maxEntries: 20, flags: ZS },
    { type: T.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 20, flags: ZS },
    { type: T.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 20, flags: ZS },
    { type: T.ARRAY, keySize: 4, valueSize: 8, maxEntries: 10 },
  ];
  for (const d of descs) {
    const [k, v] = pair(d);
    const what = v.typeName;
    try {
      const isHash = d.type !== T.ARRAY;
      const keys = Array.from({ length: 14 }, (_, i) => u32(i * 3 + 1));
      const vals = keys.map((_, i) => bytesOf(i, d.valueSize));
      // update batch, failing part way (BPF_NOEXIST on a key already present for hashes).
      const kw = k.writeBatch(keys, vals, 0);
      const vw = v.updateBatch(keys, vals, 0);
      assert.deepEqual([errnoName(vw.err), vw.count], [errnoName(kw.rc), kw.count], `${what}: update batch`);
      // Element flags other than BPF_F_LOCK are refused before anything is done.
      assert.equal(errnoName(v.updateBatch(keys, vals, 1).err), errnoName(k.writeBatch(keys, vals, 1).rc), `${what}: update batch NOEXIST`);
      // A batch that fails part way: the map fills up (hash: -E2BIG; LRU evicts instead), or an index is out of range (array).
      const more = Array.from({ length: 10 }, (_, i) => u32(isHash ? 200 + i : 5 + i));
      const moreVals = more.map((_, i) => bytesOf(i + 50, d.valueSize));
      const kw2 = k.writeBatch(more, moreVals);
      const vw2 = v.updateBatch(more, moreVals);
      assert.deepEqual([errnoName(vw2.err), vw2.count], [errnoName(kw2.rc), kw2.count], `${what}: update batch overflowing`);
      // lookup batches of 3 until the end.
      const tokenSize = isHash ? 4 : 4;
      let kin: Uint8Array | undefined, vin: Uint8Array | undefined;
      for (let round = 0; round < 20; round++) {
        const kb = k.lookupBatch(kin, 3, tokenSize);
        const vb = v.lookupBatch(vin, 3);
        assert.equal(errnoName(vb.err), errnoName(kb.rc), `${what}: lookup batch ${round} rc`);
        assert.deepEqual(vb.keys, kb.keys, `${what}: lookup batch ${round} keys`);
        assert.deepEqual(vb.values.map((x) => sysBytes(x, v)), kb.values, `${what}: lookup batch ${round} values`);
        if (kb.rc) break;
        assert.deepEqual(vb.outBatch, kb.outBatch, `${what}: out_batch`);
        kin = kb.outBatch;
        vin = vb.outBatch;
      }
      // a batch too small for a bucket: -ENOSPC on hashes.
      const kb1 = k.lookupBatch(undefined, 1, tokenSize);
      const vb1 = v.lookupBatch(undefined, 1);
      assert.deepEqual([errnoName(vb1.err), vb1.keys.length], [errnoName(kb1.rc), kb1.count], `${what}: batch of 1`);
      // delete batch stopping at a missing key; then lookup-and-delete everything.
      const del = [keys[0], keys[5], u32(999), keys[7]];
      const kd = k.writeBatch(del, undefined);
      const vd = v.deleteBatch(del);
      // (A command refused outright leaves the kernel's count as passed; the VM reports 0 done.)
      const refused = kd.rc === -524 || kd.rc === -22;
      assert.deepEqual([errnoName(vd.err), refused ? 0 : vd.count], [errnoName(kd.rc), refused ? 0 : kd.count], `${what}: delete batch`);
      const kld = k.lookupBatch(undefined, 50, tokenSize, true);
      const vld = v.lookupAndDeleteBatch(undefined, 50);
      assert.equal(errnoName(vld.err), errnoName(kld.rc), `${what}: lookup and delete batch`);
      assert.deepEqual(vld.keys, kld.keys, `${what}: lookup and delete batch keys`);
      assert.deepEqual(v.dump(), k.dump(), `${what}: final dump`);
    } finally {
      k.destroy();
    }
  }
});

test('maps of maps: inner map checks, ids in lookups and dumps match the kernel', (t) => {
  if (!available(t)) return;
  for (const outerType of [T.ARRAY_OF_MAPS, T.HASH_OF_MAPS]) {
    const innerDesc = { type: T.HASH, keySize: 4, valueSize: 8, maxEntries: 4 };
    const kInner = KernelSide.create(innerDesc) as KernelSide;
    const kOther = KernelSide.create({ ...innerDesc, valueSize: 4 }) as KernelSide;
    const flags = outerType === T.HASH_OF_MAPS ? ZS : 0;
    const kOuter = KernelSide.create({ type: outerType, keySize: 4, valueSize: 4, maxEntries: 4, flags, inner: kInner }) as KernelSide;
    const vInner = createMap(innerDesc), vOther = createMap({ ...innerDesc, valueSize: 4 });
    const vOuter = createMap({ type: outerType, keySize: 4, valueSize: 4, maxEntries: 4, flags, innerMap: vInner });
    const id = (m: BpfMap<MapValue>) => u32(m.id);
    try {
      const steps: [string, number, number][] = [
        ['update 0 inner', vOuter.updateElem(u32(0), id(vInner)), kOuter.update(u32(0), kInner.fdBytes)],
        ['update 1 mismatched', vOuter.updateElem(u32(1), id(vOther)), kOuter.update(u32(1), kOther.fdBytes)],
        ['update 5', vOuter.updateElem(u32(5), id(vInner)), kOuter.update(u32(5), kInner.fdBytes)],
        ['delete 2', vOuter.deleteElem(u32(2)), kOuter.delete(u32(2))],
      ];
      for (const [what, vr, kr] of steps) assert.equal(errnoName(vr), errnoName(kr), `${vOuter.typeName}: ${what}`);
      // Ids differ between the two worlds: compare the dumps with each side's inner id replaced.
      const norm = (dump: unknown, innerId: number) => JSON.stringify(dump).replaceAll(JSON.stringify(Array.from(u32(innerId), (x) => '0x' + x.toString(16).padStart(2, '0'))), '"INNER"');
      const kId = (kOuter.lookup(u32(0)) as Uint8Array)[0] | ((kOuter.lookup(u32(0)) as Uint8Array)[1] << 8);
      assert.equal(norm(vOuter.dump(), vInner.id), norm(kOuter.dump(), kId));
    } finally {
      kOuter.destroy();
      kInner.destroy();
      kOther.destroy();
    }
  }
});
