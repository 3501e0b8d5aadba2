import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sectionInfo, SECTION_DEFS } from './sections.js';
import { internalMapName } from './maps.js';
import { BPF_ATTACH_TYPE as A, BPF_PROG_TYPE as P } from '../uapi/index.js';

test('libbpf section names give program and attach types', () => {
  const cases: [string, number, number, string?][] = [
    ['xdp', P.XDP, A.XDP],
    ['xdp.frags', P.XDP, A.XDP],
    ['xdp/devmap', P.XDP, A.XDP_DEVMAP],
    ['xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP],
    ['tc', P.SCHED_CLS, 0],
    ['classifier', P.SCHED_CLS, 0],
    ['action', P.SCHED_ACT, 0],
    ['tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS],
    ['tc/egress', P.SCHED_CLS, A.TCX_EGRESS],
    ['socket', P.SOCKET_FILTER, 0],
    ['tracepoint/syscalls/sys_enter_open', P.TRACEPOINT, 0, 'syscalls/sys_enter_open'],
    ['tp/sched/sched_switch', P.TRACEPOINT, 0, 'sched/sched_switch'],
    ['raw_tracepoint/sys_enter', P.RAW_TRACEPOINT, 0, 'sys_enter'],
    ['raw_tp.w/x', P.RAW_TRACEPOINT_WRITABLE, 0, 'x'],
    ['tp_btf/sched_switch', P.TRACING, A.TRACE_RAW_TP, 'sched_switch'],
    ['kprobe/do_sys_open', P.KPROBE, 0, 'do_sys_open'],
    ['kretprobe/x', P.KPROBE, 0, 'x'],
    ['uprobe//bin/sh:main', P.KPROBE, 0, '/bin/sh:main'],
    ['kprobe.multi/tcp_*', P.KPROBE, A.TRACE_KPROBE_MULTI, 'tcp_*'],
    ['fentry/tcp_connect', P.TRACING, A.TRACE_FENTRY, 'tcp_connect'],
    ['fexit/tcp_connect', P.TRACING, A.TRACE_FEXIT, 'tcp_connect'],
    ['fmod_ret/x', P.TRACING, A.MODIFY_RETURN, 'x'],
    ['lsm/file_open', P.LSM, A.LSM_MAC, 'file_open'],
    ['iter/task', P.TRACING, A.TRACE_ITER, 'task'],
    ['perf_event', P.PERF_EVENT, 0],
    ['cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS],
    ['cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS],
    ['cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT],
    ['cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE],
    ['cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE],
    ['cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL],
    ['sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS],
    ['sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER],
    ['sk_skb', P.SK_SKB, 0],
    ['sk_msg', P.SK_MSG, A.SK_MSG_VERDICT],
    ['lwt_xmit', P.LWT_XMIT, 0],
    ['struct_ops/tcp_init', P.STRUCT_OPS, 0, 'tcp_init'],
    ['sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP],
    ['netfilter', P.NETFILTER, A.NETFILTER],
    ['syscall', P.SYSCALL, 0],
    ['flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR],
  ];
  for (const [sec, type, attach, to] of cases) {
    const i = sectionInfo(sec);
    assert.equal(i.type, type, sec);
    assert.equal(i.expectedAttachType, attach, sec);
    assert.equal(i.attachTo, to, sec);
    assert.equal(i.legacy, false, sec);
  }
  assert.equal(sectionInfo('fentry.s/x').sleepable, true);
  assert.equal(sectionInfo('xdp.frags').xdpFrags, true);
  assert.equal(sectionInfo('fentry/x').attachBtf, true);
});

test('strict matching: `+` needs an exact name or a slash, `/` needs a suffix', () => {
  assert.equal(sectionInfo('kprobe').type, P.KPROBE);
  assert.equal(sectionInfo('tracepoint').type, P.TRACEPOINT);
  // `tcx/` entries are exact: plain `tcx` matches nothing.
  assert.equal(sectionInfo('tcx').type, P.UNSPEC);
  assert.equal(sectionInfo('kprobe.multi').expectedAttachType, A.TRACE_KPROBE_MULTI);
});

test('legacy names fall back to libbpf 0.x prefixes; unknown names are unspec', () => {
  const legacy: [string, number][] = [['socket1', P.SOCKET_FILTER], ['xdp_prog', P.XDP], ['xdp_redirect_map', P.XDP], ['kprobe__sys_open', P.KPROBE], ['classifier_ingress', P.SCHED_CLS]];
  for (const [sec, type] of legacy) {
    assert.equal(sectionInfo(sec).type, type, sec);
    assert.equal(sectionInfo(sec).legacy, true, sec);
  }
  for (const sec of ['prog', '1/0', 'from-netdev', 'license', 'tcp_bufs', 'tc_mark']) assert.equal(sectionInfo(sec).type, P.UNSPEC, sec);
});

test('every table entry names known UAPI types and matches itself', () => {
  for (const d of SECTION_DEFS) {
    const name = d.sec.endsWith('/') ? `${d.sec}x` : d.sec.replace(/\+$/, '');
    const i = sectionInfo(name);
    assert.equal(i.type, P[d.type], d.sec);
    assert.ok(i.type > 0);
  }
});

test('internal map names follow libbpf', () => {
  assert.equal(internalMapName('global_variable', '.bss'), 'global_v.bss');
  assert.equal(internalMapName('t', '.rodata'), 't.rodata');
  assert.equal(internalMapName('tcx_bpf_bpfel', '.bss'), 'tcx_bpf_.bss');
  assert.equal(internalMapName('obj', '.rodata.str1.1'), '.rodata.str1.1');
  assert.equal(internalMapName('obj', '.data.a_very_long_name'), '.data.a_very_lo');
  assert.equal(internalMapName('my-obj', '.data'), 'my_obj.data');
});
