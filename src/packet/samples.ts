/**
 * A deterministic mixed traffic sample: ARP, IPv4 TCP/UDP/ICMP, IPv6 TCP/UDP/ICMPv6, 802.1Q
 * and QinQ tags, IPv4 options, fragments, bad checksums, truncated and snapped frames, a full
 * 1514-byte frame, Ethernet padding and a few non-IP frames. `examples/packets/mixed.pcap`
 * and `mixed.pcapng` are written from it (scripts/gen-packets.mjs), and tests use it directly.
 */
import { parseIpv6 } from './address.js';
import { buildPacket } from './build.js';
import {
  arp, ethernet, icmp, ipv4, ipv4Option, ipv6, payload, tcp, udp, type Layer, type TcpOption,
} from './layers.js';
import { seededRandom } from './random.js';

export interface SamplePacket {
  /** The captured bytes. */
  data: Uint8Array;
  /** Length on the wire when the capture cut the frame (snap length); else `data.length`. */
  originalLength: number;
  /** Nanoseconds since the Unix epoch. */
  timestamp: bigint;
  /** What the packet is, for test messages and the README. */
  note: string;
}

const MAC = {
  client: '02:00:00:00:00:01', server: '02:00:00:00:00:02', router: '02:00:00:00:00:fe',
  broadcast: 'ff:ff:ff:ff:ff:ff', lldp: '01:80:c2:00:00:0e',
};
const IP = {
  client: '10.0.0.1', server: '10.0.0.2', dns: '10.0.0.53', blocked1: '192.0.2.10', blocked2: '198.51.100.7',
  client6: '2001:db8::1', server6: '2001:db8::2', linkLocal6: 'fe80::1',
};
/** 2026-01-01T00:00:00Z */
const EPOCH = 1_767_225_600n * 1_000_000_000n;

const toServer = () => ethernet({ src: MAC.client, dst: MAC.server });
const toClient = () => ethernet({ src: MAC.server, dst: MAC.client });
const SYN_OPTIONS: TcpOption[] = [
  { kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamp', value: 1000, echo: 0 },
  { kind: 'nop' }, { kind: 'wscale', shift: 7 },
];

/** A DNS query for `name` (type A, class IN) with transaction id `id`. */
function dnsQuery(id: number, name: string): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
}

/** The answer to {@link dnsQuery}: one A record pointing at `addr`. */
function dnsAnswer(id: number, name: string, addr: number[]): Uint8Array {
  const q = dnsQuery(id, name);
  q[2] = 0x81;
  q[3] = 0x80;
  q[7] = 1; // ANCOUNT
  return Uint8Array.from([...q, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, ...addr]);
}

/** Pads a frame with zeros to the 60-byte Ethernet minimum, as a NIC does on transmit. */
function padded(frame: Uint8Array): Uint8Array {
  if (frame.length >= 60) return frame;
  const out = new Uint8Array(60);
  out.set(frame);
  return out;
}

