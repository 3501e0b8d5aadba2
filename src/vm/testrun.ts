/**
 * Test-run of a VM program, mirroring BPF_PROG_TEST_RUN: the same option and result names as the
 * kernel backend's KernelProgram.testRun (so the two are interchangeable), the kernel's input
 * refusals with its errno ({@link TestRunError}), plus what only the VM can report: the redirect
 * target, the skb metadata after the run, the raw 64-bit r0.
 */
import { VmFault } from '../errors.js';
import type { TestRunOptions, TestRunResult } from '../object/testrun.js';
import { BPF_PROG_TYPE as T, progTypeName } from '../uapi/index.js';
import type { HelperDeps } from './helpers/deps.js';
import type { Vm } from './interpreter.js';
import type { VmProgram } from './program.js';
import { EINVAL, ENOSPC, ENOTSUPP } from './progtypes/errno.js';
import { SkbContext, type RedirectTarget, type SkbFamily } from './progtypes/skb.js';
import { TestRunError } from './progtypes/testrun-error.js';
import { TraceContext } from './progtypes/tracing.js';
import { XdpContext } from './progtypes/xdp.js';

export type { TestRunOptions, TestRunResult } from '../object/testrun.js';

/** skb metadata after a run (what tc programs write: mark, priority, tc_index, cb, hash…). */
export interface SkbState {
  mark: number;
  priority: number;
  tcIndex: number;
  tcClassid: number;
  queueMapping: number;
  hash: number;
  protocol: number;
  pktType: number;
  cb: number[];
  vlan?: { proto: number; tci: number };
  tunnelKey?: Uint8Array;
  tunnelOpt?: Uint8Array;
  /** Frames sent by bpf_clone_redirect. */
  clones: { target: RedirectTarget; frame: Uint8Array }[];
}

/** Result of a VM test-run: the kernel's fields and the VM's extras. */
export interface VmTestRunResult extends TestRunResult {
  /** r0 as the full 64-bit value (retval is its low 32 bits, as the kernel reports). */
  r0: bigint;
  /** Target of bpf_redirect / bpf_redirect_map when the program returned the redirect verdict. */
  redirect?: RedirectTarget;
  /** skb program types: the skb's metadata after the last run. */
  skb?: SkbState;
  /** Instructions executed by the last run. */
  insns: number;
}

/** skb families by program type. */
const SKB_FAMILY: Partial<Record<number, SkbFamily>> = {
  [T.SCHED_CLS]: 'tc', [T.SCHED_ACT]: 'tc', [T.SOCKET_FILTER]: 'socket', [T.CGROUP_SKB]: 'cgroup',
};
const TRACING = new Set<number>([T.KPROBE, T.TRACEPOINT, T.RAW_TRACEPOINT, T.PERF_EVENT]);
/** Redirect verdicts: XDP_REDIRECT, TC_ACT_REDIRECT. */
const REDIRECT_VERDICT: Partial<Record<number, number>> = { [T.XDP]: 4, [T.SCHED_CLS]: 7, [T.SCHED_ACT]: 7 };

/** Whether the VM can test-run programs of this type. */
export function canTestRun(type: number): boolean {
  return type === T.XDP || SKB_FAMILY[type] !== undefined || TRACING.has(type);
}

