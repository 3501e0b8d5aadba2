/**
 * Readers for pcap (both byte orders, microsecond and nanosecond timestamps) and pcapng
 * (SHB, IDB, EPB, SPB and the obsolete PB; several sections and interfaces; other blocks are
 * skipped). Every length in the file is checked against the bytes that remain, and every
 * loop advances by at least one record header, so bad input ends in a {@link PcapError}, never
 * in a hang or an out-of-range read.
 */
import { PcapError } from './errors.js';
import type { Capture, CaptureInterface, CapturedPacket } from './types.js';

/** pcap magic numbers as read in the file's own byte order. */
const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
/** pcapng block types. */
const BT = { SHB: 0x0a0d0d0a, IDB: 0x00000001, PB: 0x00000002, SPB: 0x00000003, EPB: 0x00000006 } as const;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** A packet larger than this is certainly a corrupt length (libpcap's own cap is 256 KiB). */
const MAX_PACKET = 0x4000000;

export interface ReadOptions {
  /** File name for error locations. */
  file?: string;
}

/** Reads a whole pcap or pcapng file (detected from its first four bytes). */
export function readCapture(bytes: Uint8Array, opts: ReadOptions = {}): Capture {
  const it = captureReader(bytes, opts);
  const packets: CapturedPacket[] = [];
  for (const p of it.packets) packets.push(p);
  return { format: it.format, byteOrder: it.byteOrder, interfaces: it.interfaces, packets };
}

/** A capture read lazily: `packets` yields one packet at a time; `interfaces` grows as pcapng IDBs are met. */
export interface CaptureReader {
  format: 'pcap' | 'pcapng';
  byteOrder: 'little' | 'big';
  interfaces: CaptureInterface[];
  packets: Iterable<CapturedPacket>;
}

/** Opens a capture for streaming: headers are checked now, packets as they are iterated. */
export function captureReader(bytes: Uint8Array, opts: ReadOptions = {}): CaptureReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const file = opts.file;
  if (bytes.length < 4) throw new PcapError(`file too short for a capture header (${bytes.length} bytes)`, { file, offset: 0 });
  const be = view.getUint32(0, false);
  if (be === BT.SHB) return pcapngReader(bytes, view, file);
  for (const little of [false, true]) {
    const m = view.getUint32(0, little);
    if (m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS) return pcapReader(bytes, view, little, m === PCAP_MAGIC_NS, file);
  }
  throw new PcapError(`not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`, { file, offset: 0 });
}

function pcapReader(bytes: Uint8Array, view: DataView, little: boolean, nano: boolean, file?: string): CaptureReader {
  if (bytes.length < 24) throw new PcapError('truncated pcap file header', { file, offset: 0 });
  const major = view.getUint16(4, little);
  if (major !== 2) throw new PcapError(`unsupported pcap version ${major}.${view.getUint16(6, little)}`, { file, offset: 4 });
  const iface: CaptureInterface = {
    // The top 4 bits of the link-type word carry the FCS length, not the type.
    linkType: view.getUint32(20, little) & 0x0fffffff,
    snapLength: view.getUint32(16, little),
    unitsPerSecond: nano ? 1_000_000_000n : 1_000_000n,
    timestampOffset: 0n,
  };
  const scale = nano ? 1n : 1000n;
  function* packets(): Generator<CapturedPacket> {
    let off = 24;
    for (let index = 0; off < bytes.length; index++) {
      if (off + 16 > bytes.length) {
        throw new PcapError(`truncated record header (${bytes.length - off} of 16 bytes)`, { file, offset: off }, index);
      }
      const sec = view.getUint32(off, little);
      const frac = view.getUint32(off + 4, little);
      const incl = view.getUint32(off + 8, little);
      const orig = view.getUint32(off + 12, little);
      if (incl > MAX_PACKET) throw new PcapError(`captured length ${incl} is not plausible`, { file, offset: off + 8 }, index);
      if (off + 16 + incl > bytes.length) {
        throw new PcapError(`truncated packet data (${bytes.length - off - 16} of ${incl} bytes)`, { file, offset: off + 16 }, index);
      }
      yield {
        data: bytes.slice(off + 16, off + 16 + incl),
        originalLength: orig,
        timestamp: BigInt(sec) * 1_000_000_000n + BigInt(frac) * scale,
        interface: 0,
        linkType: iface.linkType,
      };
      off += 16 + incl;
    }
  }
  return { format: 'pcap', byteOrder: little ? 'little' : 'big', interfaces: [iface], packets: packets() };
}

