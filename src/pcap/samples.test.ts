import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test-support.js';
import { sampleTraffic } from '../packet/samples.js';
import { LINKTYPE } from './linktype.js';
import { readCapture } from './read.js';
import { writePcap, writePcapng } from './write.js';

const dir = path.join(repoRoot, 'examples/packets');
const samples = sampleTraffic();

test('the committed examples/packets captures match scripts/gen-packets.mjs', () => {
  const pcap = new Uint8Array(readFileSync(path.join(dir, 'mixed.pcap')));
  const pcapng = new Uint8Array(readFileSync(path.join(dir, 'mixed.pcapng')));
  assert.deepEqual(pcap, writePcap(samples), 'mixed.pcap is stale: run `npx tsc -p . && node scripts/gen-packets.mjs`');
  assert.deepEqual(pcapng, writePcapng(samples, { interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'eth0' }] }), 'mixed.pcapng is stale');
});

test('mixed.pcap and mixed.pcapng hold the sample packets', () => {
  assert.ok(samples.length >= 50 && samples.length <= 200);
  for (const file of ['mixed.pcap', 'mixed.pcapng']) {
    const cap = readCapture(new Uint8Array(readFileSync(path.join(dir, file))), { file });
    assert.equal(cap.packets.length, samples.length);
    cap.packets.forEach((p, i) => {
      assert.deepEqual(p.data, samples[i].data, `${file} #${i} ${samples[i].note}`);
      assert.equal(p.originalLength, samples[i].originalLength);
      assert.equal(p.linkType, LINKTYPE.ETHERNET);
      const ts = samples[i].timestamp;
      assert.equal(p.timestamp, file.endsWith('ng') ? ts : ts - (ts % 1000n));
    });
  }
  assert.ok(samples.some((s) => s.data.length === 1514), 'a full-size frame');
  assert.ok(samples.some((s) => s.data.length < 14), 'a runt');
  assert.ok(samples.some((s) => s.originalLength > s.data.length), 'a snapped frame');
});
