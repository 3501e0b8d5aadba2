/**
 * Layer descriptions for {@link buildPacket} and results of {@link dissect}. A packet is a list
 * of layers, outermost first: `[ethernet(), vlan(), ipv4(), tcp(), payload()]`. Fields left
 * out get the usual defaults; fields that depend on the next layer or the content (ethertype,
 * IP protocol, lengths, checksums) are computed unless given, so tests can also build
 * deliberately wrong packets by setting them.
 */

/** Ethertypes (linux/if_ether.h). */
export const ETH_P = {
  IP: 0x0800, ARP: 0x0806, '8021Q': 0x8100, '8021AD': 0x88a8, IPV6: 0x86dd,
} as const;

/** IP protocol numbers (linux/in.h, linux/in6.h). */
export const IPPROTO = {
  HOPOPTS: 0, ICMP: 1, IPIP: 4, TCP: 6, UDP: 17, IPV6: 41, ROUTING: 43, FRAGMENT: 44, ICMPV6: 58, NONE: 59, DSTOPTS: 60,
} as const;

export interface EthernetLayer {
  kind: 'ethernet';
  dst: string;
  src: string;
  /** Ethertype; default: from the next layer. */
  type?: number;
}

export interface VlanLayer {
  kind: 'vlan';
  /** VLAN id, 0..4095. */
  vid: number;
  /** Priority code point, 0..7. */
  pcp?: number;
  /** Drop eligible indicator. */
  dei?: boolean;
  /** Encapsulated ethertype; default: from the next layer. */
  type?: number;
  /**
   * The TPID that announces this tag in the previous header: 0x8100 (802.1Q, default) or
   * 0x88a8 (802.1ad outer tag).
   */
  tpid?: number;
}

export interface ArpLayer {
  kind: 'arp';
  /** 1 request, 2 reply. */
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export interface Ipv4Layer {
  kind: 'ipv4';
  src: string;
  dst: string;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
  /** Default: from the next layer. */
  protocol?: number;
  /** Raw option bytes, zero-padded (EOL) to a multiple of 4; at most 40 bytes. */
  options?: Uint8Array;
  /** Header length in 32-bit words; default: from the options. */
  ihl?: number;
  /** Default: header + payload. */
  totalLength?: number;
  /** Default: computed. */
  checksum?: number;
}

export interface Ipv6Layer {
  kind: 'ipv6';
  src: string;
  dst: string;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Default: from the next layer. */
  nextHeader?: number;
  /** Default: the length of everything after this header. */
  payloadLength?: number;
}

/** A TCP option; the list is padded with EOL to a multiple of 4 bytes. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'timestamp'; value: number; echo: number }
  | { kind: 'raw'; type: number; data: Uint8Array }
  /** Verbatim bytes, not one option: malformed options as found in a packet. */
  | { kind: 'bytes'; data: Uint8Array };

/** TCP flag letters as tcpdump prints them, with their bit in the flags byte (plus NS). */
export const TCP_FLAGS: ReadonlyArray<readonly [letter: string, bit: number]> = [
  ['F', 0x01], ['S', 0x02], ['R', 0x04], ['P', 0x08], ['.', 0x10], ['U', 0x20], ['E', 0x40], ['W', 0x80],
];

export interface TcpLayer {
  kind: 'tcp';
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Flag letters as tcpdump prints them: `S`, `S.` (SYN-ACK), `P.`, `F.`, `R`… (`.` is ACK). */
  flags?: string;
  window?: number;
  urgent?: number;
  options?: TcpOption[];
  /** Default: computed over the pseudo-header. */
  checksum?: number;
  /** Data offset in 32-bit words; default: from the options. */
  dataOffset?: number;
}

export interface UdpLayer {
  kind: 'udp';
  sport: number;
  dport: number;
  /** Default: header + payload. */
  length?: number;
  /** Default: computed (0 is sent as 0xffff); `0` explicitly means "no checksum" over IPv4. */
  checksum?: number;
}

/** ICMP for IPv4 or ICMPv6 (chosen by the enclosing IP layer). */
export interface IcmpLayer {
  kind: 'icmp';
  type: number;
  code?: number;
  /** The 4 bytes after the checksum: identifier and sequence for echo messages. */
  id?: number;
  seq?: number;
  /** Default: computed (over the pseudo-header for ICMPv6). */
  checksum?: number;
}

export interface PayloadLayer {
  kind: 'payload';
  data: Uint8Array;
}

export type Layer =
  | EthernetLayer | VlanLayer | ArpLayer | Ipv4Layer | Ipv6Layer | TcpLayer | UdpLayer | IcmpLayer | PayloadLayer;

type Opts<L extends Layer> = Omit<L, 'kind'>;

export const ethernet = (o: Opts<EthernetLayer>): EthernetLayer => ({ kind: 'ethernet', ...o });
export const vlan = (o: Opts<VlanLayer>): VlanLayer => ({ kind: 'vlan', ...o });
export const arp = (o: Opts<ArpLayer>): ArpLayer => ({ kind: 'arp', ...o });
export const ipv4 = (o: Opts<Ipv4Layer>): Ipv4Layer => ({ kind: 'ipv4', ...o });
export const ipv6 = (o: Opts<Ipv6Layer>): Ipv6Layer => ({ kind: 'ipv6', ...o });
export const tcp = (o: Opts<TcpLayer>): TcpLayer => ({ kind: 'tcp', ...o });
export const udp = (o: Opts<UdpLayer>): UdpLayer => ({ kind: 'udp', ...o });
export const icmp = (o: Opts<IcmpLayer>): IcmpLayer => ({ kind: 'icmp', ...o });
/** Payload bytes; a string is encoded as UTF-8, a number gives that many bytes 0, 1, 2… (mod 256). */
export const payload = (data: Uint8Array | string | number): PayloadLayer => ({
  kind: 'payload',
  data:
    typeof data === 'string' ? new TextEncoder().encode(data)
    : typeof data === 'number' ? Uint8Array.from({ length: data }, (_, i) => i & 0xff)
    : data,
});

/** IPv4 option encoders (RFC 791, RFC 2113). */
export const ipv4Option = {
  nop: (): Uint8Array => Uint8Array.of(1),
  /** Router Alert (type 148), value 0: "examine this packet". */
  routerAlert: (value = 0): Uint8Array => Uint8Array.of(148, 4, value >> 8, value & 0xff),
  /** Record Route (type 7) with room for `slots` addresses, all empty. */
  recordRoute: (slots: number): Uint8Array => {
    const o = new Uint8Array(3 + 4 * slots);
    o.set([7, o.length, 4]);
    return o;
  },
};
