import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_F } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { createMap } from './factory.js';
import { LpmTrieMap } from './lpm.js';

const key = (plen: number, ...ip: number[]) => Uint8Array.of(plen, 0, 0, 0, ...ip);
const val = (n: number) => Uint8Array.of(n, 0, 0, 0);

test('lpm_trie: longest prefix match, exact deletes, post-order keys like the kernel comment', () => {
  const t = createMap({ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 8, flags: BPF_F.NO_PREALLOC }) as LpmTrieMap;
  assert.equal(t.updateElem(key(16, 192, 168, 0, 0), val(16)), 0);
  assert.equal(t.updateElem(key(24, 192, 168, 0, 0), val(240)), 0);
  assert.equal(t.updateElem(key(24, 192, 168, 1, 0), val(241)), 0);
  assert.equal(t.updateElem(key(24, 192, 168, 128, 0), val(242)), 0);
  assert.deepEqual(t.lookupElem(key(32, 192, 168, 1, 7)), val(241));
  assert.deepEqual(t.lookupElem(key(32, 192, 168, 77, 7)), val(16));
  assert.deepEqual(t.lookupElem(key(20, 192, 168, 1, 7)), val(16), 'the key prefix limits the match');
  assert.equal(t.lookupElem(key(32, 10, 0, 0, 1)), undefined);
  // The kernel documents this order for these four prefixes.
  assert.deepEqual([...t.keys()].map((k) => `${k[6]}/${k[0]}`), ['0/24', '1/24', '128/24', '0/16']);
  assert.equal(t.updateElem(key(33, 1, 1, 1, 1), val(0)), -ERRNO.EINVAL);
  assert.equal(t.updateElem(key(16, 192, 168, 0, 0), val(1), 1), -ERRNO.EEXIST);
  assert.equal(t.updateElem(key(8, 10, 0, 0, 0), val(1), 2), -ERRNO.ENOENT);
  assert.equal(t.deleteElem(key(20, 192, 168, 0, 0)), -ERRNO.ENOENT, 'deletes need the exact prefix');
  assert.equal(t.deleteElem(key(16, 192, 168, 0, 0)), 0);
  assert.deepEqual(t.lookupElem(key(32, 192, 168, 77, 7)), undefined);
  assert.equal(t.count, 3);
  for (let i = 0; i < 5; i++) assert.equal(t.updateElem(key(32, 1, 2, 3, i), val(i)), 0);
  assert.equal(t.updateElem(key(32, 1, 2, 3, 9), val(9)), -ERRNO.ENOSPC);
});
