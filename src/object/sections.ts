/**
 * Program section names → program type and expected attach type, following libbpf 1.x's
 * `section_defs` table and its matching rules:
 * - `name`   matches exactly;
 * - `name+`  matches `name` exactly or `name/<anything>`;
 * - `name/`  matches `name/<anything>`.
 * The first matching entry wins (table order matters: `xdp.frags/devmap` before `xdp`).
 *
 * Objects built for libbpf 0.x, samples/bpf's bpf_load.c or iproute2 often use sloppy names such
 * as `socket1`, `xdp_prog` or `kprobe/…`; when no strict entry matches, entries marked `legacy`
 * are tried as plain prefixes (libbpf 0.x's SEC_SLOPPY_PFX behaviour). Sections that match
 * nothing (iproute2's `prog`, `<id>/<key>` tail-call sections, cilium's `from-netdev`…) get
 * BPF_PROG_TYPE_UNSPEC: their loader chooses the type.
 */
import { BPF_ATTACH_TYPE, BPF_PROG_TYPE } from '../uapi/index.js';

type ProgType = keyof typeof BPF_PROG_TYPE;
type AttachType = keyof typeof BPF_ATTACH_TYPE;

interface SecDef {
  sec: string;
  type: ProgType;
  attach?: AttachType;
  sleepable?: boolean;
  xdpFrags?: boolean;
  /** The attach target is a BTF name (fentry/…, tp_btf/…, lsm/…). */
  attachBtf?: boolean;
  /** Also matched as a plain prefix when nothing else matches (libbpf 0.x sloppy names). */
  legacy?: boolean;
}

const L = { legacy: true } as const;

