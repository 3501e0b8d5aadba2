import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BloomFilterMap } from './bloom.js';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';
import { QueueStackMap } from './queue.js';

const v = (n: number) => Uint8Array.of(n, 0, 0, 0);

test('queue and stack: program push/pop/peek order, full map, BPF_EXIST overwrite, empty pops zero the output', () => {
  const q = createMap({ type: 'queue', keySize: 0, valueSize: 4, maxEntries: 2 }) as QueueStackMap;
  const s = createMap({ type: 'stack', keySize: 0, valueSize: 4, maxEntries: 2 }) as QueueStackMap;
  for (const m of [q, s]) {
    assert.equal(m.push(v(1), 0, 0), 0);
    assert.equal(m.push(v(2), 0, 0), 0);
    assert.equal(m.push(v(3), 0, 0), -ERRNO.E2BIG);
    assert.equal(m.push(v(3), 0, 1), -ERRNO.EINVAL, 'BPF_NOEXIST is refused');
    assert.equal(m.push(v(3), 0, 2), 0, 'BPF_EXIST overwrites the oldest');
    assert.equal(m.length, 2);
  }
  const out = new Uint8Array(8).fill(0xff);
  assert.equal(q.peek(out, 4), 0);
  assert.equal(out[4], 2);
  assert.equal(q.pop(out, 4), 0);
  assert.equal(out[4], 2);
  assert.equal(s.pop(out, 0), 0);
  assert.equal(out[0], 3, 'stacks pop the newest');
  assert.equal(s.pop(out, 0), 0);
  assert.equal(out[0], 2);
  out.fill(0xff);
  assert.equal(s.pop(out, 0), -ERRNO.ENOENT);
  assert.deepEqual(out.subarray(0, 4), new Uint8Array(4));
  assert.equal(q.getNextKey(null, new Uint8Array(0)), -ERRNO.EINVAL);
  assert.deepEqual(q.dump(), []);
});

test('bloom_filter: map_extra sets the number of hashes; no false negatives', () => {
  const b = createMap({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 100, mapExtra: 3 }) as BloomFilterMap;
  assert.equal(b.nrHashes, 3);
  assert.equal(b.values.length * 8, 512, 'roundup_pow_of_two(100 × 3 / 5 × 7) bits');
  for (let i = 0; i < 100; i++) assert.equal(b.push(v(i), 0, 0), 0);
  for (let i = 0; i < 100; i++) assert.equal(b.peek(v(i), 0), 0);
  assert.equal(b.push(v(1), 0, 2), -ERRNO.EINVAL);
  assert.equal(b.deleteElem(null), -ERRNO.EOPNOTSUPP);
  assert.throws(() => createMap({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 1, mapExtra: 16 }), /map_extra/);
  assert.equal((createMap({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 1 }) as BloomFilterMap).nrHashes, 5);
});