/** State of the current pcapng section. */
interface Section {
  little: boolean;
  /** Global indices (into CaptureReader.interfaces) of this section's interfaces. */
  ifaces: number[];
}

function pcapngReader(bytes: Uint8Array, view: DataView, file?: string): CaptureReader {
  const interfaces: CaptureInterface[] = [];
  const first = sectionByteOrder(bytes, view, 0, file);
  const reader: CaptureReader = { format: 'pcapng', byteOrder: first ? 'little' : 'big', interfaces, packets: [] };

  function* packets(): Generator<CapturedPacket> {
    let sec: Section = { little: first, ifaces: [] };
    let index = 0;
    let off = 0;
    while (off < bytes.length) {
      if (off + 12 > bytes.length) {
        throw new PcapError(`truncated block header (${bytes.length - off} bytes left)`, { file, offset: off }, index);
      }
      if (view.getUint32(off, false) === BT.SHB) sec = { little: sectionByteOrder(bytes, view, off, file), ifaces: [] };
      const le = sec.little;
      const type = view.getUint32(off, le);
      const len = view.getUint32(off + 4, le);
      if (len < 12 || len % 4 !== 0) throw new PcapError(`bad block length ${len} (block type 0x${type.toString(16)})`, { file, offset: off + 4 }, index);
      if (off + len > bytes.length) {
        throw new PcapError(`truncated block: length ${len}, ${bytes.length - off} bytes left`, { file, offset: off }, index);
      }
      if (view.getUint32(off + len - 4, le) !== len) {
        throw new PcapError(`block trailing length ${view.getUint32(off + len - 4, le)} differs from ${len}`, { file, offset: off + len - 4 }, index);
      }
      const body = { start: off + 8, end: off + len - 4 };
      const ctx: BlockContext = { bytes, view, le, file, index, blockOffset: off, interfaces };
      switch (type) {
        case BT.SHB:
          checkShb(ctx, body);
          break;
        case BT.IDB:
          sec.ifaces.push(interfaces.length);
          interfaces.push(readIdb(ctx, body));
          break;
        case BT.EPB:
        case BT.PB:
        case BT.SPB:
          yield readPacketBlock(ctx, body, type, sec);
          index++;
          break;
        default:
          break; // NRB, ISB, DSB, custom…: nothing a replay needs
      }
      off += len;
    }
  }
  reader.packets = packets();
  return reader;
}

/** Reads the byte-order magic of the SHB at `off`: true for little-endian. */
function sectionByteOrder(bytes: Uint8Array, view: DataView, off: number, file?: string): boolean {
  if (off + 12 > bytes.length) throw new PcapError('truncated section header block', { file, offset: off });
  const magic = view.getUint32(off + 8, true);
  if (magic === BYTE_ORDER_MAGIC) return true;
  if (view.getUint32(off + 8, false) === BYTE_ORDER_MAGIC) return false;
  throw new PcapError(`bad byte-order magic 0x${view.getUint32(off + 8, false).toString(16)} in section header`, { file, offset: off + 8 });
}

interface BlockContext {
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
  file?: string;
  index: number;
  blockOffset: number;
  interfaces: CaptureInterface[];
}

interface Span {
  start: number;
  end: number;
}

function fail(ctx: BlockContext, message: string, offset: number, packet = false): never {
  throw new PcapError(message, { file: ctx.file, offset }, packet ? ctx.index : undefined);
}

function checkShb(ctx: BlockContext, body: Span): void {
  if (body.end - body.start < 16) fail(ctx, 'section header block too short', ctx.blockOffset);
  const major = ctx.view.getUint16(body.start + 4, ctx.le);
  if (major !== 1) fail(ctx, `unsupported pcapng version ${major}.${ctx.view.getUint16(body.start + 6, ctx.le)}`, body.start + 4);
}

/** Walks the options of a block from `start` to `end`, calling `fn` for each (code, value span). */
function forEachOption(ctx: BlockContext, start: number, end: number, fn: (code: number, value: Span) => void): void {
  let off = start;
  while (off + 4 <= end) {
    const code = ctx.view.getUint16(off, ctx.le);
    const len = ctx.view.getUint16(off + 2, ctx.le);
    if (code === 0) return; // opt_endofopt
    const next = off + 4 + Math.ceil(len / 4) * 4;
    if (off + 4 + len > end) fail(ctx, `option ${code} of length ${len} runs past its block`, off);
    fn(code, { start: off + 4, end: off + 4 + len });
    off = next;
  }
}

