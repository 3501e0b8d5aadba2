/** The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-headers. */

/**
 * One's-complement sum of `b[start..end)` as big-endian 16-bit words (an odd last byte is
 * padded with zero), added to `initial`, folded to 16 bits. Not complemented.
 */
export function onesComplementSum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return fold(sum);
}

/** Folds the carries of a non-negative sum into 16 bits (end-around carry). */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for `b[start..end)`: the complement of the one's-complement sum. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  return ~onesComplementSum(b, start, end, initial) & 0xffff;
}

/** True when `b[start..end)`, checksum field included, sums to 0xffff (a valid checksum). */
export function checksumValid(b: Uint8Array, start = 0, end = b.length, initial = 0): boolean {
  return onesComplementSum(b, start, end, initial) === 0xffff;
}

/**
 * Sum of the pseudo-header that TCP, UDP and ICMPv6 checksums cover: source and destination
 * addresses (4 or 16 bytes each), the protocol and the upper-layer length (RFC 793, RFC 768,
 * RFC 8200 §8.1). Pass it as `initial` to {@link internetChecksum}.
 */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = onesComplementSum(src) + onesComplementSum(dst) + protocol;
  // IPv6 uses a 32-bit length; both halves count (the high one is 0 below 64 KiB).
  sum += Math.floor(length / 0x10000) + (length & 0xffff);
  return fold(sum);
}
