import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPacket } from './build.js';
import { checksumValid, onesComplementSum, pseudoHeaderSum } from './checksum.js';
import { PacketError } from './errors.js';
import {
  arp, ethernet, icmp, ipv4, ipv4Option, ipv6, payload, tcp, udp,
} from './layers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const E = ethernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' });

// These three encodings were checked with `tcpdump -e -nn -vv` (TCP "cksum 0x271c (correct)",
// "[udp sum ok]", no ICMP or IP checksum complaint) when the builder was written.
test('golden packets: VLAN + IPv4 options + TCP options, IPv6 UDP, IPv4 ICMP', () => {
  assert.equal(
    hex(buildPacket([E, { kind: 'vlan', vid: 100, pcp: 5 },
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 0x1234, df: true, options: ipv4Option.routerAlert() }),
      tcp({ sport: 1234, dport: 80, flags: 'S', seq: 1, options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }] }),
      payload('hello')])),
    '0200000000020200000000018100a0640800460000391234400040067f840a0000010a0000029404000004d2005000000001000000007002ffff271c0000020405b40103030768656c6c6f',
  );
  assert.equal(
    hex(buildPacket([E, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', flowLabel: 0x12345 }), udp({ sport: 5353, dport: 53 }), payload('query')])),
    '02000000000202000000000186dd60012345000d114020010db800000000000000000000000120010db800000000000000000000000214e90035000d3f597175657279',
  );
  assert.equal(
    hex(buildPacket([E, ipv4({ src: '192.168.1.1', dst: '8.8.8.8', ttl: 3 }), icmp({ type: 8, id: 0x77, seq: 2 }), payload('ping')])),
    '020000000002020000000001080045000020000000000301e624c0a8010108080808080018b60077000270696e67',
  );
});

test('lengths, protocols and ethertypes are derived from the layers', () => {
  const b = buildPacket([E, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ sport: 1, dport: 2 }), payload(100)]);
  const v = new DataView(b.buffer);
  assert.equal(b.length, 14 + 20 + 8 + 100);
  assert.equal(v.getUint16(12), 0x0800);
  assert.equal(v.getUint16(14 + 2), 128); // IPv4 total length
  assert.equal(b[14 + 9], 17);
  assert.equal(v.getUint16(34 + 4), 108); // UDP length
  const six = buildPacket([E, ipv6({ src: '::1', dst: '::2' }), tcp({ sport: 1, dport: 2, options: [{ kind: 'mss', value: 9000 }] })]);
  const v6 = new DataView(six.buffer);
  assert.equal(v6.getUint16(12), 0x86dd);
  assert.equal(v6.getUint16(18), 24); // payload length: TCP header with 4 option bytes
  assert.equal(six[20], 6);
  assert.equal(six[54 + 12] >> 4, 6); // data offset
  const qinq = buildPacket([E, { kind: 'vlan', vid: 10, tpid: 0x88a8 }, { kind: 'vlan', vid: 20 }, arp({
    op: 1, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetMac: '00:00:00:00:00:00', targetIp: '10.0.0.2',
  })]);
  assert.equal(hex(qinq.subarray(12, 22)), '88a8000a8100001408 06'.replace(/ /g, ''));
});

test('every checksum verifies: IPv4 header, TCP/UDP over IPv4 and IPv6, ICMP, ICMPv6', () => {
  const cases = [
    [ipv4({ src: '10.1.2.3', dst: '10.3.2.1', options: ipv4Option.recordRoute(3) }), tcp({ sport: 9, dport: 10, flags: 'P.', seq: 0xffffffff, ack: 7 }), payload(33)],
    [ipv4({ src: '10.1.2.3', dst: '10.3.2.1' }), udp({ sport: 9, dport: 10 }), payload(1)],
    [ipv6({ src: '2001:db8::a', dst: 'ff02::1' }), udp({ sport: 9, dport: 10 }), payload(77)],
    [ipv6({ src: '2001:db8::a', dst: 'ff02::1' }), tcp({ sport: 9, dport: 10, flags: 'S' })],
    [ipv4({ src: '10.1.2.3', dst: '10.3.2.1' }), icmp({ type: 8, id: 1, seq: 1 }), payload(5)],
    [ipv6({ src: '2001:db8::a', dst: '2001:db8::b' }), icmp({ type: 128, id: 1, seq: 1 }), payload(5)],
  ] as const;
  for (const layers of cases) {
    const b = buildPacket([E, ...layers]);
    const ip = layers[0];
    const l3len = ip.kind === 'ipv4' ? 20 + Math.ceil((ip.options?.length ?? 0) / 4) * 4 : 40;
    const l4 = 14 + l3len;
    if (ip.kind === 'ipv4') assert.ok(checksumValid(b, 14, l4), 'IPv4 header');
    const kind = layers[1].kind;
    const proto = kind === 'tcp' ? 6 : kind === 'udp' ? 17 : ip.kind === 'ipv6' ? 58 : 0;
    const initial = proto === 0 ? 0 : pseudoHeaderSum(
      b.subarray(ip.kind === 'ipv4' ? 26 : 22, ip.kind === 'ipv4' ? 30 : 38),
      b.subarray(ip.kind === 'ipv4' ? 30 : 38, ip.kind === 'ipv4' ? 34 : 54), proto, b.length - l4);
    assert.equal(onesComplementSum(b, l4, b.length, initial), 0xffff, `${ip.kind}/${kind}`);
  }
});

