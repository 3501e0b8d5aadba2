/**
 * The ebpf-samples corpus as its loaders load it (used by the agreement test and the verifier
 * benchmark, not part of the published API).
 *
 * Many corpus objects were written for iproute2 or for an application's own loader, whose command
 * line, not the section name, gives the program type: `tc filter add dev D ingress bpf da obj F
 * sec S` loads sched_cls, `ip link set dev D xdp obj F sec S` loads xdp, `ip route add … encap
 * bpf out obj F section S` loads lwt_out, and Suricata's loader (SO_ATTACH_BPF / PACKET_FANOUT
 * eBPF) loads socket filters. {@link loaderProgType} gives that type for each such object and
 * section. The PREVAIL test programs of `build/` (`.text`, `test`…) have no loader and no type:
 * they stay out.
 */
import { BPF_PROG_TYPE as T } from '../uapi/index.js';
import type { ObjectSpec, ProgramSpec } from '../object/types.js';

/**
 * [object path below ebpf-samples/, section pattern, program type] // how the object is loaded.
 * First match wins.
 */
const LOADER_TYPES: readonly [string, RegExp, number][] = [
  // Cilium (iproute2 era): the XDP datapath objects go to `ip link … xdp`, the others to `tc … bpf`.
  ['cilium/bpf_xdp.o', /.*/, T.XDP], // ip link set dev D xdp obj F sec from-netdev
  ['cilium/bpf_xdp_dsr_linux.o', /.*/, T.XDP], // ip link set dev D xdp obj F sec from-netdev (tail calls 2/N)
  ['cilium/bpf_xdp_dsr_linux_v1.o', /.*/, T.XDP], // as bpf_xdp_dsr_linux.o
  ['cilium/bpf_xdp_dsr_linux_v1_1.o', /.*/, T.XDP], // as bpf_xdp_dsr_linux.o
  ['cilium/bpf_xdp_snat_linux.o', /.*/, T.XDP], // as bpf_xdp_dsr_linux.o
  ['cilium/bpf_xdp_snat_linux_v1.o', /.*/, T.XDP], // as bpf_xdp_dsr_linux.o
  ['cilium/bpf_lb.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec from-netdev
  ['cilium/bpf_lxc.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec from-container
  ['cilium/bpf_netdev.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec from-netdev
  ['cilium/bpf_overlay.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec from-overlay
  // Cilium (cilium/ebpf loader): `tc/entry` and `tc/tail` programs are tc classifiers.
  ['cilium-core/bpf_alignchecker.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/tail)
  ['cilium-core/bpf_host.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/entry, tc/tail)
  ['cilium-core/bpf_lxc.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/entry, tc/tail)
  ['cilium-core/bpf_network.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/entry, tc/tail)
  ['cilium-core/bpf_overlay.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/entry, tc/tail)
  ['cilium-core/bpf_wireguard.o', /^tc\//, T.SCHED_CLS], // tc classifier (tc/entry, tc/tail)
  // OVS eBPF datapath: tc ingress/egress/downcall and tail-N classifiers, plus one AF_XDP program.
  ['ovs/datapath.o', /^af_xdp$/, T.XDP], // ip link set dev D xdp obj F sec af_xdp
  ['ovs/datapath.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec ingress (tail-N)
  // Linux samples/bpf and the prototype-kernel repository, each loaded by a shell script.
  ['linux/lwt_len_hist_kern.o', /^len_hist$/, T.LWT_OUT], // ip route add … encap bpf out obj F section len_hist (lwt_len_hist.sh)
  ['linux/tc_l2_redirect_kern.o', /.*/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec S (tc_l2_redirect.sh)
  ['linux/tcbpf1_kern.o', /.*/, T.SCHED_CLS], // tc filter add dev D bpf da obj F sec S
  ['linux/test_cgrp2_tc_kern.o', /^filter$/, T.SCHED_CLS], // tc filter add dev D egress bpf da obj F sec filter (test_cgrp2_tc.sh)
  ['linux/xdp2skb_meta_kern.o', /^tc_mark$/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec tc_mark (xdp2skb_meta.sh)
  ['prototype-kernel/tc_bench01_redirect_kern.o', /^ingress_redirect$/, T.SCHED_CLS], // tc filter add dev D ingress bpf da obj F sec ingress_redirect
  ['prototype-kernel/xdp_vlan01_kern.o', /^tc_vlan_push$/, T.SCHED_CLS], // tc filter add dev D egress bpf da obj F sec tc_vlan_push
  // Suricata: its af-packet capture attaches these as socket filters (SO_ATTACH_BPF, fanout eBPF).
  ['suricata/bypass_filter.o', /^filter$/, T.SOCKET_FILTER], // Suricata ebpf-filter-file (socket filter)
  ['suricata/filter.o', /^filter$/, T.SOCKET_FILTER], // Suricata ebpf-filter-file (socket filter)
  ['suricata/vlan_filter.o', /^filter$/, T.SOCKET_FILTER], // Suricata ebpf-filter-file (socket filter)
  ['suricata/lb.o', /^loadbalancer$/, T.SOCKET_FILTER], // Suricata ebpf-lb-file (PACKET_FANOUT_DATA eBPF)
];

/**
 * The program type the object's loader gives section `section` of `object` (a path below
 * ebpf-samples/, e.g. `cilium/bpf_lxc.o`), or undefined when the corpus names no loader for it.
 */
export function loaderProgType(object: string, section: string): number | undefined {
  for (const [obj, sec, type] of LOADER_TYPES) {
    if (obj === object && sec.test(section)) return type;
  }
  return undefined;
}

/**
 * A copy of `spec` ready for loading its programs one at a time, as the agreement test and the
 * benchmark do: programs whose section names no type get their loader's type (when
 * {@link loaderProgType} knows it), and static prog-array slots are dropped (a slot naming a
 * program that is not loaded would make the kernel backend refuse the object; the verifier's
 * verdict does not depend on what a prog-array holds).
 */
export function corpusSpec(object: string, spec: ObjectSpec): ObjectSpec {
  const typed = (p: ProgramSpec): ProgramSpec => {
    if (p.type) return p;
    const type = loaderProgType(object, p.section);
    return type === undefined ? p : { ...p, type };
  };
  return {
    ...spec,
    programs: spec.programs.map(typed),
    maps: spec.maps.map((m) => (m.slots?.some((s) => 'program' in s) ? { ...m, slots: m.slots.filter((s) => !('program' in s)) } : m)),
  };
}
