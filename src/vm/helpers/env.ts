import { Fib, type FibRoute } from './fib.js';

/**
 * The simulated world a VM program runs in: the current task (what bpf_get_current_* report),
 * the clocks, a seedable pseudo-random generator, the CPU count and the trace pipe that
 * bpf_trace_printk writes to. One environment per loaded object; tests set it to make runs
 * deterministic.
 */

/** The task a program sees as "current" (tracing helpers). */
export interface SimulatedTask {
  /** Thread id (the kernel's pid). */
  pid: number;
  /** Thread-group id (the userspace pid). */
  tgid: number;
  uid: number;
  gid: number;
  /** Up to 15 characters (TASK_COMM_LEN - 1). */
  comm: string;
  /** Address bpf_get_current_task returns (an opaque kernel pointer; reads through it fault with -EFAULT). */
  taskAddress: bigint;
}

/** Options of {@link RunEnv}. */
export interface RunEnvOptions {
  task?: Partial<SimulatedTask>;
  /** Seed of bpf_get_prandom_u32 (default: random). */
  seed?: number;
  /** Monotonic clock in ns (default: process.hrtime). bpf_ktime_get_ns/boot_ns/coarse_ns read it. */
  clock?: () => bigint;
  /** Calls before the trace pipe drops its oldest lines (default 100,000). */
  traceLimit?: number;
  /**
   * The current task's cgroup (cgroup v2) and its ancestors, as cgroup ids from the root down
   * (default `[1]`: the root cgroup). bpf_current_task_under_cgroup and bpf_skb_under_cgroup (the
   * test-run skb's socket belongs to the current task's cgroup) test membership against it.
   */
  cgroupPath?: readonly number[];
  /**
   * The kernel call chain bpf_get_stackid / bpf_get_stack report, innermost first (default
   * {@link DEFAULT_KERNEL_STACK}: a fixed fake chain of kernel text addresses). The VM's stacks are
   * simulated: they do not describe the VM's own execution.
   */
  kernelStack?: readonly bigint[];
  /** The user call chain (BPF_F_USER_STACK), innermost first (default empty: no user stack). */
  userStack?: readonly bigint[];
  /** Routes of the simulated FIB bpf_fib_lookup consults (default none: every lookup is BPF_FIB_LKUP_RET_NOT_FWDED). */
  fibRoutes?: readonly FibRoute[];
  /**
   * The counter of the perf event a perf_event program runs on, as bpf_perf_prog_read_value reads
   * it (struct bpf_perf_event_value; default all zero).
   */
  perfEventValue?: PerfEventValue;
}

/** `struct bpf_perf_event_value`: the event's count and its enabled/running times (ns). */
export interface PerfEventValue {
  counter: bigint;
  enabled: bigint;
  running: bigint;
}

/** Default kernel stack: four fake return addresses in kernel text, innermost first. */
export const DEFAULT_KERNEL_STACK: readonly bigint[] = [0xffffffff81001234n, 0xffffffff81002345n, 0xffffffff81003456n, 0xffffffff81004567n];

/** Default simulated task: a plain process. */
export const DEFAULT_TASK: SimulatedTask = {
  pid: 4242, tgid: 4242, uid: 0, gid: 0, comm: 'tsbpf', taskAddress: 0xffff888004242000n,
};

/** Nanoseconds of one jiffy (CONFIG_HZ=250) for bpf_ktime_get_coarse_ns. */
const JIFFY_NS = 4_000_000n;

/** The environment of one VM object. */
export class RunEnv {
  readonly task: SimulatedTask;
  readonly clock: () => bigint;
  /** Lines written by bpf_trace_printk, in the kernel's trace_pipe format. */
  readonly trace: string[] = [];
  readonly traceLimit: number;
  /** The current task's cgroup ids, root first (see RunEnvOptions.cgroupPath). */
  readonly cgroupPath: readonly number[];
  /** Simulated call chains (see RunEnvOptions.kernelStack / userStack). */
  readonly kernelStack: readonly bigint[];
  readonly userStack: readonly bigint[];
  /** The simulated FIB (RunEnvOptions.fibRoutes). */
  readonly fib: Fib;
  /** The perf event of perf_event programs (RunEnvOptions.perfEventValue). */
  readonly perfEventValue: PerfEventValue;
  private state: number;

  constructor(o: RunEnvOptions = {}) {
    this.task = { ...DEFAULT_TASK, ...o.task };
    this.clock = o.clock ?? (() => process.hrtime.bigint());
    this.traceLimit = o.traceLimit ?? 100_000;
    this.cgroupPath = [...(o.cgroupPath ?? [1])];
    this.kernelStack = [...(o.kernelStack ?? DEFAULT_KERNEL_STACK)];
    this.userStack = [...(o.userStack ?? [])];
    this.fib = new Fib(o.fibRoutes ?? []);
    this.perfEventValue = { counter: 0n, enabled: 0n, running: 0n, ...o.perfEventValue };
    this.state = (o.seed ?? Math.floor(Math.random() * 0xffffffff)) >>> 0 || 0x9e3779b9;
  }

  /** task_under_cgroup_hierarchy: whether the current task's cgroup is `cgroupId` or below it. */
  underCgroup(cgroupId: number): boolean {
    return this.cgroupPath.includes(cgroupId);
  }

  /** Re-seeds bpf_get_prandom_u32. */
  seed(seed: number): void {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Next pseudo-random u32 (xorshift32; the kernel's per-CPU prandom state cannot be reproduced). */
  random(): number {
    let x = this.state;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** The coarse clock: the monotonic clock at jiffy resolution. */
  coarse(): bigint {
    const t = this.clock();
    return t - (t % JIFFY_NS);
  }

  /** Appends a trace_pipe line for `msg` written on `cpu`. */
  printk(cpu: number, msg: string): void {
    const t = this.clock();
    const secs = `${t / 1_000_000_000n}.${String((t % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
    const task = `${this.task.comm}-${this.task.pid}`.padStart(22);
    this.trace.push(`${task} [${String(cpu).padStart(3, '0')}] d..31 ${secs.padStart(12)}: bpf_trace_printk: ${msg}`);
    if (this.trace.length > this.traceLimit) this.trace.splice(0, this.trace.length - this.traceLimit);
  }

  /** Returns and clears the trace pipe (like reading /sys/kernel/tracing/trace_pipe). */
  readTrace(): string[] {
    return this.trace.splice(0, this.trace.length);
  }
}