const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

function readIdb(ctx: BlockContext, body: Span): CaptureInterface {
  if (body.end - body.start < 8) fail(ctx, 'interface description block too short', ctx.blockOffset);
  const iface: CaptureInterface = {
    linkType: ctx.view.getUint16(body.start, ctx.le),
    snapLength: ctx.view.getUint32(body.start + 4, ctx.le),
    unitsPerSecond: 1_000_000n,
    timestampOffset: 0n,
  };
  forEachOption(ctx, body.start + 8, body.end, (code, v) => {
    if (code === OPT_IF_NAME) {
      iface.name = new TextDecoder().decode(ctx.bytes.subarray(v.start, v.end)).replace(/\0+$/, '');
    } else if (code === OPT_IF_TSRESOL) {
      if (v.end - v.start < 1) fail(ctx, 'empty if_tsresol option', v.start);
      const r = ctx.bytes[v.start];
      const exp = BigInt(r & 0x7f);
      // MSB clear: 10^-n seconds; set: 2^-n seconds.
      iface.unitsPerSecond = r & 0x80 ? 1n << exp : 10n ** exp;
    } else if (code === OPT_IF_TSOFFSET) {
      if (v.end - v.start < 8) fail(ctx, 'short if_tsoffset option', v.start);
      iface.timestampOffset = ctx.view.getBigInt64(v.start, ctx.le);
    }
  });
  return iface;
}

function toNanoseconds(units: bigint, iface: CaptureInterface): bigint {
  return (units * 1_000_000_000n) / iface.unitsPerSecond + iface.timestampOffset * 1_000_000_000n;
}

function readPacketBlock(ctx: BlockContext, body: Span, type: number, sec: Section): CapturedPacket {
  const { view, le } = ctx;
  const size = body.end - body.start;
  if (type === BT.SPB) {
    // No interface id, timestamp or captured length: interface 0, and the data runs to the
    // end of the block, cut to the original length and the interface's snap length.
    if (size < 4) fail(ctx, 'simple packet block too short', ctx.blockOffset, true);
    const iface = sectionInterface(ctx, sec, 0);
    const orig = view.getUint32(body.start, le);
    const caplen = Math.min(orig, iface.snapLength || Infinity, size - 4);
    return packet(ctx.bytes, body.start + 4, caplen, orig, 0n, sec.ifaces[0], iface);
  }
  if (size < 20) fail(ctx, 'packet block too short', ctx.blockOffset, true);
  // EPB: 32-bit interface id; the obsolete PB: 16-bit interface id, 16-bit drop count.
  const ifaceIndex = type === BT.EPB ? view.getUint32(body.start, le) : view.getUint16(body.start, le);
  const iface = sectionInterface(ctx, sec, ifaceIndex);
  const tsUnits = (BigInt(view.getUint32(body.start + 4, le)) << 32n) | BigInt(view.getUint32(body.start + 8, le));
  const caplen = view.getUint32(body.start + 12, le);
  const dataStart = body.start + 20;
  if (caplen > body.end - dataStart) {
    fail(ctx, `captured length ${caplen} exceeds the block (${body.end - dataStart} bytes of data)`, body.start + 12, true);
  }
  const orig = view.getUint32(body.start + 16, le);
  return packet(ctx.bytes, dataStart, caplen, orig, toNanoseconds(tsUnits, iface), sec.ifaces[ifaceIndex], iface);
}

function packet(
  bytes: Uint8Array, start: number, caplen: number, orig: number, timestamp: bigint, index: number, iface: CaptureInterface,
): CapturedPacket {
  return { data: bytes.slice(start, start + caplen), originalLength: orig, timestamp, interface: index, linkType: iface.linkType };
}

function sectionInterface(ctx: BlockContext, sec: Section, i: number): CaptureInterface {
  if (i >= sec.ifaces.length) {
    fail(ctx, `interface ${i} is not described (section has ${sec.ifaces.length} interfaces)`, ctx.blockOffset, true);
  }
  return ctx.interfaces[sec.ifaces[i]];
}
