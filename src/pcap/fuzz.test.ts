/**
 * Fuzz-style test: mutants of valid pcap and pcapng files (deterministic seed) either read
 * cleanly or raise PcapError; nothing else may escape, and nothing may hang.
 * TSBPF_FUZZ_MUTANTS scales the number of mutants per format (default 2000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, type Random } from '../packet/random.js';
import { sampleTraffic } from '../packet/samples.js';
import { PcapError } from './errors.js';
import { readCapture } from './read.js';
import { writePcap, writePcapng } from './write.js';

const MUTANTS = Number(process.env.TSBPF_FUZZ_MUTANTS ?? 2000);
// A small capture keeps every mutant fast while still covering every block and record kind.
const packets = sampleTraffic().filter((_, i) => i % 8 === 0);
const INTERESTING = [0, 1, 3, 4, 7, 8, 11, 12, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function mutate(src: Uint8Array, r: Random): Uint8Array {
  let b = new Uint8Array(src);
  const rounds = 1 + r.below(4);
  for (let k = 0; k < rounds; k++) {
    const at = r.below(Math.max(1, b.length));
    switch (r.below(6)) {
      case 0: // flip bits
        b[at] ^= 1 << r.below(8);
        break;
      case 1: // random byte
        b[at] = r.below(256);
        break;
      case 2: { // an interesting 32-bit value at an aligned offset, in either byte order
        const off = at & ~3;
        if (off + 4 <= b.length) new DataView(b.buffer).setUint32(off, INTERESTING[r.below(INTERESTING.length)], r.below(2) === 0);
        break;
      }
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: { // delete a range
        const n = 1 + r.below(64);
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)]);
        break;
      }
      case 5: { // duplicate a range
        const n = 1 + r.below(64);
        b = new Uint8Array([...b.subarray(0, at + n), ...b.subarray(at, at + n), ...b.subarray(at + n)]);
        break;
      }
    }
  }
  return b;
}

for (const [name, file] of [
  ['pcap', writePcap(packets)],
  ['pcap big-endian nanosecond', writePcap(packets, { byteOrder: 'big', nanosecond: true })],
  ['pcapng', writePcapng(packets, { interfaces: [{ linkType: 1, name: 'eth0' }, { linkType: 101 }] })],
  ['pcapng big-endian', writePcapng(packets, { byteOrder: 'big' })],
] as const) {
  test(`${MUTANTS} mutants of a ${name} file raise only PcapError`, { timeout: 120_000 }, () => {
    const r = seededRandom(0xc0ffee ^ name.length);
    let ok = 0, errors = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const m = mutate(file, r);
      try {
        const cap = readCapture(m);
        for (const p of cap.packets) assert.ok(p.data.length <= m.length);
        ok++;
      } catch (e) {
        if (!(e instanceof PcapError)) assert.fail(`mutant ${i} threw ${String(e)}`);
        assert.ok(typeof e.location.offset === 'number' && e.location.offset >= 0 && e.location.offset <= m.length, `mutant ${i}: ${e.message}`);
        errors++;
      }
    }
    // Both outcomes must occur, or the mutations are not reaching the parser.
    assert.ok(ok > MUTANTS / 20 && errors > MUTANTS / 20, `ok ${ok}, errors ${errors}`);
  });
}