/** libbpf 1.x `section_defs`, in its order. */
export const SECTION_DEFS: readonly SecDef[] = [
  { sec: 'socket', type: 'SOCKET_FILTER', ...L },
  { sec: 'sk_reuseport/migrate', type: 'SK_REUSEPORT', attach: 'SK_REUSEPORT_SELECT_OR_MIGRATE', ...L },
  { sec: 'sk_reuseport', type: 'SK_REUSEPORT', attach: 'SK_REUSEPORT_SELECT', ...L },
  { sec: 'kprobe+', type: 'KPROBE', ...L },
  { sec: 'uprobe+', type: 'KPROBE', ...L },
  { sec: 'uprobe.s+', type: 'KPROBE', sleepable: true },
  { sec: 'kretprobe+', type: 'KPROBE', ...L },
  { sec: 'uretprobe+', type: 'KPROBE', ...L },
  { sec: 'uretprobe.s+', type: 'KPROBE', sleepable: true },
  { sec: 'kprobe.multi+', type: 'KPROBE', attach: 'TRACE_KPROBE_MULTI' },
  { sec: 'kretprobe.multi+', type: 'KPROBE', attach: 'TRACE_KPROBE_MULTI' },
  { sec: 'kprobe.session+', type: 'KPROBE', attach: 'TRACE_KPROBE_SESSION' },
  { sec: 'uprobe.multi+', type: 'KPROBE', attach: 'TRACE_UPROBE_MULTI' },
  { sec: 'uretprobe.multi+', type: 'KPROBE', attach: 'TRACE_UPROBE_MULTI' },
  { sec: 'uprobe.session+', type: 'KPROBE', attach: 'TRACE_UPROBE_SESSION' },
  { sec: 'uprobe.multi.s+', type: 'KPROBE', attach: 'TRACE_UPROBE_MULTI', sleepable: true },
  { sec: 'uretprobe.multi.s+', type: 'KPROBE', attach: 'TRACE_UPROBE_MULTI', sleepable: true },
  { sec: 'uprobe.session.s+', type: 'KPROBE', attach: 'TRACE_UPROBE_SESSION', sleepable: true },
  { sec: 'ksyscall+', type: 'KPROBE' },
  { sec: 'kretsyscall+', type: 'KPROBE' },
  { sec: 'usdt+', type: 'KPROBE' },
  { sec: 'usdt.s+', type: 'KPROBE', sleepable: true },
  { sec: 'tc/ingress', type: 'SCHED_CLS', attach: 'TCX_INGRESS' },
  { sec: 'tc/egress', type: 'SCHED_CLS', attach: 'TCX_EGRESS' },
  { sec: 'tcx/ingress', type: 'SCHED_CLS', attach: 'TCX_INGRESS' },
  { sec: 'tcx/egress', type: 'SCHED_CLS', attach: 'TCX_EGRESS' },
  { sec: 'tc', type: 'SCHED_CLS' },
  { sec: 'classifier', type: 'SCHED_CLS', ...L },
  { sec: 'action', type: 'SCHED_ACT', ...L },
  { sec: 'netkit/primary', type: 'SCHED_CLS', attach: 'NETKIT_PRIMARY' },
  { sec: 'netkit/peer', type: 'SCHED_CLS', attach: 'NETKIT_PEER' },
  { sec: 'tracepoint+', type: 'TRACEPOINT', ...L },
  { sec: 'tp+', type: 'TRACEPOINT', ...L },
  { sec: 'raw_tracepoint+', type: 'RAW_TRACEPOINT', ...L },
  { sec: 'raw_tp+', type: 'RAW_TRACEPOINT', ...L },
  { sec: 'raw_tracepoint.w+', type: 'RAW_TRACEPOINT_WRITABLE' },
  { sec: 'raw_tp.w+', type: 'RAW_TRACEPOINT_WRITABLE' },
  { sec: 'tp_btf+', type: 'TRACING', attach: 'TRACE_RAW_TP', attachBtf: true },
  { sec: 'fentry+', type: 'TRACING', attach: 'TRACE_FENTRY', attachBtf: true },
  { sec: 'fmod_ret+', type: 'TRACING', attach: 'MODIFY_RETURN', attachBtf: true },
  { sec: 'fexit+', type: 'TRACING', attach: 'TRACE_FEXIT', attachBtf: true },
  { sec: 'fentry.s+', type: 'TRACING', attach: 'TRACE_FENTRY', attachBtf: true, sleepable: true },
  { sec: 'fmod_ret.s+', type: 'TRACING', attach: 'MODIFY_RETURN', attachBtf: true, sleepable: true },
  { sec: 'fexit.s+', type: 'TRACING', attach: 'TRACE_FEXIT', attachBtf: true, sleepable: true },
  { sec: 'freplace+', type: 'EXT', attachBtf: true },
  { sec: 'lsm+', type: 'LSM', attach: 'LSM_MAC', attachBtf: true },
  { sec: 'lsm.s+', type: 'LSM', attach: 'LSM_MAC', attachBtf: true, sleepable: true },
  { sec: 'lsm_cgroup+', type: 'LSM', attach: 'LSM_CGROUP', attachBtf: true },
  { sec: 'iter+', type: 'TRACING', attach: 'TRACE_ITER', attachBtf: true },
  { sec: 'iter.s+', type: 'TRACING', attach: 'TRACE_ITER', attachBtf: true, sleepable: true },
  { sec: 'syscall', type: 'SYSCALL', sleepable: true },
  { sec: 'xdp.frags/devmap', type: 'XDP', attach: 'XDP_DEVMAP', xdpFrags: true },
  { sec: 'xdp/devmap', type: 'XDP', attach: 'XDP_DEVMAP' },
  { sec: 'xdp.frags/cpumap', type: 'XDP', attach: 'XDP_CPUMAP', xdpFrags: true },
  { sec: 'xdp/cpumap', type: 'XDP', attach: 'XDP_CPUMAP' },
  { sec: 'xdp.frags', type: 'XDP', attach: 'XDP', xdpFrags: true },
  { sec: 'xdp', type: 'XDP', attach: 'XDP', ...L },
  { sec: 'perf_event', type: 'PERF_EVENT', ...L },
  { sec: 'lwt_in', type: 'LWT_IN', ...L },
  { sec: 'lwt_out', type: 'LWT_OUT', ...L },
  { sec: 'lwt_xmit', type: 'LWT_XMIT', ...L },
  { sec: 'lwt_seg6local', type: 'LWT_SEG6LOCAL', ...L },
  { sec: 'sockops', type: 'SOCK_OPS', attach: 'CGROUP_SOCK_OPS', ...L },
  { sec: 'sk_skb/stream_parser', type: 'SK_SKB', attach: 'SK_SKB_STREAM_PARSER', ...L },
  { sec: 'sk_skb/stream_verdict', type: 'SK_SKB', attach: 'SK_SKB_STREAM_VERDICT', ...L },
  { sec: 'sk_skb', type: 'SK_SKB', ...L },
  { sec: 'sk_msg', type: 'SK_MSG', attach: 'SK_MSG_VERDICT', ...L },
  { sec: 'lirc_mode2', type: 'LIRC_MODE2', attach: 'LIRC_MODE2', ...L },
  { sec: 'flow_dissector', type: 'FLOW_DISSECTOR', attach: 'FLOW_DISSECTOR', ...L },
  { sec: 'cgroup_skb/ingress', type: 'CGROUP_SKB', attach: 'CGROUP_INET_INGRESS', ...L },
  { sec: 'cgroup_skb/egress', type: 'CGROUP_SKB', attach: 'CGROUP_INET_EGRESS', ...L },
  { sec: 'cgroup/skb', type: 'CGROUP_SKB', ...L },
  { sec: 'cgroup/sock_create', type: 'CGROUP_SOCK', attach: 'CGROUP_INET_SOCK_CREATE' },
  { sec: 'cgroup/sock_release', type: 'CGROUP_SOCK', attach: 'CGROUP_INET_SOCK_RELEASE' },
  { sec: 'cgroup/sock', type: 'CGROUP_SOCK', attach: 'CGROUP_INET_SOCK_CREATE', ...L },
  { sec: 'cgroup/post_bind4', type: 'CGROUP_SOCK', attach: 'CGROUP_INET4_POST_BIND', ...L },
  { sec: 'cgroup/post_bind6', type: 'CGROUP_SOCK', attach: 'CGROUP_INET6_POST_BIND', ...L },
  { sec: 'cgroup/bind4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET4_BIND', ...L },
  { sec: 'cgroup/bind6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET6_BIND', ...L },
  { sec: 'cgroup/connect4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET4_CONNECT', ...L },
  { sec: 'cgroup/connect6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET6_CONNECT', ...L },
  { sec: 'cgroup/connect_unix', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UNIX_CONNECT' },
  { sec: 'cgroup/sendmsg4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UDP4_SENDMSG', ...L },
  { sec: 'cgroup/sendmsg6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UDP6_SENDMSG', ...L },
  { sec: 'cgroup/sendmsg_unix', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UNIX_SENDMSG' },
  { sec: 'cgroup/recvmsg4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UDP4_RECVMSG', ...L },
  { sec: 'cgroup/recvmsg6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UDP6_RECVMSG', ...L },
  { sec: 'cgroup/recvmsg_unix', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UNIX_RECVMSG' },
  { sec: 'cgroup/getpeername4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET4_GETPEERNAME' },
  { sec: 'cgroup/getpeername6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET6_GETPEERNAME' },
  { sec: 'cgroup/getpeername_unix', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UNIX_GETPEERNAME' },
  { sec: 'cgroup/getsockname4', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET4_GETSOCKNAME' },
  { sec: 'cgroup/getsockname6', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_INET6_GETSOCKNAME' },
  { sec: 'cgroup/getsockname_unix', type: 'CGROUP_SOCK_ADDR', attach: 'CGROUP_UNIX_GETSOCKNAME' },
  { sec: 'cgroup/sysctl', type: 'CGROUP_SYSCTL', attach: 'CGROUP_SYSCTL', ...L },
  { sec: 'cgroup/getsockopt', type: 'CGROUP_SOCKOPT', attach: 'CGROUP_GETSOCKOPT', ...L },
  { sec: 'cgroup/setsockopt', type: 'CGROUP_SOCKOPT', attach: 'CGROUP_SETSOCKOPT', ...L },
  { sec: 'cgroup/dev', type: 'CGROUP_DEVICE', attach: 'CGROUP_DEVICE', ...L },
  { sec: 'struct_ops+', type: 'STRUCT_OPS' },
  { sec: 'struct_ops.s+', type: 'STRUCT_OPS', sleepable: true },
  { sec: 'sk_lookup', type: 'SK_LOOKUP', attach: 'SK_LOOKUP' },
  { sec: 'netfilter', type: 'NETFILTER', attach: 'NETFILTER' },
];

/** What a section name says about its programs. */
export interface SectionInfo {
  /** BPF_PROG_TYPE_* (0 = unspec: unknown section name). */
  type: number;
  /** BPF_ATTACH_TYPE_* (0 when the section implies none, like libbpf). */
  expectedAttachType: number;
  /** The part after the matched prefix (`syscalls/sys_enter_open` of `tracepoint/syscalls/…`), if any. */
  attachTo?: string;
  /** Target named by BTF (fentry, fexit, tp_btf, lsm, iter, freplace). */
  attachBtf: boolean;
  sleepable: boolean;
  xdpFrags: boolean;
  /** The table entry that matched (`xdp`, `kprobe+`…), or undefined. */
  matched?: string;
  /** Matched only as a libbpf 0.x sloppy prefix. */
  legacy: boolean;
}

function strictMatch(def: string, name: string): string | undefined | false {
  const last = def[def.length - 1];
  if (last === '/') return name.startsWith(def) ? name.slice(def.length) : false;
  if (last === '+') {
    const base = def.slice(0, -1);
    if (name === base) return undefined;
    return name.startsWith(base + '/') ? name.slice(base.length + 1) : false;
  }
  return name === def ? undefined : false;
}

/** Classifies a program section name like libbpf's `find_sec_def` (plus legacy prefixes). */
export function sectionInfo(name: string): SectionInfo {
  for (const d of SECTION_DEFS) {
    const m = strictMatch(d.sec, name);
    if (m !== false) return info(d, m || undefined, false);
  }
  for (const d of SECTION_DEFS) {
    if (!d.legacy) continue;
    const base = d.sec.replace(/[+]$/, '');
    if (name.startsWith(base)) {
      const rest = name.slice(base.length);
      return info(d, rest.startsWith('/') ? rest.slice(1) || undefined : undefined, true);
    }
  }
  return { type: BPF_PROG_TYPE.UNSPEC, expectedAttachType: 0, attachBtf: false, sleepable: false, xdpFrags: false, legacy: false };
}

function info(d: SecDef, attachTo: string | undefined, legacy: boolean): SectionInfo {
  return {
    type: BPF_PROG_TYPE[d.type],
    expectedAttachType: d.attach ? BPF_ATTACH_TYPE[d.attach] : 0,
    ...(attachTo !== undefined ? { attachTo } : {}),
    attachBtf: !!d.attachBtf,
    sleepable: !!d.sleepable,
    xdpFrags: !!d.xdpFrags,
    matched: d.sec,
    legacy,
  };
}
