/**
 * Zeroed typed arrays for the verifier's per-program tables, carved from shared slabs.
 *
 * A typed array of more than 64 bytes gets its own off-heap backing store, which costs about ten
 * times as much as a view of an existing buffer, and verifying a small program creates a dozen
 * per-instruction tables. These functions hand out views of a 64 KiB slab instead, in order;
 * a slab is never handed out twice, so every view starts zeroed, and it is freed once its last
 * view is. Tables larger than a quarter slab get their own buffer.
 */
const SLAB_BYTES = 1 << 16;
const MAX_CARVED = SLAB_BYTES >> 2;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** Reserves `bytes` (8-byte aligned) in the current slab, or a fresh one; returns the offset. */
function carve(bytes: number): number {
  const off = (used + 7) & ~7;
  if (off + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = bytes;
    return 0;
  }
  used = off + bytes;
  return off;
}

/** A zeroed Uint8Array of `len` elements. */
export function zeroedU8(len: number): Uint8Array {
  if (len > MAX_CARVED) return new Uint8Array(len);
  const off = carve(len);
  return new Uint8Array(slab, off, len);
}

/** A zeroed Int8Array of `len` elements. */
export function zeroedI8(len: number): Int8Array {
  if (len > MAX_CARVED) return new Int8Array(len);
  const off = carve(len);
  return new Int8Array(slab, off, len);
}

/** A zeroed Uint16Array of `len` elements. */
export function zeroedU16(len: number): Uint16Array {
  if (2 * len > MAX_CARVED) return new Uint16Array(len);
  const off = carve(2 * len);
  return new Uint16Array(slab, off, len);
}

/** A zeroed Int32Array of `len` elements. */
export function zeroedI32(len: number): Int32Array {
  if (4 * len > MAX_CARVED) return new Int32Array(len);
  const off = carve(4 * len);
  return new Int32Array(slab, off, len);
}
