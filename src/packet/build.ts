/** Encodes a list of {@link Layer}s into packet bytes, filling in protocols, lengths and checksums. */
import { parseIpv4, parseIpv6, parseMac } from './address.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { PacketError } from './errors.js';
import {
  ETH_P, IPPROTO, TCP_FLAGS, type Layer, type TcpOption, type TcpLayer,
} from './layers.js';

/** The network layer that encloses a transport layer: what its pseudo-header needs. */
interface IpContext {
  version: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
}

interface Env {
  /** The layer after this one, if any. */
  next: Layer | undefined;
  /** The nearest IP layer before this one. */
  ip: IpContext | undefined;
}

type Encoder<L extends Layer> = (layer: L, inner: Uint8Array, env: Env) => Uint8Array;

/**
 * Builds the packet: `layers[0]` is the outermost header. Returns a new Uint8Array.
 * Throws {@link PacketError} for a field out of range, a bad address, or a protocol field
 * that cannot be derived (e.g. Ethernet followed directly by a payload without `type`).
 */
export function buildPacket(layers: readonly Layer[]): Uint8Array {
  const ips: Array<IpContext | undefined> = [];
  let ip: IpContext | undefined;
  for (const l of layers) {
    ips.push(ip);
    if (l.kind === 'ipv4') ip = { version: 4, src: parseIpv4(l.src), dst: parseIpv4(l.dst) };
    else if (l.kind === 'ipv6') ip = { version: 6, src: parseIpv6(l.src), dst: parseIpv6(l.dst) };
  }
  let bytes: Uint8Array = new Uint8Array(0);
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const encode = encoders[layer.kind] as Encoder<Layer>;
    try {
      bytes = encode(layer, bytes, { next: layers[i + 1], ip: ips[i] });
    } catch (e) {
      throw e instanceof PacketError ? new PacketError(`layer ${i} (${layer.kind}): ${e.message}`) : e;
    }
  }
  return bytes;
}

/** Checks that `value` is an integer that fits in `bits` unsigned bits. */
function field(name: string, value: number, bits: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new PacketError(`${name} ${value} does not fit in ${bits} bits`);
  }
  return value;
}

/** A header of `size` bytes followed by `inner`, and a DataView on the whole. */
function frame(size: number, inner: Uint8Array): [Uint8Array, DataView] {
  const out = new Uint8Array(size + inner.length);
  out.set(inner, size);
  return [out, new DataView(out.buffer)];
}

const ETHERTYPE_OF: Partial<Record<Layer['kind'], number>> = { ipv4: ETH_P.IP, ipv6: ETH_P.IPV6, arp: ETH_P.ARP };

/** The ethertype that announces `next` (a VLAN tag announces itself by its TPID). */
function ethertypeOf(given: number | undefined, next: Layer | undefined): number {
  if (given !== undefined) return field('ethertype', given, 16);
  if (next?.kind === 'vlan') return field('tpid', next.tpid ?? ETH_P['8021Q'], 16);
  const t = next && ETHERTYPE_OF[next.kind];
  if (t === undefined) throw new PacketError(`no ethertype for a following ${next?.kind ?? 'nothing'}: set 'type'`);
  return t;
}

/** The IP protocol number of `next` under an IP header of `version`. */
function protocolOf(given: number | undefined, next: Layer | undefined, version: 4 | 6): number {
  if (given !== undefined) return field('protocol', given, 8);
  switch (next?.kind) {
    case 'tcp': return IPPROTO.TCP;
    case 'udp': return IPPROTO.UDP;
    case 'icmp': return version === 4 ? IPPROTO.ICMP : IPPROTO.ICMPV6;
    case 'ipv4': return IPPROTO.IPIP;
    case 'ipv6': return IPPROTO.IPV6;
  }
  if (version === 6 && next === undefined) return IPPROTO.NONE;
  throw new PacketError(`no protocol number for a following ${next?.kind ?? 'nothing'}: set it explicitly`);
}

