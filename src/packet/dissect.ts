/**
 * The inverse of {@link buildPacket}: decodes packet bytes into the same {@link Layer} shapes,
 * with every field explicit, so `buildPacket(dissect(b).layers)` followed by the trailer gives
 * `b` back. Never throws: whatever does not decode (a truncated header, an unknown protocol)
 * ends the list as a payload layer, and `truncated` names the header that did not fit.
 */
import { formatIpv4, formatIpv6, formatMac } from './address.js';
import { checksumValid, pseudoHeaderSum } from './checksum.js';
import {
  ETH_P, IPPROTO, TCP_FLAGS, type Layer, type TcpOption,
} from './layers.js';

/** A decoded layer with where it sits in the packet and, when it has one, whether its checksum holds. */
export type DissectedLayer = Layer & {
  /** Byte offset of the header in the packet. */
  offset: number;
  /** Header length in bytes (the whole data for a payload). */
  headerLength: number;
  /** Checksum verdict; absent when the layer has none or it could not be checked (truncated). */
  checksumValid?: boolean;
};

export interface Dissection {
  layers: DissectedLayer[];
  /** The header that was cut short, and where it began. */
  truncated?: { kind: Layer['kind']; offset: number };
  /** Bytes after the end of the IP datagram (Ethernet padding or trailer). */
  trailer: Uint8Array;
}

/** Where the packet starts: an Ethernet frame (default), or an IPv4/IPv6 packet (raw IP). */
export type LinkStart = 'ethernet' | 'ip';

type Next = Layer['kind'] | undefined;

/** State passed from an IP layer to what it carries. */
interface IpInfo {
  version: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
}

interface Cursor {
  b: Uint8Array;
  view: DataView;
  /** End of the current protocol's data (IP total length may end before the frame). */
  end: number;
  ip?: IpInfo;
  /** False when the IP payload is cut short or is a fragment: its L4 checksum cannot be checked. */
  whole: boolean;
  out: Dissection;
}

/** Decodes `bytes`. */
export function dissect(bytes: Uint8Array, start: LinkStart = 'ethernet'): Dissection {
  const c: Cursor = {
    b: bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    end: bytes.length,
    whole: true,
    out: { layers: [], trailer: new Uint8Array(0) },
  };
  let next: Next = start === 'ethernet' ? 'ethernet' : ipByVersion(bytes[0]);
  let off = 0;
  while (next !== undefined && next !== 'payload') {
    const decoder = DECODERS[next];
    const r = decoder(c, off);
    if (!r) {
      c.out.truncated = { kind: next, offset: off };
      break;
    }
    [next, off] = r;
  }
  if (off < c.end) {
    c.out.layers.push({ kind: 'payload', data: bytes.slice(off, c.end), offset: off, headerLength: c.end - off });
  }
  c.out.trailer = bytes.slice(c.end);
  return c.out;
}

function ipByVersion(firstByte: number | undefined): Next {
  const v = firstByte === undefined ? 0 : firstByte >> 4;
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}

/** Returns the next layer kind and its offset, or undefined when the header is truncated. */
type Decoder = (c: Cursor, off: number) => [Next, number] | undefined;

const BY_ETHERTYPE: Record<number, Next> = {
  [ETH_P.IP]: 'ipv4', [ETH_P.IPV6]: 'ipv6', [ETH_P.ARP]: 'arp', [ETH_P['8021Q']]: 'vlan', [ETH_P['8021AD']]: 'vlan',
};

function byProtocol(proto: number, version: 4 | 6): Next {
  switch (proto) {
    case IPPROTO.TCP: return 'tcp';
    case IPPROTO.UDP: return 'udp';
    case IPPROTO.IPIP: return 'ipv4';
    case IPPROTO.IPV6: return 'ipv6';
    case IPPROTO.ICMP: return version === 4 ? 'icmp' : undefined;
    case IPPROTO.ICMPV6: return version === 6 ? 'icmp' : undefined;
  }
  return undefined;
}