/** Runs `prog` (of `type`) like BPF_PROG_TEST_RUN. */
export function testRun(vm: Vm, deps: HelperDeps, prog: VmProgram, type: number, o: TestRunOptions = {}): VmTestRunResult {
  const typeName = progTypeName(type) ?? String(type);
  if (o.flags) throw new TestRunError(`test-run flags 0x${o.flags.toString(16)} are not supported by the VM`, EINVAL);
  if (o.batchSize) throw new TestRunError('batch_size is only for XDP live frames, which the VM does not simulate', EINVAL);
  const repeat = Math.max(1, o.repeat ?? 0);
  const cpu = o.cpu ?? 0;
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= deps.cpus) throw new TestRunError(`cpu ${cpu} is not one of the VM's ${deps.cpus} CPUs`, EINVAL);
  const mem = vm.mem;
  const family = SKB_FAMILY[type];
  let ctx: SkbContext | XdpContext | TraceContext;
  // Packet contexts are made once per program type and reused: a run allocates nothing but its result.
  if (type === T.XDP || family) {
    let c = deps.contexts.get(type);
    if (!c) deps.contexts.set(type, (c = type === T.XDP ? new XdpContext(mem) : new SkbContext(mem, family!, typeName)));
    c.reset(o.dataIn ?? new Uint8Array(0), o.ctxIn);
    ctx = c;
  } else if (TRACING.has(type)) ctx = new TraceContext(mem, type, o.ctxIn, o.dataIn);
  else throw new TestRunError(`program type ${typeName} cannot be test-run by the VM`, ENOTSUPP);
  const prev = deps.running.ctx;
  deps.running.ctx = ctx;
  vm.cpu = cpu;
  vm.ldAbsRegion = ctx instanceof SkbContext ? ctx.pktRegion : 0;
  const packetCtx = ctx instanceof TraceContext ? undefined : ctx;
  const R = vm.regs, ctxRegion = ctx.ctxRegion;
  try {
    const t0 = performance.now();
    for (let i = 0; i < repeat; i++) {
      if (packetCtx) packetCtx.redirect = undefined;
      // r1 = the context pointer (offset 0 of its region), r2..r5 = 0.
      for (let r = 2; r < 12; r++) R[r] = 0;
      R[3] = ctxRegion;
      vm.exec(prog);
    }
    const duration = Math.round(((performance.now() - t0) * 1e6) / repeat);
    const lo = vm.lo(0) >>> 0, hi = vm.hi(0) >>> 0;
    const r0 = hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    const result: VmTestRunResult = { retval: lo, duration: Math.min(duration, 0xffffffff), r0, insns: vm.executed };
    const retval = lo;
    if (ctx instanceof TraceContext) return result;
    const dataOut = ctx.dataOut();
    if (o.dataOutSize !== undefined && dataOut.length > o.dataOutSize && o.dataOutSize !== 0) {
      throw new TestRunError(`data_out of ${dataOut.length} bytes does not fit the ${o.dataOutSize}-byte buffer`, ENOSPC);
    }
    if (o.dataOutSize !== 0) result.dataOut = dataOut;
    // ctx_out only on request (ctxOutSize), like the kernel backend; only a given ctx_in is written back.
    if (o.ctxIn && o.ctxOutSize) result.ctxOut = ctx.ctxOut(o.ctxIn).slice(0, o.ctxOutSize);
    if (ctx.redirect && retval === REDIRECT_VERDICT[type]) result.redirect = ctx.redirect;
    if (ctx instanceof SkbContext) result.skb = skbState(ctx);
    return result;
  } catch (e) {
    if (e instanceof VmFault && e.location.program === undefined) e.location.program = prog.name;
    throw e;
  } finally {
    deps.running.ctx = prev;
    vm.ldAbsRegion = 0;
    if (ctx instanceof TraceContext) ctx.dispose();
  }
}

function skbState(s: SkbContext): SkbState {
  const cb: number[] = [];
  for (let i = 0; i < 5; i++) cb.push(s.view.getUint32(48 + i * 4, true));
  return {
    mark: s.field('mark'), priority: s.field('priority'), tcIndex: s.field('tc_index'), tcClassid: s.field('tc_classid'),
    queueMapping: s.field('queue_mapping'), hash: s.field('hash'), protocol: s.protocol, pktType: s.field('pkt_type'), cb,
    vlan: s.vlan, tunnelKey: s.tunnelKey, tunnelOpt: s.tunnelOpt, clones: s.clones,
  };
}
