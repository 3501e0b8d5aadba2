/** Argument access shared by the helper families (registers as the HelperVm holds them). */
import type { HelperVm } from '../program.js';
import { TWO32 } from '../memory.js';

/** Register `r` as a number (exact within ±2^53: sizes, flags, offsets). */
export function num(vm: HelperVm, r: number): number {
  return vm.hi(r) * TWO32 + (vm.lo(r) >>> 0);
}

/** Register `r` as an unsigned 64-bit number when it fits 2^53, else Infinity (for range checks). */
export function u64(vm: HelperVm, r: number): number {
  return vm.hi(r) < 0 || vm.hi(r) >= 0x200000 ? Infinity : num(vm, r);
}

/** The low 32 bits of register `r`, unsigned. */
export function u32(vm: HelperVm, r: number): number {
  return vm.lo(r) >>> 0;
}

/**
 * The `size` bytes program memory pointer register `r` points at (checked against its region like
 * any access; faults naming the call instruction otherwise). A view: writes go to program memory.
 */
export function memArg(vm: HelperVm, r: number, size: number, write: boolean): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  const off = vm.mem.resolve(vm.lo(r), vm.hi(r), size, write, vm.pc);
  return vm.mem.bytes[vm.hi(r)].subarray(off, off + size);
}

/** The bytes at (lo, hi) if they are readable program memory, else undefined (probe_read semantics). */
export function tryRead(vm: HelperVm, lo: number, hi: number, size: number): Uint8Array | undefined {
  const mem = vm.mem;
  if (!mem.has(hi) || mem.hooks[hi] !== undefined) return undefined;
  const o = lo >>> 0;
  if (o < mem.start[hi] || o + size > mem.end[hi]) return undefined;
  return mem.bytes[hi].subarray(o, o + size);
}