/** Checksum of the L4 data [off, c.end) over the pseudo-header; undefined when it cannot be checked. */
function l4ChecksumValid(c: Cursor, off: number, proto: number): boolean | undefined {
  if (!c.ip || !c.whole) return undefined;
  return checksumValid(c.b, off, c.end, pseudoHeaderSum(c.ip.src, c.ip.dst, proto, c.end - off));
}

const DECODERS: Record<Exclude<Layer['kind'], 'payload'>, Decoder> = {
  ethernet(c, off) {
    if (off + 14 > c.end) return undefined;
    const type = c.view.getUint16(off + 12);
    c.out.layers.push({ kind: 'ethernet', dst: formatMac(c.b, off), src: formatMac(c.b, off + 6), type, offset: off, headerLength: 14 });
    return [BY_ETHERTYPE[type] ?? 'payload', off + 14];
  },

  vlan(c, off) {
    if (off + 4 > c.end) return undefined;
    const tci = c.view.getUint16(off);
    const type = c.view.getUint16(off + 2);
    const prev = c.view.getUint16(off - 2);
    c.out.layers.push({
      kind: 'vlan', vid: tci & 0xfff, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, type, tpid: prev,
      offset: off, headerLength: 4,
    });
    return [BY_ETHERTYPE[type] ?? 'payload', off + 4];
  },

  arp(c, off) {
    // Only Ethernet/IPv4 ARP has the layout below.
    if (off + 28 > c.end || c.view.getUint16(off) !== 1 || c.view.getUint16(off + 2) !== ETH_P.IP) return undefined;
    c.out.layers.push({
      kind: 'arp', op: c.view.getUint16(off + 6),
      senderMac: formatMac(c.b, off + 8), senderIp: formatIpv4(c.b, off + 14),
      targetMac: formatMac(c.b, off + 18), targetIp: formatIpv4(c.b, off + 24),
      offset: off, headerLength: 28,
    });
    return ['payload', off + 28];
  },

  ipv4(c, off) {
    if (off + 20 > c.end || c.b[off] >> 4 !== 4) return undefined;
    const ihl = c.b[off] & 0xf;
    const hlen = ihl * 4;
    if (hlen < 20 || off + hlen > c.end) return undefined;
    const totalLength = c.view.getUint16(off + 2);
    const frag = c.view.getUint16(off + 6);
    const protocol = c.b[off + 9];
    c.out.layers.push({
      kind: 'ipv4', src: formatIpv4(c.b, off + 12), dst: formatIpv4(c.b, off + 16),
      ttl: c.b[off + 8], tos: c.b[off + 1], id: c.view.getUint16(off + 4),
      df: (frag & 0x4000) !== 0, mf: (frag & 0x2000) !== 0, fragOffset: frag & 0x1fff,
      protocol, options: c.b.slice(off + 20, off + hlen), ihl, totalLength,
      checksum: c.view.getUint16(off + 10), checksumValid: checksumValid(c.b, off, off + hlen),
      offset: off, headerLength: hlen,
    });
    // The datagram ends at its total length; bytes beyond it are a trailer.
    if (totalLength >= hlen && off + totalLength < c.end) c.end = off + totalLength;
    c.whole = off + totalLength <= c.b.length && (frag & 0x3fff) === 0;
    c.ip = { version: 4, src: c.b.slice(off + 12, off + 16), dst: c.b.slice(off + 16, off + 20) };
    // Only the first fragment carries the transport header.
    const next = frag & 0x1fff ? 'payload' : byProtocol(protocol, 4) ?? 'payload';
    return [next, off + hlen];
  },

  ipv6(c, off) {
    if (off + 40 > c.end || c.b[off] >> 4 !== 6) return undefined;
    const w = c.view.getUint32(off);
    const payloadLength = c.view.getUint16(off + 4);
    const nextHeader = c.b[off + 6];
    c.out.layers.push({
      kind: 'ipv6', src: formatIpv6(c.b, off + 8), dst: formatIpv6(c.b, off + 24),
      trafficClass: (w >>> 20) & 0xff, flowLabel: w & 0xfffff, nextHeader, hopLimit: c.b[off + 7], payloadLength,
      offset: off, headerLength: 40,
    });
    if (off + 40 + payloadLength < c.end) c.end = off + 40 + payloadLength;
    c.whole = off + 40 + payloadLength <= c.b.length;
    c.ip = { version: 6, src: c.b.slice(off + 8, off + 24), dst: c.b.slice(off + 24, off + 40) };
    return [byProtocol(nextHeader, 6) ?? 'payload', off + 40];
  },

  tcp(c, off) {
    if (off + 20 > c.end) return undefined;
    const dataOffset = c.b[off + 12] >> 4;
    const hlen = dataOffset * 4;
    if (hlen < 20 || off + hlen > c.end) return undefined;
    let flags = '';
    for (const [letter, bit] of TCP_FLAGS) if (c.b[off + 13] & bit) flags += letter;
    c.out.layers.push({
      kind: 'tcp', sport: c.view.getUint16(off), dport: c.view.getUint16(off + 2),
      seq: c.view.getUint32(off + 4), ack: c.view.getUint32(off + 8), flags,
      window: c.view.getUint16(off + 14), urgent: c.view.getUint16(off + 18),
      options: decodeTcpOptions(c.b.subarray(off + 20, off + hlen)), dataOffset,
      checksum: c.view.getUint16(off + 16), checksumValid: l4ChecksumValid(c, off, IPPROTO.TCP),
      offset: off, headerLength: hlen,
    });
    return ['payload', off + hlen];
  },

  udp(c, off) {
    if (off + 8 > c.end) return undefined;
    const checksum = c.view.getUint16(off + 6);
    const none = checksum === 0 && c.ip?.version === 4;
    c.out.layers.push({
      kind: 'udp', sport: c.view.getUint16(off), dport: c.view.getUint16(off + 2),
      length: c.view.getUint16(off + 4), checksum,
      checksumValid: none ? true : l4ChecksumValid(c, off, IPPROTO.UDP),
      offset: off, headerLength: 8,
    });
    return ['payload', off + 8];
  },

  icmp(c, off) {
    if (off + 8 > c.end) return undefined;
    const v6 = c.ip?.version === 6;
    c.out.layers.push({
      kind: 'icmp', type: c.b[off], code: c.b[off + 1], id: c.view.getUint16(off + 4), seq: c.view.getUint16(off + 6),
      checksum: c.view.getUint16(off + 2),
      checksumValid: v6 ? l4ChecksumValid(c, off, IPPROTO.ICMPV6) : c.whole ? checksumValid(c.b, off, c.end) : undefined,
      offset: off, headerLength: 8,
    });
    return ['payload', off + 8];
  },
};

