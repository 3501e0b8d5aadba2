/**
 * bpf_get_stackid and bpf_get_stack (kernel/bpf/stackmap.c) over the environment's simulated call
 * chains (RunEnv kernelStack / userStack): the chain is fetched to at most the requested depth +
 * skip (capped at kernel.perf_event_max_stack), then skipped, stored or copied like the kernel.
 */
import { VmFault } from '../../errors.js';
import { BPF_F_STACK, BPF_FUNC, BPF_STACK_BUILD_ID } from '../../uapi/index.js';
import { RegionKind } from '../memory.js';
import { BPF_STACK_BUILD_ID_SIZE, PERF_EVENT_MAX_STACK, StackTraceMap } from '../maps/stack.js';
import type { Helper, HelperVm } from '../program.js';
import { EFAULT, EINVAL } from '../progtypes/errno.js';
import { memArg, num } from './args.js';
import type { HelperDeps } from './deps.js';
import type { RunEnv } from './env.js';

const F = BPF_F_STACK;
const STACKID_FLAGS = F.SKIP_FIELD_MASK | F.USER_STACK | F.FAST_STACK_CMP | F.REUSE_STACKID;
const GET_STACK_FLAGS = F.SKIP_FIELD_MASK | F.USER_STACK | F.USER_BUILD_ID;

/** get_perf_callchain: the user or kernel chain, at most `depth` + skip entries (capped). */
function callchain(env: RunEnv, flags: number, depth: number): readonly bigint[] {
  const chain = flags & F.USER_STACK ? env.userStack : env.kernelStack;
  const max = Math.min(depth + (flags & F.SKIP_FIELD_MASK), PERF_EVENT_MAX_STACK);
  return chain.length <= max ? chain : chain.slice(0, max);
}

/** R1 must be the program's context (the verifier's ARG_PTR_TO_CTX). */
function checkCtx(vm: HelperVm, helper: string): void {
  const hi = vm.hi(1);
  if (!vm.mem.has(hi) || vm.mem.kind[hi] !== RegionKind.Context) throw new VmFault(`${helper}: R1 is not the context`, { insn: vm.pc });
}

/** The stack helpers bound to the environment's call chains. */
export function stackHelpers({ env }: HelperDeps): Map<number, Helper> {
  return new Map<number, Helper>([
    [BPF_FUNC.get_stackid, (vm) => {
      checkCtx(vm, 'bpf_get_stackid');
      const m = vm.mem.object(vm.lo(2), vm.hi(2));
      if (!(m instanceof StackTraceMap)) throw new VmFault('R2 is not a stack trace map', { insn: vm.pc });
      if (vm.hi(3) !== 0) return -EINVAL;
      const flags = vm.lo(3) >>> 0;
      if (flags & ~STACKID_FLAGS) return -EINVAL;
      return m.stackId(callchain(env, flags, m.maxDepth), flags);
    }],
    [BPF_FUNC.get_stack, (vm) => {
      checkCtx(vm, 'bpf_get_stack');
      const size = num(vm, 3);
      const buf = memArg(vm, 2, size, true);
      const flags = vm.lo(4) >>> 0;
      const buildId = (flags & F.USER_BUILD_ID) !== 0;
      const elem = buildId ? BPF_STACK_BUILD_ID_SIZE : 8;
      if (vm.hi(4) !== 0 || flags & ~GET_STACK_FLAGS || (buildId && !(flags & F.USER_STACK)) || size % elem) { buf.fill(0); return -EINVAL; }
      const skip = flags & F.SKIP_FIELD_MASK, numElem = size / elem;
      const trace = callchain(env, flags, numElem);
      if (trace.length < skip) { buf.fill(0); return -EFAULT; }
      const n = Math.min(trace.length - skip, numElem);
      buf.fill(0);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < n; i++) {
        // Build-id entries: the VM has no executables to read build ids from (status IP, like an unresolvable ip).
        if (buildId) dv.setInt32(i * elem, BPF_STACK_BUILD_ID.IP, true);
        dv.setBigUint64(i * elem + (buildId ? 24 : 0), trace[skip + i], true);
      }
      return n * elem;
    }],
  ]);
}
