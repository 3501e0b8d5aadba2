/**
 * bpf_perf_event_output — whose skb/xdp variants append `flags >> 32` bytes of the packet (ring
 * buffer helpers are map helpers: map-helpers.ts).
 */
import { VmFault } from '../../errors.js';
import { BPF_FUNC } from '../../uapi/index.js';
import { PerfEventArrayMap } from '../maps/perf.js';
import type { Helper, HelperVm } from '../program.js';
import { EFAULT, EINVAL } from '../progtypes/errno.js';
import { SkbContext } from '../progtypes/skb.js';
import { XdpContext } from '../progtypes/xdp.js';
import { memArg, num } from './args.js';
import type { HelperDeps } from './deps.js';

const CTXLEN_MASK = 0xfffff;

/** The perf-output helper. */
export function outputHelpers({ maps }: HelperDeps): Map<number, Helper> {
  const mem = maps.mem;
  const perfOutput = (vm: HelperVm, extra: Uint8Array | undefined): number => {
    const m = mem.object(vm.lo(2), vm.hi(2));
    if (!(m instanceof PerfEventArrayMap)) throw new VmFault('R2 is not a perf event array', { insn: vm.pc });
    const size = num(vm, 5);
    const data = memArg(vm, 4, size, false);
    return m.output(vm.cpu, vm.lo(3) >>> 0, data, 0, size, extra);
  };
  return new Map<number, Helper>([
    [BPF_FUNC.perf_event_output, (vm) => {
      const hiFlags = vm.hi(3) >>> 0;
      const ctx = mem.objects[vm.hi(1)];
      if (ctx instanceof SkbContext || ctx instanceof XdpContext) {
        if (hiFlags & ~CTXLEN_MASK) return -EINVAL;
        const bytes = ctx instanceof SkbContext ? ctx.buf.subarray(ctx.data, ctx.end) : ctx.frame();
        if (hiFlags > bytes.length) return -EFAULT;
        return perfOutput(vm, hiFlags ? bytes.slice(0, hiFlags) : undefined);
      }
      if (hiFlags) return -EINVAL;
      return perfOutput(vm, undefined);
    }],
  ]);
}
