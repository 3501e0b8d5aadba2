/**
 * Helpers that are VM machinery rather than program-type services: `bpf_loop` (calls back into
 * the interpreter). Program-type helpers (packet, maps, time…) are added to a table by the layers
 * that own them; {@link helperTable} merges tables.
 */
import { constants } from 'node:os';
import { BPF_FUNC } from '../uapi/index.js';
import type { Helper, HelperTable } from './program.js';

const { EINVAL, E2BIG } = constants.errno;

/** bpf_loop's limit on nr_loops (BPF_MAX_LOOPS in the kernel). */
export const BPF_MAX_LOOPS = 1 << 23;

/**
 * `long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)`: calls
 * `callback_fn(index, callback_ctx)` up to nr_loops times, stopping early when it returns
 * non-zero; returns the number of calls made, -EINVAL for non-zero flags, -E2BIG beyond
 * {@link BPF_MAX_LOOPS}.
 */
export const bpfLoop: Helper = (vm) => {
  const n = vm.lo(1) >>> 0;
  const fnLo = vm.lo(2), fnHi = vm.hi(2);
  const ctx = vm.regNum(3);
  if (vm.lo(4) !== 0 || vm.hi(4) !== 0) return -EINVAL;
  if (n > BPF_MAX_LOOPS) return -E2BIG;
  for (let i = 0; i < n; i++) {
    if (vm.callback(fnLo, fnHi, i, ctx) !== 0) return i + 1;
  }
  return n;
};

/** The VM-machinery helpers by id (bpf_tail_call is built into the interpreter). */
export const vmHelpers: HelperTable = new Map([[BPF_FUNC.loop, bpfLoop]]);

/** Merges helper tables; later tables win. */
export function helperTable(...tables: HelperTable[]): HelperTable {
  const out = new Map<number, Helper>();
  for (const t of tables) for (const [id, fn] of t) out.set(id, fn);
  return out;
}
