/** Text forms of link and network addresses: parse to bytes, format from bytes. */
import { PacketError } from './errors.js';

/** `aa:bb:cc:dd:ee:ff` (or `-` separated) → 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new PacketError(`invalid MAC address '${text}'`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** 6 bytes at `off` → `aa:bb:cc:dd:ee:ff`. */
export function formatMac(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Dotted quad → 4 bytes (network order). */
export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new PacketError(`invalid IPv4 address '${text}'`);
  }
  return Uint8Array.from(parts, Number);
}

/** 4 bytes at `off` → dotted quad. */
export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 4291 text (with `::` and an optional dotted-quad tail) → 16 bytes. */
export function parseIpv6(text: string): Uint8Array {
  const bad = () => new PacketError(`invalid IPv6 address '${text}'`);
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
    const v4 = parseIpv4(s.slice(lastColon + 1));
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const words = (h: string) => (h === '' ? [] : h.split(':'));
  const head = words(halves[0]);
  const rest = halves.length === 2 ? words(halves[1]) : [];
  const groups = [...head, ...rest];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) throw bad();
  const given = groups.length;
  if (halves.length === 1 ? given !== 8 : given > 7) throw bad();
  const nums = [
    ...head.map((g) => parseInt(g, 16)),
    ...new Array<number>(8 - given).fill(0),
    ...rest.map((g) => parseInt(g, 16)),
  ];
  const out = new Uint8Array(16);
  nums.forEach((n, i) => {
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** 16 bytes at `off` → RFC 5952 canonical text (lowercase, longest zero run as `::`). */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const w = Array.from({ length: 8 }, (_, i) => (b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j === i ? i + 1 : j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}