/**
 * Decodes TCP options. A malformed option (length < 2 or past the end) and everything after
 * it becomes one `bytes` option holding the rest verbatim, so re-encoding gives the same bytes.
 */
function decodeTcpOptions(b: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  while (i < b.length) {
    const type = b[i];
    if (type === 0) {
      // EOL; the zero bytes after it (padding) are kept as more EOLs so re-encoding is exact.
      out.push({ kind: 'eol' });
      i++;
      continue;
    }
    if (type === 1) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || len < 2 || i + len > b.length) {
      out.push({ kind: 'bytes', data: b.slice(i) });
      return out;
    }
    const known = decodeKnownOption(type, len, v, i);
    out.push(known ?? { kind: 'raw', type, data: b.slice(i + 2, i + len) });
    i += len;
  }
  return out;
}

function decodeKnownOption(type: number, len: number, v: DataView, i: number): TcpOption | undefined {
  if (type === 2 && len === 4) return { kind: 'mss', value: v.getUint16(i + 2) };
  if (type === 3 && len === 3) return { kind: 'wscale', shift: v.getUint8(i + 2) };
  if (type === 4 && len === 2) return { kind: 'sackPermitted' };
  if (type === 8 && len === 10) return { kind: 'timestamp', value: v.getUint32(i + 2), echo: v.getUint32(i + 6) };
  if (type === 5 && len >= 2 && (len - 2) % 8 === 0) {
    const blocks: Array<[number, number]> = [];
    for (let j = i + 2; j < i + len; j += 8) blocks.push([v.getUint32(j), v.getUint32(j + 4)]);
    return { kind: 'sack', blocks };
  }
  return undefined;
}
