/**
 * Helper functions as the verifier sees them: which helpers each program type may call (probed
 * from the kernel, see tables.gen.ts), and the prototype of each helper tsbpf models — argument
 * kinds (the kernel's ARG_*), return kind (RET_*), and which map types each map helper accepts.
 * The VM reuses these tables to decide what a program may call.
 */
import { BPF_FUNC, BPF_MAP_TYPE, helperName } from '../uapi/index.js';
import { HELPERS_BY_PROG_TYPE } from './tables.gen.js';

/** Argument kinds (enum bpf_arg_type, with the modifiers tsbpf needs folded in). */
export type ArgKind =
  | 'anything' // ARG_ANYTHING
  | 'map_ptr' // ARG_CONST_MAP_PTR
  | 'map_key' // ARG_PTR_TO_MAP_KEY
  | 'map_value' // ARG_PTR_TO_MAP_VALUE
  | 'uninit_map_value' // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT
  | 'mem' // ARG_PTR_TO_MEM | MEM_RDONLY, sized by the next argument
  | 'rw_mem' // ARG_PTR_TO_MEM: initialised bytes the helper reads and may overwrite, sized by the next argument
  | 'mem_or_null' // ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY
  | 'uninit_mem' // ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE, sized by the next argument
  | 'size' // ARG_CONST_SIZE
  | 'size_or_zero' // ARG_CONST_SIZE_OR_ZERO
  | 'alloc_size_or_zero' // ARG_CONST_ALLOC_SIZE_OR_ZERO
  | 'ctx' // ARG_PTR_TO_CTX
  | 'ctx_or_null' // ARG_PTR_TO_CTX_OR_NULL
  | 'ringbuf_mem' // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
  | 'func' // ARG_PTR_TO_FUNC (callback)
  | 'stack_or_null' // ARG_PTR_TO_STACK_OR_NULL
  | 'long' // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_ALIGNED, 8 bytes
  | 'sock_common' // ARG_PTR_TO_SOCK_COMMON
  | 'btf_sock_common' // ARG_PTR_TO_BTF_ID_SOCK_COMMON
  | 'sock_release'; // ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE

/** Return kinds (enum bpf_return_type). */
export type RetKind = 'int' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null' | 'socket_or_null' | 'sock_common_or_null' | 'tcp_sock_or_null';

/** Arguments that release the reference they are passed (OBJ_RELEASE). */
export const isReleaseArg = (k: ArgKind): boolean => k === 'ringbuf_mem' || k === 'sock_release';

export interface HelperProto {
  id: number;
  /** Name without the `bpf_` prefix. */
  name: string;
  args: readonly ArgKind[];
  ret: RetKind;
  /** Restricted to GPL-compatible programs. */
  gplOnly?: boolean;
  /** Map types accepted for the map argument (check_map_func_compatibility); absent = any data map. */
  mapTypes?: readonly number[];
  /** Return range of a callback argument: [min, max] of R0 at the callback's exit. */
  callbackRet?: readonly [number, number];
  /**
   * Reference tracking of the returned pointer: `acquire` = a new reference the program must
   * release (is_acquire_function), `cast` = another view of the argument's reference
   * (is_ptr_cast_function).
   */
  ref?: 'acquire' | 'cast';
}

const M = BPF_MAP_TYPE;
const REDIRECT_MAPS = [M.DEVMAP, M.DEVMAP_HASH, M.CPUMAP, M.XSKMAP];
const F = BPF_FUNC;
/**
 * Map types that only some helpers may take (first half of check_map_func_compatibility); map types
 * not listed take any helper whose own `mapTypes` allows them.
 */
const MAP_TYPE_HELPERS: Readonly<Record<number, readonly number[]>> = {
  [M.PROG_ARRAY]: [F.tail_call],
  [M.PERF_EVENT_ARRAY]: [F.perf_event_read, F.perf_event_output, F.skb_output, F.perf_event_read_value, F.xdp_output],
  [M.RINGBUF]: [F.ringbuf_output, F.ringbuf_reserve, F.ringbuf_query, F.ringbuf_reserve_dynptr, F.ringbuf_submit_dynptr, F.ringbuf_discard_dynptr],
  [M.STACK_TRACE]: [F.get_stackid],
  [M.CGROUP_ARRAY]: [F.skb_under_cgroup, F.current_task_under_cgroup],
  [M.DEVMAP]: [F.redirect_map, F.map_lookup_elem],
  [M.DEVMAP_HASH]: [F.redirect_map, F.map_lookup_elem],
  [M.CPUMAP]: [F.redirect_map],
  [M.XSKMAP]: [F.redirect_map, F.map_lookup_elem],
  [M.ARRAY_OF_MAPS]: [F.map_lookup_elem],
  [M.HASH_OF_MAPS]: [F.map_lookup_elem],
  [M.QUEUE]: [F.map_peek_elem, F.map_pop_elem, F.map_push_elem],
  [M.STACK]: [F.map_peek_elem, F.map_pop_elem, F.map_push_elem],
  [M.BLOOM_FILTER]: [F.map_peek_elem, F.map_push_elem],
};

