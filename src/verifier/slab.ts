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

/** A typed-array constructor (both forms: a length, or a view of a buffer). */
interface TypedArrayOf<T> {
  new (len: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, len: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A zeroed typed array of `len` elements: a view of the current slab when it is small. */
function zeroed<T>(Type: TypedArrayOf<T>, len: number): T {
  const bytes = len * Type.BYTES_PER_ELEMENT;
  if (bytes > MAX_CARVED) return new Type(len);
  const off = carve(bytes); // may start a new slab
  return new Type(slab, off, len);
}

/** A zeroed Uint8Array of `len` elements. */
export const zeroedU8 = (len: number): Uint8Array => zeroed(Uint8Array, len);
/** A zeroed Int8Array of `len` elements. */
export const zeroedI8 = (len: number): Int8Array => zeroed(Int8Array, len);
/** A zeroed Uint16Array of `len` elements. */
export const zeroedU16 = (len: number): Uint16Array => zeroed(Uint16Array, len);
/** A zeroed Int32Array of `len` elements. */
export const zeroedI32 = (len: number): Int32Array => zeroed(Int32Array, len);
