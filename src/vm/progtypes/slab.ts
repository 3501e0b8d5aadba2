/**
 * Result buffers of test-runs (data_out) carved from 64 KiB slabs: a small Uint8Array of its own
 * costs an off-heap allocation each, a view into a slab does not. A slab is never reused; it is
 * freed when no view into it is left.
 */
const SLAB = 64 * 1024;
const LARGE = 4096;
let slab = new Uint8Array(SLAB);
let used = 0;

/** A zero-filled Uint8Array of `n` bytes that the caller owns. */
export function allocOut(n: number): Uint8Array {
  if (n > LARGE) return new Uint8Array(n);
  if (used + n > SLAB) {
    slab = new Uint8Array(SLAB);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  used += (n + 7) & ~7;
  return out;
}