/** True when helper `helper` may take a map of `mapType` (check_map_func_compatibility). */
export function mapHelperCompatible(mapType: number, helper: number): boolean {
  const onlyFor = MAP_TYPE_HELPERS[mapType];
  if (onlyFor && !onlyFor.includes(helper)) return false;
  const types = protoById[helper]?.mapTypes;
  return !types || types.includes(mapType);
}

const PROBE_READ: readonly ArgKind[] = ['uninit_mem', 'size_or_zero', 'anything'];
/** bpf_sk_lookup_tcp/udp, bpf_skc_lookup_tcp: (ctx, tuple, tuple size, netns, flags). */
const SK_LOOKUP: readonly ArgKind[] = ['ctx', 'mem', 'size', 'anything', 'anything'];

/** [name, args, ret, extra] for every helper tsbpf models. */
const PROTOS: [string, ArgKind[], RetKind, Partial<HelperProto>?][] = [
  ['map_lookup_elem', ['map_ptr', 'map_key'], 'map_value_or_null'],
  ['map_update_elem', ['map_ptr', 'map_key', 'map_value', 'anything'], 'int'],
  ['map_delete_elem', ['map_ptr', 'map_key'], 'int'],
  ['map_push_elem', ['map_ptr', 'map_value', 'anything'], 'int', { mapTypes: [M.QUEUE, M.STACK, M.BLOOM_FILTER] }],
  ['map_pop_elem', ['map_ptr', 'uninit_map_value'], 'int', { mapTypes: [M.QUEUE, M.STACK] }],
  ['map_peek_elem', ['map_ptr', 'uninit_map_value'], 'int', { mapTypes: [M.QUEUE, M.STACK, M.BLOOM_FILTER] }],
  ['probe_read', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['probe_read_str', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['probe_read_user', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['probe_read_kernel', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['probe_read_user_str', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['probe_read_kernel_str', PROBE_READ.slice(), 'int', { gplOnly: true }],
  ['ktime_get_ns', [], 'int'],
  ['ktime_get_boot_ns', [], 'int'],
  ['ktime_get_coarse_ns', [], 'int'],
  ['ktime_get_tai_ns', [], 'int'],
  ['jiffies64', [], 'int'],
  ['trace_printk', ['mem', 'size'], 'int', { gplOnly: true }],
  ['get_prandom_u32', [], 'int'],
  ['get_smp_processor_id', [], 'int'],
  ['get_numa_node_id', [], 'int'],
  ['get_current_pid_tgid', [], 'int'],
  ['get_current_uid_gid', [], 'int'],
  ['get_current_comm', ['uninit_mem', 'size'], 'int'],
  ['get_current_task', [], 'int', { gplOnly: true }],
  ['get_current_cgroup_id', [], 'int'],
  ['skb_load_bytes', ['ctx', 'anything', 'uninit_mem', 'size'], 'int'],
  ['skb_load_bytes_relative', ['ctx', 'anything', 'uninit_mem', 'size', 'anything'], 'int'],
  ['skb_store_bytes', ['ctx', 'anything', 'mem', 'size', 'anything'], 'int'],
  ['l3_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'int'],
  ['l4_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'int'],
  ['csum_diff', ['mem_or_null', 'size_or_zero', 'mem_or_null', 'size_or_zero', 'anything'], 'int'],
  ['csum_update', ['ctx', 'anything'], 'int'],
  ['csum_level', ['ctx', 'anything'], 'int'],
  ['skb_pull_data', ['ctx', 'anything'], 'int'],
  ['skb_change_tail', ['ctx', 'anything', 'anything'], 'int'],
  ['skb_change_head', ['ctx', 'anything', 'anything'], 'int'],
  ['skb_change_proto', ['ctx', 'anything', 'anything'], 'int'],
  ['skb_change_type', ['ctx', 'anything'], 'int'],
  ['skb_adjust_room', ['ctx', 'anything', 'anything', 'anything'], 'int'],
  ['skb_vlan_push', ['ctx', 'anything', 'anything'], 'int'],
  ['skb_vlan_pop', ['ctx'], 'int'],
  ['get_cgroup_classid', ['ctx'], 'int'],
  ['get_route_realm', ['ctx'], 'int'],
  ['get_hash_recalc', ['ctx'], 'int'],
  ['set_hash_invalid', ['ctx'], 'int'],
  ['set_hash', ['ctx', 'anything'], 'int'],
  ['get_socket_cookie', ['ctx'], 'int'],
  ['get_socket_uid', ['ctx'], 'int'],
  ['skb_cgroup_id', ['ctx'], 'int'],
  ['skb_ecn_set_ce', ['ctx'], 'int'],
  ['clone_redirect', ['ctx', 'anything', 'anything'], 'int'],
  ['redirect', ['anything', 'anything'], 'int'],
  ['redirect_map', ['map_ptr', 'anything', 'anything'], 'int', { mapTypes: REDIRECT_MAPS }],
  ['tail_call', ['ctx', 'map_ptr', 'anything'], 'void', { mapTypes: [M.PROG_ARRAY] }],
  ['perf_event_output', ['ctx', 'map_ptr', 'anything', 'mem', 'size_or_zero'], 'int', { mapTypes: [M.PERF_EVENT_ARRAY] }],
  ['perf_event_read', ['map_ptr', 'anything'], 'int', { mapTypes: [M.PERF_EVENT_ARRAY] }],
  ['perf_event_read_value', ['map_ptr', 'anything', 'uninit_mem', 'size'], 'int', { mapTypes: [M.PERF_EVENT_ARRAY] }],
  ['get_stackid', ['ctx', 'map_ptr', 'anything'], 'int', { mapTypes: [M.STACK_TRACE] }],
  ['get_stack', ['ctx', 'uninit_mem', 'size_or_zero', 'anything'], 'int'],
  ['xdp_adjust_head', ['ctx', 'anything'], 'int'],
  ['xdp_adjust_meta', ['ctx', 'anything'], 'int'],
  ['xdp_adjust_tail', ['ctx', 'anything'], 'int'],
  ['xdp_get_buff_len', ['ctx'], 'int'],
  ['xdp_load_bytes', ['ctx', 'anything', 'uninit_mem', 'size'], 'int'],
  ['xdp_store_bytes', ['ctx', 'anything', 'mem', 'size'], 'int'],
  ['ringbuf_output', ['map_ptr', 'mem', 'size_or_zero', 'anything'], 'int', { mapTypes: [M.RINGBUF] }],
  ['ringbuf_reserve', ['map_ptr', 'alloc_size_or_zero', 'anything'], 'ringbuf_mem_or_null', { mapTypes: [M.RINGBUF], ref: 'acquire' }],
  ['ringbuf_submit', ['ringbuf_mem', 'anything'], 'void'],
  ['ringbuf_discard', ['ringbuf_mem', 'anything'], 'void'],
  ['ringbuf_query', ['map_ptr', 'anything'], 'int', { mapTypes: [M.RINGBUF] }],
  ['loop', ['anything', 'func', 'stack_or_null', 'anything'], 'int', { callbackRet: [0, 1] }],
  ['for_each_map_elem', ['map_ptr', 'func', 'stack_or_null', 'anything'], 'int', {
    callbackRet: [0, 1], mapTypes: [M.HASH, M.LRU_HASH, M.ARRAY, M.PERCPU_HASH, M.LRU_PERCPU_HASH, M.PERCPU_ARRAY],
  }],
  ['fib_lookup', ['ctx', 'rw_mem', 'size', 'anything'], 'int'],
  ['current_task_under_cgroup', ['map_ptr', 'anything'], 'int', { mapTypes: [M.CGROUP_ARRAY] }],
  ['skb_under_cgroup', ['ctx', 'map_ptr', 'anything'], 'int', { mapTypes: [M.CGROUP_ARRAY] }],
  ['perf_prog_read_value', ['ctx', 'uninit_mem', 'size'], 'int'],
  ['get_func_ip', ['ctx'], 'int'],
  ['get_attach_cookie', ['ctx'], 'int'],
  ['send_signal', ['anything'], 'int'],
  ['send_signal_thread', ['anything'], 'int'],
  ['get_current_ancestor_cgroup_id', ['anything'], 'int'],
  ['skb_get_tunnel_key', ['ctx', 'uninit_mem', 'size', 'anything'], 'int'],
  ['skb_set_tunnel_key', ['ctx', 'mem', 'size', 'anything'], 'int'],
  ['skb_cgroup_classid', ['ctx'], 'int'],
  ['skb_get_tunnel_opt', ['ctx', 'uninit_mem', 'size'], 'int'],
  ['sock_map_update', ['ctx', 'map_ptr', 'map_key', 'anything'], 'int', { mapTypes: [M.SOCKMAP] }],
  ['skb_set_tunnel_opt', ['ctx', 'mem', 'size'], 'int'],
  ['probe_write_user', ['anything', 'mem', 'size'], 'int', { gplOnly: true }],
  ['get_ns_current_pid_tgid', ['anything', 'anything', 'uninit_mem', 'size'], 'int'],
  ['override_return', ['ctx', 'anything'], 'int', { gplOnly: true }],
  ['redirect_neigh', ['anything', 'mem_or_null', 'size_or_zero', 'anything'], 'int'],
  ['redirect_peer', ['anything', 'anything'], 'int'],
  ['sock_ops_cb_flags_set', ['ctx', 'anything'], 'int'],
  ['setsockopt', ['ctx', 'anything', 'anything', 'mem', 'size'], 'int'],
  ['getsockopt', ['ctx', 'anything', 'anything', 'uninit_mem', 'size'], 'int'],
  ['bind', ['ctx', 'mem', 'size'], 'int'],
  ['get_netns_cookie', ['ctx_or_null'], 'int'],
  ['sk_lookup_tcp', SK_LOOKUP.slice(), 'socket_or_null', { ref: 'acquire' }],
  ['sk_lookup_udp', SK_LOOKUP.slice(), 'socket_or_null', { ref: 'acquire' }],
  ['skc_lookup_tcp', SK_LOOKUP.slice(), 'sock_common_or_null', { ref: 'acquire' }],
  ['sk_release', ['sock_release'], 'int'],
  ['sk_assign', ['ctx', 'btf_sock_common', 'anything'], 'int'],
  ['sk_fullsock', ['sock_common'], 'socket_or_null', { ref: 'cast' }],
  ['tcp_sock', ['sock_common'], 'tcp_sock_or_null', { ref: 'cast' }],
  ['get_listener_sock', ['sock_common'], 'socket_or_null'],
  ['strtol', ['mem', 'size', 'anything', 'long'], 'int'],
  ['strtoul', ['mem', 'size', 'anything', 'long'], 'int'],
];

const protoById: (HelperProto | undefined)[] = [];
for (const [name, args, ret, extra] of PROTOS) {
  const id = (BPF_FUNC as Record<string, number>)[name];
  if (id === undefined) throw new Error(`helper table: unknown helper ${name}`);
  protoById[id] = { id, name, args, ret, ...extra };
}

/** The prototype tsbpf models for helper `id`, or undefined when it does not model it. */
export function helperProto(id: number): HelperProto | undefined {
  return protoById[id];
}

/** Number of declared arguments (live-register analysis); 5 when the helper is not modelled. */
export function helperArgCount(id: number): number {
  return protoById[id]?.args.length ?? 5;
}

/** The probed helper set of a program type (per attach type where that matters), or undefined. */
function helperSet(progType: number, attachType = 0): readonly number[] | undefined {
  return HELPERS_BY_PROG_TYPE[`${progType}:${attachType}`] ?? HELPERS_BY_PROG_TYPE[`${progType}`];
}

/** Per `progType:attachType`: a byte per helper id, 1 when allowed (built on first use). */
const allowedById = new Map<string, Uint8Array>();

/** A byte per helper id, 1 when a program of type `progType` may call it (the kernel's get_func_proto). */
export function allowedHelpers(progType: number, attachType = 0): Uint8Array {
  const key = `${progType}:${attachType}`;
  let bytes = allowedById.get(key);
  if (!bytes) {
    const set = helperSet(progType, attachType) ?? [];
    bytes = new Uint8Array(Math.max(0, ...set) + 1);
    for (const h of set) bytes[h] = 1;
    allowedById.set(key, bytes);
  }
  return bytes;
}

/** True when a program of type `progType` may call helper `id` (the kernel's get_func_proto). */
export function helperAllowed(progType: number, id: number, attachType = 0): boolean {
  return allowedHelpers(progType, attachType)[id] === 1;
}

/** The helper ids a program type may call (undefined when tsbpf does not model the type). */
export function helpersForProgType(progType: number, attachType = 0): readonly number[] | undefined {
  return helperSet(progType, attachType);
}

/** `bpf_map_lookup_elem#1`-style name used in messages. */
export function helperLabel(id: number): string {
  const n = helperName(id);
  return n ? `bpf_${n}#${id}` : `unknown#${id}`;
}

export { HELPERS_BY_PROG_TYPE };