/** Returns the sample packets, in capture order. */
export function sampleTraffic(): SamplePacket[] {
  const rnd = seededRandom(0x7eb9f);
  const out: SamplePacket[] = [];
  const add = (note: string, data: Uint8Array, originalLength = data.length) => {
    // 1 ms apart plus a deterministic jitter below 1 µs, so nanosecond files differ from microsecond ones.
    const timestamp = EPOCH + BigInt(out.length) * 1_000_000n + BigInt(rnd.below(1000));
    out.push({ data, originalLength, timestamp, note });
  };
  const pkt = (note: string, ...layers: Layer[]) => add(note, buildPacket(layers));

  // ARP
  pkt('ARP request', ethernet({ src: MAC.client, dst: MAC.broadcast }),
    arp({ op: 1, senderMac: MAC.client, senderIp: IP.client, targetMac: '00:00:00:00:00:00', targetIp: IP.server }));
  pkt('ARP reply', toClient(),
    arp({ op: 2, senderMac: MAC.server, senderIp: IP.server, targetMac: MAC.client, targetIp: IP.client }));

  // An HTTP exchange over IPv4 TCP: handshake, request, response, close.
  const c4 = (o: Omit<Parameters<typeof ipv4>[0], 'src' | 'dst'> = {}) => ipv4({ src: IP.client, dst: IP.server, df: true, ...o });
  const s4 = (o: Omit<Parameters<typeof ipv4>[0], 'src' | 'dst'> = {}) => ipv4({ src: IP.server, dst: IP.client, df: true, ...o });
  const request = 'GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: tsbpf\r\n\r\n';
  const response = 'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!';
  pkt('TCP SYN to :80', toServer(), c4({ id: 1 }), tcp({ sport: 40000, dport: 80, flags: 'S', seq: 1000, window: 64240, options: SYN_OPTIONS }));
  pkt('TCP SYN-ACK from :80', toClient(), s4(), tcp({ sport: 80, dport: 40000, flags: 'S.', seq: 5000, ack: 1001, window: 65160, options: SYN_OPTIONS }));
  add('TCP ACK to :80 (padded to 60 bytes)', padded(buildPacket([toServer(), c4({ id: 2 }), tcp({ sport: 40000, dport: 80, flags: '.', seq: 1001, ack: 5001, window: 502 })])));
  pkt('HTTP request', toServer(), c4({ id: 3 }), tcp({ sport: 40000, dport: 80, flags: 'P.', seq: 1001, ack: 5001, window: 502 }), payload(request));
  add('TCP ACK from :80 (padded)', padded(buildPacket([toClient(), s4({ id: 1 }), tcp({ sport: 80, dport: 40000, flags: '.', seq: 5001, ack: 1001 + request.length, window: 509 })])));
  pkt('HTTP response', toClient(), s4({ id: 2 }), tcp({ sport: 80, dport: 40000, flags: 'P.', seq: 5001, ack: 1001 + request.length, window: 509 }), payload(response));
  pkt('TCP FIN from client', toServer(), c4({ id: 4 }), tcp({ sport: 40000, dport: 80, flags: 'F.', seq: 1001 + request.length, ack: 5001 + response.length, window: 502 }));
  pkt('TCP FIN from server', toClient(), s4({ id: 3 }), tcp({ sport: 80, dport: 40000, flags: 'F.', seq: 5001 + response.length, ack: 1002 + request.length, window: 509 }));
  add('TCP last ACK (padded)', padded(buildPacket([toServer(), c4({ id: 5 }), tcp({ sport: 40000, dport: 80, flags: '.', seq: 1002 + request.length, ack: 5002 + response.length, window: 502 })])));

  // A bulk transfer on :443 with full-size segments.
  pkt('TCP SYN to :443', toServer(), c4({ id: 10 }), tcp({ sport: 40001, dport: 443, flags: 'S', seq: 7000, options: SYN_OPTIONS }));
  pkt('TCP SYN-ACK from :443', toClient(), s4(), tcp({ sport: 443, dport: 40001, flags: 'S.', seq: 9000, ack: 7001, options: SYN_OPTIONS }));
  for (let i = 0; i < 6; i++) {
    const len = [1460, 1460, 1460, 1460, 1000, 300][i]; // four full 1514-byte frames, then two smaller
    pkt(`TCP data ${len} bytes from :443${len === 1460 ? ' (1514-byte frame)' : ''}`, toClient(), s4({ id: 100 + i }),
      tcp({ sport: 443, dport: 40001, flags: i === 5 ? 'P.' : '.', seq: 9001 + 1460 * i, ack: 7001 }), payload(rnd.bytes(len)));
  }
  const long = buildPacket([toClient(), s4({ id: 200 }), tcp({ sport: 443, dport: 40001, flags: '.', seq: 20000, ack: 7001 }), payload(rnd.bytes(1460))]);
  add('TCP data, 1514-byte frame snapped to 96 bytes by the capture', long.slice(0, 96), long.length);

  // DNS and NTP over UDP, IPv4 and IPv6.
  const dnsE = () => ethernet({ src: MAC.client, dst: MAC.router });
  pkt('DNS query example.com', dnsE(), ipv4({ src: IP.client, dst: IP.dns, id: 20 }), udp({ sport: 53000, dport: 53 }), payload(dnsQuery(0x1234, 'example.com')));
  pkt('DNS answer example.com', ethernet({ src: MAC.router, dst: MAC.client }), ipv4({ src: IP.dns, dst: IP.client, id: 21 }), udp({ sport: 53, dport: 53000 }),
    payload(dnsAnswer(0x1234, 'example.com', [93, 184, 216, 34])));
  pkt('DNS query over IPv6', dnsE(), ipv6({ src: IP.client6, dst: '2001:db8::53' }), udp({ sport: 53001, dport: 53 }), payload(dnsQuery(0x4321, 'tsbpf.dev')));
  pkt('DNS answer over IPv6', ethernet({ src: MAC.router, dst: MAC.client }), ipv6({ src: '2001:db8::53', dst: IP.client6 }), udp({ sport: 53, dport: 53001 }),
    payload(dnsAnswer(0x4321, 'tsbpf.dev', [192, 0, 2, 80])));
  const ntp = new Uint8Array(48);
  ntp[0] = 0x23; // LI 0, version 4, mode 3 (client)
  pkt('NTP request', dnsE(), ipv4({ src: IP.client, dst: '10.0.0.123' }), udp({ sport: 123, dport: 123 }), payload(ntp));
  pkt('UDP without checksum (0)', toServer(), c4(), udp({ sport: 9999, dport: 7, checksum: 0 }), payload('echo me'));

  // ICMP
  for (let seq = 1; seq <= 3; seq++) {
    pkt(`ICMP echo request ${seq}`, toServer(), c4({ id: 30 + seq }), icmp({ type: 8, id: 0x42, seq }), payload(56));
    pkt(`ICMP echo reply ${seq}`, toClient(), s4({ id: 40 + seq }), icmp({ type: 0, id: 0x42, seq }), payload(56));
  }
  const offending = buildPacket([ipv4({ src: IP.client, dst: IP.server }), udp({ sport: 53000, dport: 33434 })]);
  pkt('ICMP port unreachable quoting a UDP header', toClient(), s4({ df: false }), icmp({ type: 3, code: 3 }), payload(offending));

  // IPv6
  const c6 = () => ipv6({ src: IP.client6, dst: IP.server6 });
  const s6 = () => ipv6({ src: IP.server6, dst: IP.client6 });
  pkt('IPv6 TCP SYN to :22', toServer(), c6(), tcp({ sport: 50000, dport: 22, flags: 'S', seq: 1, options: SYN_OPTIONS }));
  pkt('IPv6 TCP SYN-ACK from :22', toClient(), s6(), tcp({ sport: 22, dport: 50000, flags: 'S.', seq: 77, ack: 2, options: SYN_OPTIONS }));
  pkt('IPv6 TCP data to :22', toServer(), ipv6({ src: IP.client6, dst: IP.server6, flowLabel: 0xbeef, trafficClass: 0x10 }),
    tcp({ sport: 50000, dport: 22, flags: 'P.', seq: 2, ack: 78 }), payload('SSH-2.0-tsbpf\r\n'));
  pkt('ICMPv6 echo request', toServer(), c6(), icmp({ type: 128, id: 7, seq: 1 }), payload(32));
  pkt('ICMPv6 echo reply', toClient(), s6(), icmp({ type: 129, id: 7, seq: 1 }), payload(32));
  pkt('ICMPv6 neighbor solicitation', ethernet({ src: MAC.client, dst: '33:33:ff:00:00:02' }),
    ipv6({ src: IP.linkLocal6, dst: 'ff02::1:ff00:2', hopLimit: 255 }), icmp({ type: 135 }), payload(parseIpv6(IP.server6))); // target address; id/seq are the reserved word
  pkt('IPv6 UDP to :5353 (mDNS)', ethernet({ src: MAC.client, dst: '33:33:00:00:00:fb' }), ipv6({ src: IP.linkLocal6, dst: 'ff02::fb', hopLimit: 255 }),
    udp({ sport: 5353, dport: 5353 }), payload(dnsQuery(0, 'printer.local')));
  pkt('IPv6 with no next header (59)', toServer(), c6());

  // 802.1Q and 802.1ad tags
  const tagged = (vid: number, pcp = 0) => [toServer(), { kind: 'vlan', vid, pcp } as Layer];
  pkt('VLAN 100 IPv4 UDP', ...tagged(100), c4(), udp({ sport: 4000, dport: 4001 }), payload(20));
  pkt('VLAN 100 IPv4 TCP SYN', ...tagged(100, 3), c4(), tcp({ sport: 40002, dport: 8080, flags: 'S', seq: 1, options: SYN_OPTIONS }));
  pkt('VLAN 100 ICMP echo request', ...tagged(100), c4(), icmp({ type: 8, id: 9, seq: 1 }), payload(16));
  pkt('VLAN 200 IPv6 UDP', ...tagged(200, 7), c6(), udp({ sport: 6000, dport: 6001 }), payload(40));
  pkt('QinQ: 802.1ad 300 + 802.1Q 100, IPv4 UDP', toServer(), { kind: 'vlan', vid: 300, tpid: 0x88a8 },
    { kind: 'vlan', vid: 100 }, c4(), udp({ sport: 4000, dport: 4002 }), payload(12));
  pkt('VLAN 100 ARP request', ethernet({ src: MAC.client, dst: MAC.broadcast }), { kind: 'vlan', vid: 100 },
    arp({ op: 1, senderMac: MAC.client, senderIp: IP.client, targetMac: '00:00:00:00:00:00', targetIp: '10.0.0.3' }));

  // IPv4 options
  pkt('IPv4 Router Alert option, TCP', toServer(), c4({ options: ipv4Option.routerAlert() }), tcp({ sport: 40003, dport: 80, flags: 'S', seq: 1 }));
  pkt('IPv4 Record Route option (9 slots, 40 bytes), UDP', toServer(), c4({ options: ipv4Option.recordRoute(9) }), udp({ sport: 4000, dport: 4003 }), payload(8));
  pkt('IPv4 NOP + Router Alert options, ICMP', toServer(),
    c4({ options: Uint8Array.from([...ipv4Option.nop(), ...ipv4Option.routerAlert()]) }), icmp({ type: 8, id: 3, seq: 3 }), payload(8));
  pkt('IGMPv2 membership report with Router Alert', ethernet({ src: MAC.client, dst: '01:00:5e:00:00:fb' }),
    ipv4({ src: IP.client, dst: '224.0.0.251', ttl: 1, protocol: 2, options: ipv4Option.routerAlert() }),
    payload(Uint8Array.of(0x16, 0, 0x09, 0x04, 224, 0, 0, 251)));

  // A 3000-byte UDP datagram in three fragments.
  const datagram = buildPacket([ipv4({ src: IP.client, dst: IP.server, id: 0x5151 }), udp({ sport: 7000, dport: 7001 }), payload(rnd.bytes(2992))]).subarray(20);
  const frags: Array<[number, number, boolean]> = [[0, 1480, true], [1480, 1480, true], [2960, 40, false]];
  for (const [start, len, mf] of frags) {
    pkt(`IPv4 fragment offset ${start}${mf ? ' (more follow)' : ' (last)'}`, toServer(),
      ipv4({ src: IP.client, dst: IP.server, id: 0x5151, mf, fragOffset: start / 8, protocol: 17 }), payload(datagram.slice(start, start + len)));
  }

  // Bad checksums
  pkt('IPv4 bad header checksum', toServer(), c4({ checksum: 0xdead }), udp({ sport: 4000, dport: 4004 }), payload(10));
  pkt('TCP bad checksum', toServer(), c4(), tcp({ sport: 40004, dport: 80, flags: 'S', seq: 1, checksum: 0xbeef }));
  pkt('UDP bad checksum', toServer(), c4(), udp({ sport: 4000, dport: 4005, checksum: 0x1234 }), payload(10));
  pkt('ICMP bad checksum', toServer(), c4(), icmp({ type: 8, id: 1, seq: 1, checksum: 0x0bad }), payload(8));

  // Truncated and malformed frames
  const syn = buildPacket([toServer(), c4(), tcp({ sport: 40005, dport: 80, flags: 'S', seq: 1, options: SYN_OPTIONS })]);
  add('runt: 10 bytes, less than an Ethernet header', syn.slice(0, 10));
  add('Ethernet header only (IPv4 ethertype, no IP header)', syn.slice(0, 14));
  add('IPv4 header cut after 10 bytes', syn.slice(0, 24));
  add('TCP header cut after 8 bytes', syn.slice(0, 42));
  add('TCP options cut short', syn.slice(0, 60));
  pkt('IPv4 IHL 15 but a 20-byte header', toServer(), c4({ ihl: 15, protocol: 6 }));
  pkt('IPv4 total length larger than the frame', toServer(), c4({ totalLength: 1000 }), udp({ sport: 1, dport: 2 }), payload(4));
  pkt('TCP data offset 15 past the end', toServer(), c4(), tcp({ sport: 40006, dport: 80, flags: 'S', dataOffset: 15 }));

  // Sources on the xdp_lpm_filter example's blocklist (TEST-NET ranges).
  pkt('TCP SYN from 192.0.2.10 (TEST-NET-1)', toServer(), ipv4({ src: IP.blocked1, dst: IP.server }), tcp({ sport: 6666, dport: 80, flags: 'S', seq: 1 }));
  pkt('TCP SYN from 192.0.2.10 again', toServer(), ipv4({ src: IP.blocked1, dst: IP.server }), tcp({ sport: 6667, dport: 80, flags: 'S', seq: 1 }));
  pkt('UDP from 198.51.100.7 (TEST-NET-2)', toServer(), ipv4({ src: IP.blocked2, dst: IP.server }), udp({ sport: 53, dport: 33000 }), payload(30));

  // A stream of UDP packets from 16 hosts with varied sizes (flow tables, LRU, size histograms).
  for (let i = 0; i < 24; i++) {
    const host = `10.0.1.${1 + (i % 16)}`;
    const size = [18, 100, 400, 1000, 1472][rnd.below(5)];
    pkt(`UDP stream from ${host}, ${size} bytes`, ethernet({ src: `02:00:00:00:01:${(1 + (i % 16)).toString(16).padStart(2, '0')}`, dst: MAC.server }),
      ipv4({ src: host, dst: IP.server, id: i }), udp({ sport: 10000 + (i % 4), dport: 9000 }), payload(rnd.bytes(size)));
  }

  // Non-IP and tunnelled
  add('LLDP frame (ethertype 0x88cc)', padded(buildPacket([ethernet({ src: MAC.server, dst: MAC.lldp, type: 0x88cc }),
    payload(Uint8Array.of(0x02, 0x07, 0x04, 0x02, 0, 0, 0, 0, 2, 0x04, 0x03, 0x05, 0x65, 0x30, 0, 0))])));
  pkt('IPv4-in-IPv4 (IPIP) UDP', toServer(), ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }), c4(), udp({ sport: 4000, dport: 4006 }), payload(8));
  pkt('IPv6-in-IPv4 (6in4) ICMPv6 echo', toServer(), ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }), c6(), icmp({ type: 128, id: 1, seq: 1 }), payload(8));
  return out;
}
