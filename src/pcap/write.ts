/** Writers for pcap and pcapng files. */
import { PcapError } from './errors.js';
import { LINKTYPE } from './linktype.js';

/** A packet to write. */
export interface PacketRecord {
  data: Uint8Array;
  /** Nanoseconds since the Unix epoch; default 0. */
  timestamp?: bigint;
  /** Length on the wire; default: `data.length`. */
  originalLength?: number;
  /** pcapng interface index; default 0. */
  interface?: number;
}

export interface PcapWriteOptions {
  /** LINKTYPE_*; default Ethernet. */
  linkType?: number;
  /** Default 262144 (tcpdump's). Longer packets are cut to it, keeping their original length. */
  snapLength?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds; default false. */
  nanosecond?: boolean;
  /** Default 'little', the order of most captures written on x86. */
  byteOrder?: 'little' | 'big';
}

const DEFAULT_SNAPLEN = 262144;

/** Checks that an option is an integer in [0, max]. */
function option(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new PcapError(`${name} ${value} is not an integer in 0..${max}`);
  return value;
}

function u32(value: bigint, what: string, packet: number): number {
  if (value < 0n || value >= 1n << 32n) throw new PcapError(`${what} ${value} does not fit in 32 bits`, {}, packet);
  return Number(value);
}

/** Encodes `packets` as a classic pcap file (version 2.4). */
export function writePcap(packets: Iterable<PacketRecord>, opts: PcapWriteOptions = {}): Uint8Array {
  const le = (opts.byteOrder ?? 'little') === 'little';
  const snap = option('snapLength', opts.snapLength ?? DEFAULT_SNAPLEN, 0xffffffff);
  const linkType = option('linkType', opts.linkType ?? LINKTYPE.ETHERNET, 0x0fffffff);
  const list = [...packets];
  const size = 24 + list.reduce((n, p) => n + 16 + Math.min(p.data.length, snap), 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  // thiszone and sigfigs stay 0, as every modern writer leaves them.
  v.setUint32(16, snap, le);
  v.setUint32(20, linkType, le);
  const unit = opts.nanosecond ? 1n : 1000n;
  let off = 24;
  for (const [i, p] of list.entries()) {
    const ts = p.timestamp ?? 0n;
    const caplen = Math.min(p.data.length, snap);
    if (ts < 0n) throw new PcapError(`timestamp ${ts} is before 1970`, {}, i);
    v.setUint32(off, u32(ts / 1_000_000_000n, 'timestamp seconds', i), le);
    v.setUint32(off + 4, Number((ts % 1_000_000_000n) / unit), le);
    v.setUint32(off + 8, caplen, le);
    v.setUint32(off + 12, p.originalLength ?? p.data.length, le);
    out.set(p.data.subarray(0, caplen), off + 16);
    off += 16 + caplen;
  }
  return out;
}

export interface PcapngInterface {
  linkType: number;
  /** Default 0 (no limit). */
  snapLength?: number;
  name?: string;
  /** if_tsresol: timestamp units are 10^-n seconds; default 9 (nanoseconds). Written when not 6. */
  resolutionDigits?: number;
}

export interface PcapngWriteOptions {
  /** Default: one Ethernet interface. */
  interfaces?: PcapngInterface[];
  /** Default 'little'. */
  byteOrder?: 'little' | 'big';
  /** Write Simple Packet Blocks (no timestamp, interface 0) instead of Enhanced ones. */
  simple?: boolean;
}

/** Assembles pcapng blocks: type, total length, body, options, total length. */
class BlockWriter {
  private chunks: Uint8Array[] = [];
  constructor(private readonly le: boolean) {}

  block(type: number, body: Uint8Array, options: Array<[number, Uint8Array]> = []): void {
    const optLen = options.length ? options.reduce((n, [, v]) => n + 4 + pad4(v.length), 0) + 4 : 0;
    const len = 12 + pad4(body.length) + optLen;
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, len, this.le);
    out.set(body, 8);
    let off = 8 + pad4(body.length);
    for (const [code, value] of options) {
      v.setUint16(off, code, this.le);
      v.setUint16(off + 2, value.length, this.le);
      out.set(value, off + 4);
      off += 4 + pad4(value.length);
    }
    // opt_endofopt is the 4 zero bytes left at `off` when there were options.
    v.setUint32(len - 4, len, this.le);
    this.chunks.push(out);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.chunks) out.set(c, off), (off += c.length);
    return out;
  }
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Encodes `packets` as a pcapng file: one section, the given interfaces, one EPB (or SPB) per packet. */
export function writePcapng(packets: Iterable<PacketRecord>, opts: PcapngWriteOptions = {}): Uint8Array {
  const le = (opts.byteOrder ?? 'little') === 'little';
  const ifaces = opts.interfaces ?? [{ linkType: LINKTYPE.ETHERNET }];
  const w = new BlockWriter(le);
  const body = (n: number) => {
    const b = new Uint8Array(n);
    return [b, new DataView(b.buffer)] as const;
  };

  const [shb, shbv] = body(16);
  shbv.setUint32(0, 0x1a2b3c4d, le);
  shbv.setUint16(4, 1, le);
  shbv.setUint16(6, 0, le);
  shbv.setBigInt64(8, -1n, le); // section length unknown
  w.block(0x0a0d0d0a, shb);

  for (const iface of ifaces) {
    const [idb, idbv] = body(8);
    idbv.setUint16(0, option('linkType', iface.linkType, 0xffff), le);
    idbv.setUint32(4, option('snapLength', iface.snapLength ?? 0, 0xffffffff), le);
    const options: Array<[number, Uint8Array]> = [];
    if (iface.name !== undefined) options.push([2, new TextEncoder().encode(iface.name)]);
    const digits = option('resolutionDigits', iface.resolutionDigits ?? 9, 0x7f);
    if (digits !== 6) options.push([9, Uint8Array.of(digits)]);
    w.block(1, idb, options);
  }

  let index = 0;
  for (const p of packets) {
    const i = p.interface ?? 0;
    const iface = ifaces[i];
    if (!iface) throw new PcapError(`interface ${i} is not declared (${ifaces.length} interfaces)`, {}, index);
    const snap = iface.snapLength || Infinity;
    const data = p.data.subarray(0, Math.min(p.data.length, snap));
    const orig = p.originalLength ?? p.data.length;
    if (opts.simple) {
      if (i !== 0) throw new PcapError('simple packet blocks can only carry interface 0', {}, index);
      const [spb, spbv] = body(4 + data.length);
      spbv.setUint32(0, orig, le);
      spb.set(data, 4);
      w.block(3, spb);
      index++;
      continue;
    }
    const units = ((p.timestamp ?? 0n) * 10n ** BigInt(iface.resolutionDigits ?? 9)) / 1_000_000_000n;
    if (units < 0n || units >= 1n << 64n) throw new PcapError(`timestamp ${p.timestamp} does not fit in 64 bits of units`, {}, index);
    const [epb, epbv] = body(20 + data.length);
    epbv.setUint32(0, i, le);
    epbv.setUint32(4, Number(units >> 32n), le);
    epbv.setUint32(8, Number(units & 0xffffffffn), le);
    epbv.setUint32(12, data.length, le);
    epbv.setUint32(16, orig, le);
    epb.set(data, 20);
    w.block(6, epb);
    index++;
  }
  return w.bytes();
}
