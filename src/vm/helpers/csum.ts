/**
 * Internet checksum arithmetic as the kernel does it (include/net/checksum.h, x86-64
 * csum_partial), on values in memory byte order (the program passes __be16/__be32 as they lie in
 * the packet; ones'-complement sums are byte-order neutral when read and written the same way).
 */

/** csum_add: 32-bit ones'-complement addition (end-around carry). */
export function csumAdd(a: number, b: number): number {
  const r = ((a >>> 0) + (b >>> 0)) >>> 0;
  return (r + (r < (b >>> 0) ? 1 : 0)) >>> 0;
}

/** csum_sub. */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** csum_fold: 32-bit partial sum → 16-bit checksum (complemented). */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** csum_from32to16: folds without complementing. */
export function csumFrom32to16(sum: number): number {
  const s = ((sum >>> 0) + (((sum >>> 16) | (sum << 16)) >>> 0)) >>> 0;
  return s >>> 16;
}

/** csum_partial: ones'-complement sum of little-endian u32 words (a short tail zero-padded) onto `sum`. */
export function csumPartial(b: Uint8Array, sum: number): number {
  let s = sum >>> 0;
  const n = b.length & ~3;
  for (let i = 0; i < n; i += 4) s = csumAdd(s, (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
  if (b.length > n) {
    let w = 0;
    for (let i = n; i < b.length; i++) w |= b[i] << ((i - n) * 8);
    s = csumAdd(s, w >>> 0);
  }
  return s;
}

/** A __sum16 stored in memory (little-endian view of its two bytes). */
export function readSum(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

export function writeSum(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

/** csum_replace4 / inet_proto_csum_replace4 without CHECKSUM_PARTIAL: ~sum - from + to. */
export function csumReplace4(sum: number, from: number, to: number): number {
  return csumFold(csumAdd(csumAdd(~sum & 0xffff, ~from >>> 0), to >>> 0));
}

/** csum_replace2 (16-bit arithmetic, as the l3 helper does it). */
export function csumReplace2(sum: number, from: number, to: number): number {
  const add16 = (c: number, a: number) => {
    let r = (c + (a & 0xffff)) & 0xffff;
    if (r < (a & 0xffff)) r = (r + 1) & 0xffff;
    return r;
  };
  return ~add16(add16(~sum & 0xffff, ~from & 0xffff), to) & 0xffff;
}

/** csum_replace_by_diff: fold(diff + ~sum). */
export function csumReplaceByDiff(sum: number, diff: number): number {
  return csumFold(csumAdd(diff >>> 0, ~sum & 0xffff));
}
