/**
 * Which helpers a program type may call comes from the verifier's table, probed from the kernel
 * (src/verifier/tables.gen.ts: the kernel's *_func_proto for a root loader); here only which
 * helper family implements them for each program type the VM runs. A helper that is allowed but
 * in no family fails the load as not supported by the VM.
 */
import { BPF_PROG_TYPE as T } from '../../uapi/index.js';
import { helpersForProgType } from '../../verifier/helpers.js';

/** Implementation families (a helper id can mean different things per family, e.g. bpf_redirect). */
export type HelperFamily = 'base' | 'maps' | 'tracing' | 'skb' | 'xdp' | 'output' | 'cgroup' | 'stack' | 'fib';

/** A program type the VM runs: its allowed helpers and the implementation families, later ones winning. */
export interface ProgTypeHelpers {
  allowed: ReadonlySet<number>;
  families: readonly HelperFamily[];
}

const COMMON: HelperFamily[] = ['base', 'maps', 'output', 'tracing', 'cgroup', 'stack'];
/** Implementation families per program type the VM runs. */
const FAMILIES: Readonly<Partial<Record<number, readonly HelperFamily[]>>> = {
  [T.SOCKET_FILTER]: [...COMMON, 'skb'],
  [T.CGROUP_SKB]: [...COMMON, 'skb'],
  [T.SCHED_CLS]: [...COMMON, 'skb', 'fib'],
  [T.SCHED_ACT]: [...COMMON, 'skb', 'fib'],
  [T.XDP]: [...COMMON, 'skb', 'xdp', 'fib'],
  [T.KPROBE]: COMMON,
  [T.TRACEPOINT]: COMMON,
  [T.RAW_TRACEPOINT]: COMMON,
  [T.PERF_EVENT]: COMMON,
};

const cache = new Map<number, ProgTypeHelpers>();

/** The helpers of a program type the VM runs (undefined for types it does not). */
export function vmProgTypeHelpers(type: number): ProgTypeHelpers | undefined {
  const families = FAMILIES[type];
  if (!families) return undefined;
  let h = cache.get(type);
  if (!h) cache.set(type, (h = { allowed: new Set(helpersForProgType(type) ?? []), families }));
  return h;
}
