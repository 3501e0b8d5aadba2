import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapError } from './errors.js';
import { readCapture } from './read.js';
import { writePcap, writePcapng, type PacketRecord } from './write.js';
import { TsbpfError } from '../errors.js';

const three = [1, 2, 3].map((n) => ({ data: new Uint8Array(10 * n).fill(n), timestamp: BigInt(n) }));
const pcap = writePcap(three);
const pcapng = writePcapng(three);

/** Asserts that reading `bytes` fails with a PcapError at `offset` (and `packet`) matching `re`. */
function fails(bytes: Uint8Array, re: RegExp, offset: number, packet?: number): void {
  assert.throws(() => readCapture(bytes, { file: 'x.pcap' }), (e: unknown) => {
    assert.ok(e instanceof PcapError && e instanceof TsbpfError, String(e));
    assert.match(e.message, re);
    assert.equal(e.location.offset, offset, `offset of: ${e.message}`);
    assert.equal(e.location.file, 'x.pcap');
    assert.equal(e.packet, packet, `packet of: ${e.message}`);
    return true;
  });
}

const edit = (b: Uint8Array, f: (v: DataView, b: Uint8Array) => void) => {
  const c = new Uint8Array(b);
  f(new DataView(c.buffer), c);
  return c;
};

test('pcap: bad magic, short header, bad version', () => {
  fails(new Uint8Array(0), /too short/, 0);
  fails(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), /not a pcap or pcapng file \(magic 0x01020304\)/, 0);
  fails(pcap.subarray(0, 20), /truncated pcap file header/, 0);
  fails(edit(pcap, (v) => v.setUint16(4, 3, true)), /unsupported pcap version 3\.4/, 4);
});

test('pcap: truncated record header and data name the packet and offset', () => {
  // Records start at 24, 24+16+10=50, 50+16+20=86; the third has 30 bytes of data (ends at 132).
  assert.equal(pcap.length, 132);
  fails(pcap.subarray(0, 24 + 10), /truncated record header \(10 of 16 bytes\)/, 24, 0);
  fails(pcap.subarray(0, 86 + 16 + 29), /packet 2: truncated packet data \(29 of 30 bytes\)/, 102, 2);
  fails(edit(pcap, (v) => v.setUint32(50 + 8, 0xffffffff, true)), /captured length 4294967295 is not plausible/, 58, 1);
});

test('pcapng: block lengths, trailing length, interfaces, options', () => {
  // Layout: SHB (28 bytes), IDB (20 + 8 for if_tsresol option + 4 end = 32), EPBs from 60.
  const shbLen = 28, idbLen = 32, epb0 = shbLen + idbLen;
  assert.equal(new DataView(pcapng.buffer).getUint32(epb0, true), 6);
  fails(pcapng.subarray(0, 8), /truncated section header block/, 0);
  fails(edit(pcapng, (v) => v.setUint32(8, 0x11223344, true)), /bad byte-order magic/, 8);
  fails(edit(pcapng, (v) => v.setUint16(12, 2, true)), /unsupported pcapng version 2\.0/, 12);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 4, 13, true)), /packet 0: bad block length 13/, epb0 + 4, 0);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 4, 8, true)), /bad block length 8/, epb0 + 4, 0);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 4, 0x7ffffff0, true)), /truncated block: length 2147483632/, epb0, 0);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 40, 0, true)), /trailing length 0 differs from 44/, epb0 + 40, 0);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 8, 5, true)), /packet 0: interface 5 is not described \(section has 1 interfaces\)/, epb0, 0);
  fails(edit(pcapng, (v) => v.setUint32(epb0 + 8 + 12, 99, true)), /packet 0: captured length 99 exceeds the block \(12 bytes of data\)/, epb0 + 20, 0);
  // The IDB's if_tsresol option claims 200 bytes.
  fails(edit(pcapng, (v) => v.setUint16(shbLen + 16 + 2, 200, true)), /option 9 of length 200 runs past its block/, shbLen + 16);
  fails(pcapng.subarray(0, pcapng.length - 3), /packet 2: truncated block/, pcapng.length - 64, 2);
  fails(pcapng.subarray(0, epb0 + 5), /packet 0: truncated block header \(5 bytes left\)/, epb0, 0);
});

test('pcapng: a packet block before any interface is refused', () => {
  const noIdb = new Uint8Array([...pcapng.subarray(0, 28), ...pcapng.subarray(60)]);
  fails(noIdb, /packet 0: interface 0 is not described \(section has 0 interfaces\)/, 28, 0);
});

test('errors print with their location', () => {
  try {
    readCapture(pcap.subarray(0, 76), { file: 'cut.pcap' });
    assert.fail('no error');
  } catch (e) {
    assert.equal(String(e), 'cut.pcap: offset 0x42: packet 1: truncated packet data (10 of 20 bytes)');
  }
});

test('writers refuse what the formats cannot hold, naming the packet', () => {
  const pkt: PacketRecord = { data: Uint8Array.of(1) };
  const refuses = (fn: () => unknown, re: RegExp, packet?: number) =>
    assert.throws(fn, (e: unknown) => e instanceof PcapError && re.test(e.message) && e.packet === packet, re.source);
  refuses(() => writePcap([pkt, { ...pkt, timestamp: 1n << 62n }]), /packet 1: timestamp seconds \d+ does not fit in 32 bits/, 1);
  refuses(() => writePcap([{ ...pkt, timestamp: -1n }]), /packet 0: timestamp -1 is before 1970/, 0);
  refuses(() => writePcap([pkt], { snapLength: -1 }), /snapLength -1 is not an integer/);
  refuses(() => writePcapng([pkt, { ...pkt, interface: 2 }]), /packet 1: interface 2 is not declared \(1 interfaces\)/, 1);
  refuses(() => writePcapng([{ ...pkt, interface: 1 }], { simple: true, interfaces: [{ linkType: 1 }, { linkType: 1 }] }), /simple packet blocks/, 0);
  refuses(() => writePcapng([pkt], { interfaces: [{ linkType: 0x10000 }] }), /linkType 65536/);
  refuses(() => writePcapng([pkt], { interfaces: [{ linkType: 1, resolutionDigits: 1.5 }] }), /resolutionDigits 1.5/);
  refuses(() => writePcapng([{ ...pkt, timestamp: -5n }]), /packet 0: timestamp -5 does not fit/, 0);
});
