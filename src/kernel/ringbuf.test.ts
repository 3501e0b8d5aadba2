import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, requireOrSkip } from '../test-support.js';
import { KernelMap } from './map.js';
import { KernelProgram } from './program.js';
import { RingBufReader } from './ringbuf.js';
import { xdpRecordWriter, xdpReserveSubmitDiscard } from './testprogs.test.js';

const MAGIC = 0x5eed;
const rec = (d: Uint8Array) => { const v = new DataView(d.buffer, d.byteOffset, d.length); return [Number(v.getBigUint64(0, true)), Number(v.getBigUint64(8, true))]; };

test('ring buffer: records written by test-runs are read back in order', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpRecordWriter(map.fd, 'ringbuf', MAGIC) });
  using reader = new RingBufReader(map);
  assert.deepEqual(reader.read(), []);
  const lengths = [14, 60, 100, 1500];
  for (const n of lengths) assert.equal(prog.testRun({ dataIn: new Uint8Array(n) }).retval, 2);
  assert.equal(reader.available(), lengths.length * 24); // 8-byte header + 16-byte record each
  assert.deepEqual(reader.read().map(rec), lengths.map((n) => [MAGIC, n]));
  assert.equal(reader.available(), 0);
});

test('ring buffer: wraps around the end of the data area, epoll wakes the reader', async (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpRecordWriter(map.fd, 'ringbuf', MAGIC) });
  using reader = new RingBufReader(map);
  // 4096 / 24 = 170 records fill the ring; write and read 1000 in rounds so positions wrap.
  const seen: number[][] = [];
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 100; i++) prog.testRun({ dataIn: new Uint8Array(14 + round * 100 + i) });
    if (round % 2) reader.poll(1000, (d) => seen.push(rec(d)));
    else await reader.pollAsync(1000, (d) => seen.push(rec(d)));
  }
  assert.equal(seen.length, 1000);
  seen.forEach((r, i) => assert.deepEqual(r, [MAGIC, 14 + i]));
  // Overflow: the 171st record does not fit and is dropped by the kernel, not corrupted.
  for (let i = 0; i < 200; i++) prog.testRun({ dataIn: new Uint8Array(14 + i) });
  const kept = reader.read().map(rec);
  assert.equal(kept.length, Math.floor(4096 / 24));
  kept.forEach((r, i) => assert.deepEqual(r, [MAGIC, 14 + i]));
  // Nothing pending: poll times out with 0 records.
  assert.equal(reader.poll(10, () => assert.fail('no record expected')), 0);
});

test('ring buffer reader refuses other map types and use after close', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => new RingBufReader(map), /is array, not ringbuf/);
  using ring = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  const reader = new RingBufReader(ring);
  reader.close();
  assert.throws(() => reader.read(), /closed: EBADF/);
});

test('ring buffer: discarded records are skipped, submitted ones read in order', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using map = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpReserveSubmitDiscard(map.fd) });
  using reader = new RingBufReader(map);
  const lengths = [14, 15, 16, 17, 18, 100, 101];
  for (const n of lengths) assert.equal(prog.testRun({ dataIn: new Uint8Array(n) }).retval, 2);
  // discarded records still take their place in the ring until consumed
  assert.equal(reader.available(), lengths.length * 24);
  assert.deepEqual(reader.read().map(rec), lengths.filter((n) => n % 2 === 0).map((n) => [n, 0]));
  assert.equal(reader.available(), 0);
});
