import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, requireOrSkip } from '../test-support.js';
import { KernelMap } from './map.js';
import { KernelProgram } from './program.js';
import { PerfBufReader } from './perfbuf.js';
import { possibleCpuCount } from '../uapi/cpus.js';
import { onCpu, xdpRecordWriter } from './testprogs.test.js';

const MAGIC = 0xfeed;

test('perf buffer: BPF output events written by test-runs are read back in order', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpRecordWriter(map.fd, 'perf', MAGIC) });
  using reader = new PerfBufReader(map, { pageCount: 1 });
  const lengths = Array.from({ length: 300 }, (_, i) => 14 + i);
  const got: Array<{ cpu: number; magic: number; len: number }> = [];
  // 300 records of 32 bytes exceed one 4 KiB page: read in rounds so the ring wraps.
  for (let i = 0; i < lengths.length; i += 50) {
    for (const n of lengths.slice(i, i + 50)) prog.testRun({ dataIn: new Uint8Array(n) });
    reader.poll(1000, (r) => {
      assert.equal(r.type, 'sample');
      if (r.type !== 'sample') return;
      // raw size: 16 bytes of record + 4 of padding (so that the u32 size + data is 8-aligned)
      assert.equal(r.data.length, 20);
      const v = new DataView(r.data.buffer, r.data.byteOffset, r.data.length);
      got.push({ cpu: r.cpu, magic: Number(v.getBigUint64(0, true)), len: Number(v.getBigUint64(8, true)) });
    });
  }
  // test-run runs on the calling thread's CPU; with several CPUs, order holds per CPU.
  const byCpu = new Map<number, number[]>();
  for (const g of got) {
    assert.equal(g.magic, MAGIC);
    byCpu.set(g.cpu, [...(byCpu.get(g.cpu) ?? []), g.len]);
  }
  assert.deepEqual(got.map((g) => g.len).sort((a, b) => a - b), lengths);
  for (const lens of byCpu.values()) assert.deepEqual(lens, [...lens].sort((a, b) => a - b));
});

test('perf buffer: a full ring reports lost samples', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpRecordWriter(map.fd, 'perf', MAGIC) });
  using reader = new PerfBufReader(map, { pageCount: 1 });
  onCpu(0, () => { for (let i = 0; i < 500; i++) prog.testRun({ dataIn: new Uint8Array(14) }); });
  const samples = reader.read().filter((r) => r.type === 'sample').length;
  assert.ok(samples < 500, `${samples} samples fit one page`);
  // The kernel writes the PERF_RECORD_LOST record once there is room again, before the next sample.
  onCpu(0, () => prog.testRun({ dataIn: new Uint8Array(14) }));
  const after = reader.read();
  assert.deepEqual(after.map((r) => r.type), ['lost', 'sample']);
  assert.equal(after[0].type === 'lost' && after[0].lost, BigInt(500 - samples));
  assert.deepEqual(after.map((r) => r.cpu), [0, 0]);
});

test('perf buffer reader: bad page count, wrong map type', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => new PerfBufReader(map, { pageCount: 3 }), /not a power of two/);
  using arr = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => new PerfBufReader(arr), /not perf_event_array/);
});
