/**
 * Cgroup membership helpers over BPF_MAP_TYPE_CGROUP_ARRAY (kernel/trace/bpf_trace.c,
 * net/core/filter.c), against the environment's simulated cgroup hierarchy: the current task's
 * cgroup, which is also the cgroup of the test-run skb's socket (allocated by the running task).
 */
import { VmFault } from '../../errors.js';
import { ERRNO } from '../../uapi/errno.js';
import { BPF_FUNC } from '../../uapi/index.js';
import { CgroupArrayMap } from '../maps/cgroup.js';
import type { Helper, HelperVm } from '../program.js';
import { ctxObject } from '../progtypes/ctx.js';
import { E2BIG } from '../progtypes/errno.js';
import { SkbContext } from '../progtypes/skb.js';
import { u32 } from './args.js';
import type { HelperDeps } from './deps.js';

const { EAGAIN } = ERRNO;

/** Cgroup helpers bound to the environment's cgroup path. */
export function cgroupHelpers({ env }: HelperDeps): Map<number, Helper> {
  /** 1 / 0 for the cgroup array `map` (register r) at index (register r + 1); -E2BIG, -EAGAIN for an empty slot. */
  const under = (vm: HelperVm, r: number): number => {
    const m = vm.mem.object(vm.lo(r), vm.hi(r));
    if (!(m instanceof CgroupArrayMap)) throw new VmFault(`R${r} is not a cgroup array`, { insn: vm.pc });
    const idx = u32(vm, r + 1);
    if (idx >= m.maxEntries) return -E2BIG;
    const id = m.cgroupAt(idx);
    if (id === undefined) return -EAGAIN;
    return env.underCgroup(id) ? 1 : 0;
  };
  return new Map<number, Helper>([
    [BPF_FUNC.current_task_under_cgroup, (vm) => under(vm, 1)],
    [BPF_FUNC.skb_under_cgroup, (vm) => {
      ctxObject(vm, 1, SkbContext, '__sk_buff');
      return under(vm, 2);
    }],
  ]);
}