function requireIp(env: Env, what: string): IpContext {
  if (!env.ip) throw new PacketError(`${what} checksum needs an enclosing IPv4/IPv6 layer (or an explicit checksum)`);
  return env.ip;
}

/** The L4 checksum over the pseudo-header and `seg`, with `seg`'s checksum field zero. */
function l4Checksum(env: Env, what: string, protocol: number, seg: Uint8Array): number {
  const ip = requireIp(env, what);
  return internetChecksum(seg, 0, seg.length, pseudoHeaderSum(ip.src, ip.dst, protocol, seg.length));
}

const TCP_OPTION_ENCODERS: { [K in TcpOption['kind']]: (o: Extract<TcpOption, { kind: K }>) => number[] } = {
  eol: () => [0],
  nop: () => [1],
  mss: (o) => [2, 4, field('mss', o.value, 16) >> 8, o.value & 0xff],
  wscale: (o) => [3, 3, field('wscale', o.shift, 8)],
  sackPermitted: () => [4, 2],
  sack: (o) => [5, 2 + 8 * o.blocks.length, ...o.blocks.flatMap(([l, r]) => [...be32(field('sack edge', l, 32)), ...be32(field('sack edge', r, 32))])],
  timestamp: (o) => [8, 10, ...be32(field('tsval', o.value, 32)), ...be32(field('tsecr', o.echo, 32))],
  raw: (o) => [field('option type', o.type, 8), field('option length', 2 + o.data.length, 8), ...o.data],
  bytes: (o) => Array.from(o.data),
};

function be32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Option bytes padded with zeros (EOL) to a multiple of 4, at most `max` bytes. */
function padOptions(bytes: ArrayLike<number>, max: number, what: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  out.set(Array.from(bytes));
  if (out.length > max) throw new PacketError(`${what} options take ${out.length} bytes, more than ${max}`);
  return out;
}

function tcpFlags(flags: string): number {
  let v = 0;
  for (const c of flags) {
    const f = TCP_FLAGS.find(([letter]) => letter === c);
    if (!f) throw new PacketError(`unknown TCP flag '${c}' in '${flags}' (use F S R P . U E W)`);
    v |= f[1];
  }
  return v;
}

function encodeTcp(l: TcpLayer, inner: Uint8Array, env: Env): Uint8Array {
  const opts = padOptions((l.options ?? []).flatMap((o) => TCP_OPTION_ENCODERS[o.kind](o as never)), 40, 'TCP');
  const [out, v] = frame(20 + opts.length, inner);
  v.setUint16(0, field('sport', l.sport, 16));
  v.setUint16(2, field('dport', l.dport, 16));
  v.setUint32(4, field('seq', l.seq ?? 0, 32));
  v.setUint32(8, field('ack', l.ack ?? 0, 32));
  out[12] = field('dataOffset', l.dataOffset ?? 5 + opts.length / 4, 4) << 4;
  out[13] = tcpFlags(l.flags ?? '');
  v.setUint16(14, field('window', l.window ?? 65535, 16));
  v.setUint16(18, field('urgent', l.urgent ?? 0, 16));
  out.set(opts, 20);
  v.setUint16(16, l.checksum !== undefined ? field('checksum', l.checksum, 16) : l4Checksum(env, 'TCP', IPPROTO.TCP, out));
  return out;
}

