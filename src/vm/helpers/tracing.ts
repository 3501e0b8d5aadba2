/**
 * Tracing helpers: bpf_probe_read* (reads of VM memory succeed; any other address fails with
 * -EFAULT and a zeroed destination, as a faulting kernel read does) and the current task's
 * identity from the simulated task of the environment.
 */
import { BPF_FUNC } from '../../uapi/index.js';
import type { Helper, HelperVm } from '../program.js';
import { VmFault } from '../../errors.js';
import { BPF_F_CURRENT_CPU, PerfEventArrayMap } from '../maps/perf.js';
import { E2BIG, EFAULT, EINVAL, ENOENT, EOPNOTSUPP } from '../progtypes/errno.js';
import { memArg, num, tryRead } from './args.js';
import type { HelperDeps } from './deps.js';

/** TASK_COMM_LEN. */
export const TASK_COMM_LEN = 16;

/** bpf_probe_read*(dst, size, src): 0, or -EFAULT with dst zeroed. */
const probeRead: Helper = (vm) => {
  const size = num(vm, 2);
  const dst = memArg(vm, 1, size, true);
  const src = tryRead(vm, vm.lo(3), vm.hi(3), size);
  if (!src) { dst.fill(0); return -EFAULT; }
  dst.set(src);
  return 0;
};

/**
 * bpf_probe_read*_str(dst, size, src): copies up to size-1 bytes and a NUL; returns the length
 * including the NUL, or -EFAULT with dst zeroed when the first byte cannot be read.
 */
const probeReadStr: Helper = (vm: HelperVm) => {
  const size = num(vm, 2);
  const dst = memArg(vm, 1, size, true);
  if (size === 0) return 0;
  let n = 0;
  for (; n < size - 1; n++) {
    const b = tryRead(vm, vm.lo(3) + n, vm.hi(3), 1);
    if (!b) {
      if (n === 0) { dst.fill(0); return -EFAULT; }
      break;
    }
    dst[n] = b[0];
    if (b[0] === 0) return n + 1;
  }
  dst[n] = 0;
  return n + 1;
};

/** sizeof(struct bpf_perf_event_value). */
const PERF_EVENT_VALUE_SIZE = 24;

/**
 * bpf_perf_event_read(_value)'s slot lookup: -EINVAL for bad flags, -E2BIG past max_entries,
 * -ENOENT for an empty slot; a present slot holds a BPF output event, which has no counter the VM
 * could read (-EOPNOTSUPP).
 */
function perfRead(vm: HelperVm): number {
  const m = vm.mem.object(vm.lo(1), vm.hi(1));
  if (!(m instanceof PerfEventArrayMap)) throw new VmFault('R1 is not a perf event array', { insn: vm.pc });
  if (vm.hi(2) !== 0) return -EINVAL;
  const index = vm.lo(2) >>> 0 === BPF_F_CURRENT_CPU ? vm.cpu : vm.lo(2) >>> 0;
  if (index >= m.maxEntries) return -E2BIG;
  return m.get(index) ? -EOPNOTSUPP : -ENOENT;
}

/** Tracing helpers bound to the environment's simulated task. */
export function tracingHelpers({ env }: HelperDeps): Map<number, Helper> {
  const t = env.task;
  return new Map<number, Helper>([
    [BPF_FUNC.probe_read, probeRead],
    [BPF_FUNC.probe_read_kernel, probeRead],
    [BPF_FUNC.probe_read_user, probeRead],
    [BPF_FUNC.probe_read_str, probeReadStr],
    [BPF_FUNC.probe_read_kernel_str, probeReadStr],
    [BPF_FUNC.probe_read_user_str, probeReadStr],
    [BPF_FUNC.get_current_pid_tgid, () => (BigInt(t.tgid >>> 0) << 32n) | BigInt(t.pid >>> 0)],
    [BPF_FUNC.get_current_uid_gid, () => (BigInt(t.gid >>> 0) << 32n) | BigInt(t.uid >>> 0)],
    [BPF_FUNC.get_current_task, () => t.taskAddress],
    [BPF_FUNC.perf_event_read, perfRead],
    [BPF_FUNC.perf_event_read_value, (vm) => {
      const size = num(vm, 4);
      const buf = memArg(vm, 3, size, true);
      const r = size !== PERF_EVENT_VALUE_SIZE ? -EINVAL : perfRead(vm);
      buf.fill(0);
      return r;
    }],
    // long bpf_perf_prog_read_value(ctx, struct bpf_perf_event_value *buf, u32 size): the
    // program's own event; a wrong size is -EINVAL with the buffer cleared, like the kernel.
    [BPF_FUNC.perf_prog_read_value, (vm) => {
      const size = num(vm, 3);
      const buf = memArg(vm, 2, size, true);
      buf.fill(0);
      if (size !== PERF_EVENT_VALUE_SIZE) return -EINVAL;
      const dv = new DataView(buf.buffer, buf.byteOffset, size);
      dv.setBigUint64(0, env.perfEventValue.counter, true);
      dv.setBigUint64(8, env.perfEventValue.enabled, true);
      dv.setBigUint64(16, env.perfEventValue.running, true);
      return 0;
    }],
    [BPF_FUNC.get_current_comm, (vm) => {
      const size = num(vm, 2);
      const dst = memArg(vm, 1, size, true);
      if (size === 0) return -EINVAL;
      dst.fill(0);
      const comm = new TextEncoder().encode(t.comm).subarray(0, Math.min(TASK_COMM_LEN, size) - 1);
      dst.set(comm);
      return 0;
    }],
  ]);
}
