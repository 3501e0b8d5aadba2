/**
 * Event output helpers: ring buffers (reserve/submit/discard/output/query) and
 * bpf_perf_event_output — whose skb/xdp variants append `flags >> 32` bytes of the packet.
 */
import { VmFault } from '../../errors.js';
import { BPF_FUNC } from '../../uapi/index.js';
import { PerfEventArrayMap } from '../maps/perf.js';
import { RingBufMap } from '../maps/ringbuf.js';
import type { Helper, HelperVm } from '../program.js';
import { EFAULT, EINVAL } from '../progtypes/errno.js';
import { SkbContext } from '../progtypes/skb.js';
import { XdpContext } from '../progtypes/xdp.js';
import { memArg, num } from './args.js';
import type { HelperDeps } from './deps.js';

const CTXLEN_MASK = 0xfffff;

/** Ring-buffer and perf-output helpers. */
export function outputHelpers({ maps }: HelperDeps): Map<number, Helper> {
  const mem = maps.mem;
  /** Region of each ring buffer's storage → the map (submit/discard get only the record pointer). */
  const byRegion = new Map<number, RingBufMap>();
  const ringbuf = (vm: HelperVm): RingBufMap => {
    const m = mem.object(vm.rl[1], vm.rh[1]);
    if (!(m instanceof RingBufMap)) throw new VmFault('R1 is not a ring buffer map', { insn: vm.pc });
    byRegion.set(maps.register(m).values, m);
    return m;
  };
  const record = (vm: HelperVm): [RingBufMap, number] => {
    const m = byRegion.get(vm.rh[1]);
    if (!m) throw new VmFault('R1 is not a ring buffer record', { insn: vm.pc });
    return [m, vm.rl[1] >>> 0];
  };
  const perfOutput = (vm: HelperVm, extra: Uint8Array | undefined): number => {
    const m = mem.object(vm.rl[2], vm.rh[2]);
    if (!(m instanceof PerfEventArrayMap)) throw new VmFault('R2 is not a perf event array', { insn: vm.pc });
    const size = num(vm, 5);
    const data = memArg(vm, 4, size, false);
    return m.output(vm.cpu, vm.rl[3] >>> 0, data, 0, size, extra);
  };
  return new Map<number, Helper>([
    [BPF_FUNC.ringbuf_reserve, (vm) => {
      const m = ringbuf(vm);
      const off = m.reserve(num(vm, 2), num(vm, 3));
      return off < 0 ? 0 : maps.valuePointer(m, off);
    }],
    [BPF_FUNC.ringbuf_submit, (vm) => { const [m, off] = record(vm); m.submit(off, num(vm, 2)); return 0; }],
    [BPF_FUNC.ringbuf_discard, (vm) => { const [m, off] = record(vm); m.discard(off, num(vm, 2)); return 0; }],
    [BPF_FUNC.ringbuf_output, (vm) => {
      const m = ringbuf(vm), size = num(vm, 3);
      const data = memArg(vm, 2, size, false);
      return m.output(data, 0, size, num(vm, 4));
    }],
    [BPF_FUNC.ringbuf_query, (vm) => ringbuf(vm).query(num(vm, 2))],
    [BPF_FUNC.perf_event_output, (vm) => {
      const hiFlags = vm.rh[3] >>> 0;
      const ctx = mem.objects[vm.rh[1]];
      if (ctx instanceof SkbContext || ctx instanceof XdpContext) {
        if (hiFlags & ~CTXLEN_MASK) return -EINVAL;
        const bytes = ctx instanceof SkbContext ? ctx.buf.subarray(ctx.data, ctx.end) : ctx.pkt.buf.subarray(ctx.pkt.data, ctx.pkt.end);
        if (hiFlags > bytes.length) return -EFAULT;
        return perfOutput(vm, hiFlags ? bytes.slice(0, hiFlags) : undefined);
      }
      if (hiFlags) return -EINVAL;
      return perfOutput(vm, undefined);
    }],
  ]);
}