const encoders: { [K in Layer['kind']]: Encoder<Extract<Layer, { kind: K }>> } = {
  ethernet: (l, inner, env) => {
    const [out, v] = frame(14, inner);
    out.set(parseMac(l.dst), 0);
    out.set(parseMac(l.src), 6);
    v.setUint16(12, ethertypeOf(l.type, env.next));
    return out;
  },

  vlan: (l, inner, env) => {
    const [out, v] = frame(4, inner);
    const tci = (field('pcp', l.pcp ?? 0, 3) << 13) | ((l.dei ? 1 : 0) << 12) | field('vid', l.vid, 12);
    v.setUint16(0, tci);
    v.setUint16(2, ethertypeOf(l.type, env.next));
    return out;
  },

  arp: (l, inner) => {
    const [out, v] = frame(28, inner);
    v.setUint16(0, 1); // hardware: Ethernet
    v.setUint16(2, ETH_P.IP);
    out[4] = 6;
    out[5] = 4;
    v.setUint16(6, field('op', l.op, 16));
    out.set(parseMac(l.senderMac), 8);
    out.set(parseIpv4(l.senderIp), 14);
    out.set(parseMac(l.targetMac), 18);
    out.set(parseIpv4(l.targetIp), 24);
    return out;
  },

  ipv4: (l, inner, env) => {
    const opts = padOptions(l.options ?? [], 40, 'IPv4');
    const hlen = 20 + opts.length;
    const [out, v] = frame(hlen, inner);
    out[0] = (4 << 4) | field('ihl', l.ihl ?? hlen / 4, 4);
    out[1] = field('tos', l.tos ?? 0, 8);
    v.setUint16(2, field('totalLength', l.totalLength ?? out.length, 16));
    v.setUint16(4, field('id', l.id ?? 0, 16));
    v.setUint16(6, ((l.df ? 1 : 0) << 14) | ((l.mf ? 1 : 0) << 13) | field('fragOffset', l.fragOffset ?? 0, 13));
    out[8] = field('ttl', l.ttl ?? 64, 8);
    out[9] = protocolOf(l.protocol, env.next, 4);
    out.set(parseIpv4(l.src), 12);
    out.set(parseIpv4(l.dst), 16);
    out.set(opts, 20);
    v.setUint16(10, l.checksum !== undefined ? field('checksum', l.checksum, 16) : internetChecksum(out, 0, hlen));
    return out;
  },

  ipv6: (l, inner, env) => {
    const [out, v] = frame(40, inner);
    v.setUint32(0, (6 << 28) | (field('trafficClass', l.trafficClass ?? 0, 8) << 20) | field('flowLabel', l.flowLabel ?? 0, 20));
    v.setUint16(4, field('payloadLength', l.payloadLength ?? inner.length, 16));
    out[6] = protocolOf(l.nextHeader, env.next, 6);
    out[7] = field('hopLimit', l.hopLimit ?? 64, 8);
    out.set(parseIpv6(l.src), 8);
    out.set(parseIpv6(l.dst), 24);
    return out;
  },

  tcp: encodeTcp,

  udp: (l, inner, env) => {
    const [out, v] = frame(8, inner);
    v.setUint16(0, field('sport', l.sport, 16));
    v.setUint16(2, field('dport', l.dport, 16));
    v.setUint16(4, field('length', l.length ?? out.length, 16));
    // A computed sum of 0 is sent as 0xffff: 0 on the wire means "no checksum" (RFC 768).
    v.setUint16(6, l.checksum !== undefined ? field('checksum', l.checksum, 16) : l4Checksum(env, 'UDP', IPPROTO.UDP, out) || 0xffff);
    return out;
  },

  icmp: (l, inner, env) => {
    const [out, v] = frame(8, inner);
    out[0] = field('type', l.type, 8);
    out[1] = field('code', l.code ?? 0, 8);
    v.setUint16(4, field('id', l.id ?? 0, 16));
    v.setUint16(6, field('seq', l.seq ?? 0, 16));
    let sum: number;
    if (l.checksum !== undefined) sum = field('checksum', l.checksum, 16);
    else if (env.ip?.version === 6) sum = l4Checksum(env, 'ICMPv6', IPPROTO.ICMPV6, out);
    else sum = internetChecksum(out);
    v.setUint16(2, sum);
    return out;
  },

  payload: (l, inner) => {
    const out = new Uint8Array(l.data.length + inner.length);
    out.set(l.data);
    out.set(inner, l.data.length);
    return out;
  },
};
