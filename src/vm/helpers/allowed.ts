/**
 * THE table of which helpers each program type may call (the kernel's *_func_proto for a root
 * loader), and which helper family implements them for that type. One place, to be replaced by
 * the verifier's table (src/verifier/helpers.ts) when it lands.
 */
import { BPF_FUNC as H, BPF_PROG_TYPE as T } from '../../uapi/index.js';

/** Implementation families (a helper id can mean different things per family, e.g. bpf_redirect). */
export type HelperFamily = 'base' | 'maps' | 'tracing' | 'skb' | 'xdp' | 'output';

const BASE = [
  H.map_lookup_elem, H.map_update_elem, H.map_delete_elem, H.map_push_elem, H.map_pop_elem, H.map_peek_elem, H.map_lookup_percpu_elem,
  H.get_prandom_u32, H.get_smp_processor_id, H.ktime_get_ns, H.ktime_get_boot_ns, H.ktime_get_coarse_ns, H.jiffies64,
  H.tail_call, H.loop, H.for_each_map_elem, H.trace_printk, H.spin_lock, H.spin_unlock,
  H.ringbuf_output, H.ringbuf_reserve, H.ringbuf_submit, H.ringbuf_discard, H.ringbuf_query,
  H.probe_read_kernel, H.probe_read_kernel_str,
];
const TRACING = [
  ...BASE, H.probe_read, H.probe_read_str, H.probe_read_user, H.probe_read_user_str,
  H.get_current_pid_tgid, H.get_current_uid_gid, H.get_current_comm, H.get_current_task, H.perf_event_output, H.get_stackid,
  H.perf_event_read, H.perf_event_read_value, H.probe_write_user,
];
/** kprobes may also override the probed function's return value. */
const KPROBE = [...TRACING, H.override_return];
const SOCKET = [...BASE, H.skb_load_bytes, H.skb_load_bytes_relative, H.get_socket_cookie, H.get_socket_uid, H.perf_event_output];
const TC = [
  ...SOCKET, H.skb_store_bytes, H.l3_csum_replace, H.l4_csum_replace, H.csum_diff, H.csum_update, H.clone_redirect, H.redirect,
  H.skb_vlan_push, H.skb_vlan_pop, H.skb_get_tunnel_key, H.skb_set_tunnel_key, H.skb_get_tunnel_opt, H.skb_set_tunnel_opt,
  H.skb_change_proto, H.skb_change_type, H.skb_change_head, H.skb_change_tail, H.skb_adjust_room, H.skb_pull_data,
  H.get_hash_recalc, H.set_hash, H.set_hash_invalid, H.fib_lookup, H.redirect_neigh, H.redirect_peer,
];
const XDP = [...BASE, H.perf_event_output, H.csum_diff, H.xdp_adjust_head, H.xdp_adjust_meta, H.xdp_adjust_tail, H.redirect, H.redirect_map, H.fib_lookup];

/** A program type the VM runs: its allowed helpers and the implementation families, in priority order. */
export interface ProgTypeHelpers {
  allowed: ReadonlySet<number>;
  families: readonly HelperFamily[];
}

const COMMON: HelperFamily[] = ['base', 'maps', 'output'];
/** Per program type. Types absent here cannot run in the VM. */
export const HELPERS_BY_PROG_TYPE: Readonly<Partial<Record<number, ProgTypeHelpers>>> = {
  [T.SOCKET_FILTER]: { allowed: new Set(SOCKET), families: [...COMMON, 'skb'] },
  [T.CGROUP_SKB]: { allowed: new Set(SOCKET), families: [...COMMON, 'skb'] },
  [T.SCHED_CLS]: { allowed: new Set(TC), families: [...COMMON, 'skb'] },
  [T.SCHED_ACT]: { allowed: new Set(TC), families: [...COMMON, 'skb'] },
  [T.XDP]: { allowed: new Set(XDP), families: [...COMMON, 'skb', 'xdp'] },
  [T.KPROBE]: { allowed: new Set(KPROBE), families: [...COMMON, 'tracing'] },
  [T.TRACEPOINT]: { allowed: new Set(TRACING), families: [...COMMON, 'tracing'] },
  [T.RAW_TRACEPOINT]: { allowed: new Set(TRACING), families: [...COMMON, 'tracing'] },
  [T.PERF_EVENT]: { allowed: new Set(TRACING), families: [...COMMON, 'tracing'] },
};