test('explicit fields override the derived ones (deliberately broken packets)', () => {
  const b = buildPacket([E, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', checksum: 0xdead, totalLength: 999, ihl: 6 }),
    udp({ sport: 1, dport: 2, checksum: 0, length: 3 })]);
  const v = new DataView(b.buffer);
  assert.equal(v.getUint16(24), 0xdead);
  assert.equal(v.getUint16(16), 999);
  assert.equal(b[14] & 0xf, 6);
  assert.equal(v.getUint16(34 + 4), 3);
  assert.equal(v.getUint16(34 + 6), 0);
});

test('a UDP checksum that computes to 0 is sent as ffff', () => {
  // Find a payload whose checksum folds to zero: try two-byte payloads until one does.
  for (let x = 0; x < 0x10000; x++) {
    const b = buildPacket([ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ sport: 1, dport: 2 }), payload(Uint8Array.of(x >> 8, x & 0xff))]);
    const withZero = new Uint8Array(b);
    withZero[26] = withZero[27] = 0;
    const sum = onesComplementSum(withZero, 20, b.length, pseudoHeaderSum(b.subarray(12, 16), b.subarray(16, 20), 17, 10));
    if (sum === 0xffff) {
      assert.equal(new DataView(b.buffer).getUint16(26), 0xffff);
      return;
    }
  }
  assert.fail('no payload gave a zero checksum');
});

test('TCP flags and options encode as tcpdump names them', () => {
  const b = buildPacket([ipv4({ src: '1.1.1.1', dst: '2.2.2.2' }), tcp({
    sport: 1, dport: 2, flags: 'FSRP.UEW',
    options: [{ kind: 'sack', blocks: [[1, 2]] }, { kind: 'timestamp', value: 0x01020304, echo: 5 }, { kind: 'raw', type: 30, data: Uint8Array.of(9) }],
  })]);
  assert.equal(b[20 + 13], 0xff);
  assert.equal(hex(b.subarray(40)), '050a0000000100000002' + '080a0102030400000005' + '1e0309' + '00');
  assert.equal(b[32] >> 4, 5 + 6);
});

test('bad descriptions raise PacketError naming the layer', () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => buildPacket([E, payload(3)]), /layer 0 \(ethernet\): no ethertype/],
    [() => buildPacket([ipv4({ src: '1.1.1.1', dst: '2.2.2.2' }), payload(1)]), /layer 0 \(ipv4\): no protocol number/],
    [() => buildPacket([E, ipv4({ src: '1.1.1.1', dst: '2.2.2.256' }), udp({ sport: 1, dport: 2 })]), /invalid IPv4 address/],
    [() => buildPacket([ethernet({ src: 'x', dst: '02:00:00:00:00:02', type: 1 })]), /invalid MAC/],
    [() => buildPacket([E, { kind: 'vlan', vid: 4096 }, ipv6({ src: '::', dst: '::' })]), /layer 1 \(vlan\): vid 4096 does not fit in 12 bits/],
    [() => buildPacket([udp({ sport: 1, dport: 2 })]), /UDP checksum needs an enclosing IPv4\/IPv6 layer/],
    [() => buildPacket([ipv4({ src: '1.1.1.1', dst: '2.2.2.2' }), tcp({ sport: 70000, dport: 2 })]), /sport 70000/],
    [() => buildPacket([ipv4({ src: '1.1.1.1', dst: '2.2.2.2' }), tcp({ sport: 1, dport: 2, flags: 'X' })]), /unknown TCP flag 'X'/],
    [() => buildPacket([ipv4({ src: '1.1.1.1', dst: '2.2.2.2', options: new Uint8Array(41), protocol: 0 })]), /IPv4 options take 44 bytes/],
  ];
  for (const [fn, re] of bad) assert.throws(fn, (e: unknown) => e instanceof PacketError && re.test(e.message), re.source);
});
