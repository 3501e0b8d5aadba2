import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';
import { BPF_RB_AVAIL_DATA, BPF_RB_CONS_POS, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP, BPF_RB_PROD_POS, BPF_RB_RING_SIZE, BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, RingBufMap } from './ringbuf.js';

const ring = (size = 4096) => createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: size }) as RingBufMap;
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);

test('ringbuf: reserve writes the kernel header (busy bit, pg_off), submit/discard commit it', () => {
  const rb = ring();
  const s1 = rb.reserve(5, 0);
  assert.equal(s1, 8);
  assert.equal(u32(rb.values, 0), (5 | BPF_RINGBUF_BUSY_BIT) >>> 0);
  assert.equal(u32(rb.values, 4), 3, 'pg_off counts the 3 pages before the data area');
  rb.values.set([1, 2, 3, 4, 5], s1);
  const s2 = rb.reserve(3, 0);
  assert.equal(s2, 8 + 16, 'records are 8-byte aligned');
  assert.equal(rb.query(BPF_RB_PROD_POS), 32);
  // The consumer stops at a busy record.
  assert.deepEqual(rb.drain(), []);
  rb.discard(s2, 0);
  assert.deepEqual(rb.drain(), []);
  rb.submit(s1, 0);
  assert.equal(u32(rb.values, 0), 5);
  assert.equal(u32(rb.values, 16), (3 | BPF_RINGBUF_DISCARD_BIT) >>> 0);
  assert.deepEqual(rb.drain(), [Uint8Array.of(1, 2, 3, 4, 5)], 'the discarded record is skipped');
  assert.equal(rb.query(BPF_RB_CONS_POS), 32);
  assert.equal(rb.query(BPF_RB_AVAIL_DATA), 0);
  assert.equal(rb.query(BPF_RB_RING_SIZE), 4096);
  assert.equal(rb.reserve(1, 1), -1, 'reserve flags must be 0');
});

test('ringbuf: output, -EAGAIN when full, wrap-around records stay contiguous, wakeups', () => {
  const rb = ring();
  const data = new Uint8Array(1000).map((_, i) => i);
  let n = 0;
  while (rb.output(data, 0, 1000, 0) === 0) n++;
  assert.equal(n, 4, '4 × 1008 bytes fit in 4096 - 1');
  assert.equal(rb.output(data, 0, 1000, 0), -ERRNO.EAGAIN);
  assert.equal(rb.output(data, 0, 10, 4), -ERRNO.EINVAL);
  assert.equal(rb.drain().length, 4);
  // The next record starts at 4032 and wraps past the end of the ring.
  const off = rb.reserve(1000, 0);
  assert.equal(off, 4032 + 8);
  rb.values.set(data, off); // contiguous for the program (mirror area)
  rb.submit(off, BPF_RB_NO_WAKEUP);
  const [rec] = rb.drain();
  assert.deepEqual(rec, data);
  assert.deepEqual(rb.values.subarray(0, 1000 - (4096 - off)), data.subarray(4096 - off), 'wrapped part folded to the start');
  const w = rb.wakeups;
  rb.output(data, 0, 1, BPF_RB_FORCE_WAKEUP);
  assert.equal(rb.wakeups, w + 1);
});

test('ringbuf: space is reused only after the consumer passes committed records', () => {
  const rb = ring();
  const a = rb.reserve(2000, 0);
  const b = rb.reserve(2000, 0);
  assert.ok(a >= 0 && b >= 0);
  rb.submit(b, 0);
  assert.deepEqual(rb.drain(), [], 'the first record is still busy');
  assert.equal(rb.reserve(100, 0), -1, 'no room until the consumer passes the busy record');
  rb.submit(a, 0);
  assert.equal(rb.drain().length, 2);
  assert.ok(rb.reserve(100, 0) >= 0);
});

test('ringbuf: max_entries must be a power of 2 and a page multiple', () => {
  assert.throws(() => ring(12288), /power of 2/);
  assert.throws(() => ring(2048), /power of 2/);
});
