import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPacket } from './build.js';
import { dissect, type DissectedLayer } from './dissect.js';
import { formatPacket, hexdump } from './format.js';
import { ethernet, ipv4, ipv6, payload, tcp, udp } from './layers.js';
import { seededRandom } from './random.js';
import { sampleTraffic } from './samples.js';

/** Rebuilds a packet from its dissection: the layers, then the trailer. */
function rebuild(bytes: Uint8Array, start: 'ethernet' | 'ip' = 'ethernet'): Uint8Array {
  const d = dissect(bytes, start);
  const head = buildPacket(d.layers);
  const out = new Uint8Array(head.length + d.trailer.length);
  out.set(head);
  out.set(d.trailer, head.length);
  return out;
}

const samples = sampleTraffic();

test('every sample packet, and every prefix of it, dissects and rebuilds to the same bytes', () => {
  let prefixes = 0;
  for (const s of samples) {
    assert.deepEqual(rebuild(s.data), s.data, s.note);
    // Prefixes cover every truncation point of every header.
    for (let n = 0; n < Math.min(s.data.length, 120); n++, prefixes++) {
      const cut = s.data.subarray(0, n);
      assert.deepEqual(rebuild(cut), new Uint8Array(cut), `${s.note}, first ${n} bytes`);
    }
  }
  assert.ok(prefixes > 5000);
});

test('checksum verdicts: exactly the deliberately broken samples fail', () => {
  const failing = samples
    .filter((s) => dissect(s.data).layers.some((l) => l.checksumValid === false))
    .map((s) => s.note);
  assert.deepEqual(failing, ['IPv4 bad header checksum', 'TCP bad checksum', 'UDP bad checksum', 'ICMP bad checksum']);
  // Fragments and cut datagrams have an L4 checksum that cannot be checked.
  const first = samples.find((s) => s.note.startsWith('IPv4 fragment offset 0'))!;
  assert.equal(dissect(first.data).layers.find((l) => l.kind === 'udp')?.checksumValid, undefined);
  const snapped = samples.find((s) => s.note.includes('snapped'))!;
  assert.equal(dissect(snapped.data).layers.find((l) => l.kind === 'tcp')?.checksumValid, undefined);
  const zero = samples.find((s) => s.note === 'UDP without checksum (0)')!;
  assert.equal(dissect(zero.data).layers.find((l) => l.kind === 'udp')?.checksumValid, true);
});

test('decoded fields: VLAN stack, IPv4 options, TCP options, IPv6, trailer, truncation', () => {
  const qinq = dissect(samples.find((s) => s.note.startsWith('QinQ'))!.data);
  assert.deepEqual(qinq.layers.map((l) => l.kind), ['ethernet', 'vlan', 'vlan', 'ipv4', 'udp', 'payload']);
  const [outer, inner] = qinq.layers.filter((l): l is Extract<DissectedLayer, { kind: 'vlan' }> => l.kind === 'vlan');
  assert.deepEqual([outer.vid, outer.tpid, outer.type, inner.vid, inner.tpid, inner.type], [300, 0x88a8, 0x8100, 100, 0x8100, 0x0800]);

  const syn = dissect(samples.find((s) => s.note === 'TCP SYN to :80')!.data);
  const t = syn.layers[2];
  assert.equal(t.kind, 'tcp');
  if (t.kind === 'tcp') {
    assert.deepEqual(t.options, [
      { kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamp', value: 1000, echo: 0 },
      { kind: 'nop' }, { kind: 'wscale', shift: 7 },
    ]);
    assert.equal(t.flags, 'S');
    assert.equal(t.offset, 34);
    assert.equal(t.headerLength, 40);
  }

  const rr = dissect(samples.find((s) => s.note.startsWith('IPv4 Record Route'))!.data).layers[1];
  assert.ok(rr.kind === 'ipv4' && rr.options?.length === 40 && rr.options[0] === 7 && rr.ihl === 15);

  const padded = dissect(samples.find((s) => s.note.startsWith('TCP ACK to :80'))!.data);
  assert.equal(padded.trailer.length, 6);

  const cut = dissect(samples.find((s) => s.note === 'TCP header cut after 8 bytes')!.data);
  assert.deepEqual(cut.truncated, { kind: 'tcp', offset: 34 });
  assert.equal(cut.layers.at(-1)?.kind, 'payload');
});

test('raw IP start (a socket filter sees packets from the network header)', () => {
  const b = buildPacket([ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }), udp({ sport: 1, dport: 53 }), payload('x')]);
  assert.deepEqual(dissect(b, 'ip').layers.map((l) => l.kind), ['ipv6', 'udp', 'payload']);
  assert.deepEqual(rebuild(b, 'ip'), b);
  assert.deepEqual(dissect(Uint8Array.of(0x99, 1, 2), 'ip').layers.map((l) => l.kind), ['payload']);
});

test('random bytes never make the dissector throw, and still round-trip', () => {
  const rnd = seededRandom(42);
  for (let i = 0; i < 3000; i++) {
    const b = rnd.bytes(rnd.below(200));
    // Bias towards plausible headers so deep paths are reached.
    if (b.length > 14 && i % 2) (b[12] = [0x08, 0x86, 0x81, 0x88][i % 4]), (b[13] = [0x00, 0xdd, 0x00, 0xa8][i % 4]);
    if (b.length > 15 && i % 3 === 0) b[14] = 0x45;
    assert.deepEqual(rebuild(b), b, `case ${i}`);
    formatPacket(b);
  }
});

test('formatPacket prints one line per layer, or one line', () => {
  const b = buildPacket([ethernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 7, df: true }),
    tcp({ sport: 40000, dport: 80, flags: 'S', seq: 1, options: [{ kind: 'mss', value: 1460 }] }), payload(2)]);
  assert.equal(formatPacket(b), [
    'Ethernet 02:00:00:00:00:01 > 02:00:00:00:00:02 type 0x0800',
    'IPv4 10.0.0.1 > 10.0.0.2 proto 6 ttl 64 id 7 len 46 DF',
    'TCP 40000 > 80 [S] seq 1 ack 0 win 65535 options [mss 1460]',
    'payload 2 bytes',
  ].join('\n'));
  assert.match(formatPacket(b.subarray(0, 20), { oneLine: true }), /^Ethernet .*, payload 6 bytes, truncated ipv4 header at offset 14$/);
  assert.equal(hexdump(Uint8Array.of(0x41, 0x42, 0, 0xff)), '00000000: 4142 00ff                                AB..');
});
