import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINKTYPE, linkTypeName } from './linktype.js';
import { PcapError } from './errors.js';
import { captureReader, readCapture } from './read.js';
import { writePcap, writePcapng, type PacketRecord } from './write.js';

const rec = (i: number, ts: bigint): PacketRecord => ({
  data: Uint8Array.from({ length: 20 + i * 7 }, (_, j) => (i * 31 + j) & 0xff),
  timestamp: ts,
});
const T0 = 1_767_225_600_123_456_789n;
const packets = [rec(0, T0), rec(1, T0 + 1n), rec(2, T0 + 999_999_999n), rec(3, 0n)];

test('pcap round trip: both byte orders, micro- and nanosecond timestamps', () => {
  for (const byteOrder of ['little', 'big'] as const) {
    for (const nanosecond of [false, true]) {
      const cap = readCapture(writePcap(packets, { byteOrder, nanosecond }));
      assert.equal(cap.format, 'pcap');
      assert.equal(cap.byteOrder, byteOrder);
      assert.deepEqual(cap.interfaces, [{ linkType: 1, snapLength: 262144, unitsPerSecond: nanosecond ? 1_000_000_000n : 1_000_000n, timestampOffset: 0n }]);
      assert.equal(cap.packets.length, packets.length);
      cap.packets.forEach((p, i) => {
        assert.deepEqual(p.data, packets[i].data);
        assert.equal(p.originalLength, packets[i].data.length);
        const ts = packets[i].timestamp!;
        assert.equal(p.timestamp, nanosecond ? ts : ts - (ts % 1000n), `${byteOrder} ${nanosecond} #${i}`);
        assert.equal(p.linkType, LINKTYPE.ETHERNET);
        assert.equal(p.interface, 0);
      });
    }
  }
});

test('pcap writer cuts packets at the snap length and keeps their original length', () => {
  const cap = readCapture(writePcap(packets, { snapLength: 30, linkType: LINKTYPE.RAW }));
  assert.deepEqual(cap.packets.map((p) => [p.data.length, p.originalLength]), [[20, 20], [27, 27], [30, 34], [30, 41]]);
  assert.equal(cap.interfaces[0].linkType, 101);
});

test('a hand-written big-endian pcap with FCS bits in the link-type word', () => {
  const b = new Uint8Array(24 + 16 + 3);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0xa1b2c3d4); // big-endian, microseconds
  v.setUint16(4, 2);
  v.setUint16(6, 4);
  v.setUint32(16, 65535);
  v.setUint32(20, 0x1000_0000 | 228); // FCS present (bit 28), LINKTYPE_IPV4
  v.setUint32(24, 10); // 10 s
  v.setUint32(28, 5); // 5 µs
  v.setUint32(32, 3);
  v.setUint32(36, 60);
  b.set([7, 8, 9], 40);
  const cap = readCapture(b);
  assert.equal(cap.byteOrder, 'big');
  assert.equal(cap.interfaces[0].linkType, 228);
  assert.equal(linkTypeName(cap.packets[0].linkType), 'IPV4');
  assert.deepEqual(cap.packets[0], { data: Uint8Array.of(7, 8, 9), originalLength: 60, timestamp: 10_000_005_000n, interface: 0, linkType: 228 });
  assert.equal(linkTypeName(1), 'ETHERNET');
  assert.equal(linkTypeName(147), 'LINKTYPE_147');
});

test('pcapng round trip: several interfaces with their own link types and resolutions, both byte orders', () => {
  const interfaces = [
    { linkType: LINKTYPE.ETHERNET, name: 'eth0' },
    { linkType: LINKTYPE.RAW, resolutionDigits: 6, snapLength: 25 },
    { linkType: LINKTYPE.LINUX_SLL, resolutionDigits: 3, name: 'any' },
  ];
  const multi = packets.map((p, i) => ({ ...p, interface: i % 3 }));
  for (const byteOrder of ['little', 'big'] as const) {
    const cap = readCapture(writePcapng(multi, { interfaces, byteOrder }));
    assert.equal(cap.format, 'pcapng');
    assert.equal(cap.byteOrder, byteOrder);
    assert.deepEqual(cap.interfaces.map((i) => [i.linkType, i.name, i.unitsPerSecond, i.snapLength]), [
      [1, 'eth0', 1_000_000_000n, 0], [101, undefined, 1_000_000n, 25], [113, 'any', 1000n, 0],
    ]);
    const units = [1n, 1000n, 1_000_000n];
    cap.packets.forEach((p, i) => {
      const iface = i % 3;
      const ts = packets[i].timestamp!;
      assert.equal(p.interface, iface);
      assert.equal(p.linkType, interfaces[iface].linkType);
      assert.equal(p.timestamp, ts - (ts % units[iface]));
      assert.equal(p.originalLength, packets[i].data.length);
      assert.deepEqual(p.data, packets[i].data.subarray(0, iface === 1 ? 25 : undefined));
    });
  }
});

