/**
 * Bob Jenkins' lookup3 hash as the kernel's <linux/jhash.h> defines it: `jhash` over bytes and
 * `jhash2` over little-endian 32-bit words. The hash maps use it like the kernel (jhash2 when the
 * key size is a multiple of 4), so with seed 0 (BPF_F_ZERO_SEED) bucket order — and thus
 * get_next_key order — is the kernel's. Allocation-free; reads straight from the caller's bytes.
 */

const INITVAL = 0xdeadbeef;

function rol(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// __jhash_mix works on module state (it is only needed for keys over 12 bytes); the final step
// is a pure function so the common short-key path stays in locals. Nothing allocates.
let a = 0, b = 0, c = 0;

function mix(): void {
  a = (a - c) | 0; a ^= rol(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rol(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 4); b = (b + a) | 0;
}

/** __jhash_final(a, b, c); returns c as an unsigned 32-bit value. */
function final(a: number, b: number, c: number): number {
  c ^= b; c = (c - rol(b, 14)) | 0;
  a ^= c; a = (a - rol(c, 11)) | 0;
  b ^= a; b = (b - rol(a, 25)) | 0;
  c ^= b; c = (c - rol(b, 16)) | 0;
  a ^= c; a = (a - rol(c, 4)) | 0;
  b ^= a; b = (b - rol(a, 14)) | 0;
  c ^= b; c = (c - rol(b, 24)) | 0;
  return c >>> 0;
}

function u32le(k: Uint8Array, o: number): number {
  return k[o] | (k[o + 1] << 8) | (k[o + 2] << 16) | (k[o + 3] << 24);
}

/** `jhash(key, length, initval)` over `length` bytes of `k` from `off`; returns an unsigned 32-bit value. */
export function jhash(k: Uint8Array, off: number, length: number, initval: number): number {
  a = b = c = (INITVAL + length + initval) | 0;
  while (length > 12) {
    a = (a + u32le(k, off)) | 0;
    b = (b + u32le(k, off + 4)) | 0;
    c = (c + u32le(k, off + 8)) | 0;
    mix();
    length -= 12;
    off += 12;
  }
  if (length === 0) return c >>> 0;
  // The kernel's fall-through switch: add the tail bytes into c, b, a (highest first).
  for (let i = length - 1; i >= 0; i--) {
    const v = k[off + i] << ((i & 3) * 8);
    if (i >= 8) c = (c + v) | 0;
    else if (i >= 4) b = (b + v) | 0;
    else a = (a + v) | 0;
  }
  return final(a, b, c);
}

/** `jhash2(key, words, initval)` over `words` little-endian u32 words of `k` from `off`. */
export function jhash2(k: Uint8Array, off: number, words: number, initval: number): number {
  if (words === 1) return jhashWord(u32le(k, off), initval);
  a = b = c = (INITVAL + (words << 2) + initval) | 0;
  while (words > 3) {
    a = (a + u32le(k, off)) | 0;
    b = (b + u32le(k, off + 4)) | 0;
    c = (c + u32le(k, off + 8)) | 0;
    mix();
    words -= 3;
    off += 12;
  }
  if (words === 0) return c >>> 0;
  if (words === 3) c = (c + u32le(k, off + 8)) | 0;
  if (words >= 2) b = (b + u32le(k, off + 4)) | 0;
  return final((a + u32le(k, off)) | 0, b, c);
}

/** jhash2 of a single 32-bit word (4-byte keys, the common case). */
export function jhashWord(w: number, initval: number): number {
  const init = (INITVAL + 4 + initval) | 0;
  return final((init + w) | 0, init, init);
}

/** The kernel's htab_map_hash(): jhash2 for key sizes that are a multiple of 4, else jhash. */
export function keyHash(k: Uint8Array, off: number, keySize: number, seed: number): number {
  return (keySize & 3) === 0 ? jhash2(k, off, keySize >>> 2, seed) : jhash(k, off, keySize, seed);
}
