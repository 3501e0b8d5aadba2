/**
 * Tracing helpers: bpf_probe_read* (reads of VM memory succeed; any other address fails with
 * -EFAULT and a zeroed destination, as a faulting kernel read does) and the current task's
 * identity from the simulated task of the environment.
 */
import { BPF_FUNC } from '../../uapi/index.js';
import type { Helper, HelperVm } from '../program.js';
import { EFAULT, EINVAL } from '../progtypes/errno.js';
import { memArg, num, tryRead } from './args.js';
import type { HelperDeps } from './deps.js';

/** TASK_COMM_LEN. */
export const TASK_COMM_LEN = 16;

/** bpf_probe_read*(dst, size, src): 0, or -EFAULT with dst zeroed. */
const probeRead: Helper = (vm) => {
  const size = num(vm, 2);
  const dst = memArg(vm, 1, size, true);
  const src = tryRead(vm, vm.rl[3], vm.rh[3], size);
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
    const b = tryRead(vm, vm.rl[3] + n, vm.rh[3], 1);
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