test('pcapng simple packet blocks take their length from the interface snap length', () => {
  const cap = readCapture(writePcapng(packets, { simple: true, interfaces: [{ linkType: 1, snapLength: 30 }] }));
  assert.deepEqual(cap.packets.map((p) => [p.data.length, p.originalLength, p.timestamp]), [[20, 20, 0n], [27, 27, 0n], [30, 34, 0n], [30, 41, 0n]]);
});

/** Builds one pcapng block by hand. */
function block(le: boolean, type: number, body: number[] | Uint8Array): Uint8Array {
  const padded = Math.ceil(body.length / 4) * 4;
  const b = new Uint8Array(12 + padded);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, b.length, le);
  b.set(body, 8);
  v.setUint32(b.length - 4, b.length, le);
  return b;
}
function le32(...xs: number[]): number[] {
  return xs.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), (off += p.length);
  return out;
}

test('pcapng by hand: binary resolution, tsoffset, obsolete packet block, skipped blocks, two sections', () => {
  const shb = block(true, 0x0a0d0d0a, [...le32(0x1a2b3c4d), 1, 0, 0, 0, ...le32(0xffffffff, 0xffffffff)]);
  // IDB: Ethernet, snaplen 0, if_tsresol = 2^-10 (0x8a), if_tsoffset = 100 s, end of options.
  const idb = block(true, 1, [1, 0, 0, 0, ...le32(0), 9, 0, 1, 0, 0x8a, 0, 0, 0, 14, 0, 8, 0, ...le32(100, 0), 0, 0, 0, 0]);
  const nrb = block(true, 4, [1, 0, 4, 0, 10, 0, 0, 1, 0, 0, 0, 0]); // name resolution: skipped
  const custom = block(true, 0x00000bad, [1, 2, 3, 4]); // custom block: skipped
  // EPB: iface 0, timestamp 2048 units of 2^-10 s = 2 s, caplen 2, len 9.
  const epb = block(true, 6, [...le32(0, 0, 2048, 2, 9), 0xaa, 0xbb]);
  // Obsolete PB: iface 0 (u16), drops (u16), ts, caplen 1, len 1.
  const pb = block(true, 2, [0, 0, 0, 0, ...le32(0, 1024, 1, 1), 0xcc]);
  // Second section, big-endian, one RAW interface with microseconds.
  const shb2 = block(false, 0x0a0d0d0a, [0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const idb2 = block(false, 1, [0, 101, 0, 0, 0, 0, 0, 0]);
  const epb2 = block(false, 6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0xdd]);
  const cap = readCapture(concat(shb, idb, nrb, custom, epb, pb, shb2, idb2, epb2));
  assert.equal(cap.byteOrder, 'little');
  assert.deepEqual(cap.interfaces.map((i) => [i.linkType, i.unitsPerSecond, i.timestampOffset]), [[1, 1024n, 100n], [101, 1_000_000n, 0n]]);
  assert.deepEqual(cap.packets.map((p) => [p.interface, p.linkType, p.timestamp, p.originalLength, [...p.data]]), [
    [0, 1, 102_000_000_000n, 9, [0xaa, 0xbb]],
    [0, 1, 101_000_000_000n, 1, [0xcc]],
    [1, 101, 7000n, 1, [0xdd]],
  ]);
});

test('captureReader is lazy: packets before a corrupt record are delivered, then the error', () => {
  for (const file of [writePcap(packets), writePcapng(packets)]) {
    const cut = file.subarray(0, file.length - 5); // the last record is truncated
    const reader = captureReader(cut);
    const seen: number[] = [];
    assert.throws(() => {
      for (const p of reader.packets) seen.push(p.data.length);
    }, (e: unknown) => e instanceof PcapError && e.packet === packets.length - 1);
    assert.deepEqual(seen, packets.slice(0, -1).map((p) => p.data.length));
  }
});
