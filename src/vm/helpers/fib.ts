/**
 * bpf_fib_lookup (net/core/filter.c) for XDP and tc over a simulated FIB: the environment's routes
 * (RunEnvOptions.fibRoutes), one table, longest prefix first. Every ifindex is taken to be a
 * device with forwarding enabled, and every route's next hop to have a resolved neighbour (its
 * `dmac`). No route: BPF_FIB_LKUP_RET_NOT_FWDED, like a kernel routing miss.
 */
import { RunInputError, VmFault } from '../../errors.js';
import { parseIpv4, parseIpv6, parseMac } from '../../packet/address.js';
import { BPF_FIB_LOOKUP as L } from '../../uapi/structs.gen.js';
import { ERRNO } from '../../uapi/errno.js';
import { BPF_FUNC } from '../../uapi/index.js';
import { RegionKind } from '../memory.js';
import type { Helper, HelperVm } from '../program.js';
import { EINVAL } from '../progtypes/errno.js';
import { ETH_HLEN, SkbContext } from '../progtypes/skb.js';
import { XdpContext } from '../progtypes/xdp.js';
import { memArg, num } from './args.js';
import type { HelperDeps } from './deps.js';

/** BPF_FIB_LOOKUP_* flags (linux/bpf.h). */
export const BPF_FIB_LOOKUP = { DIRECT: 1, OUTPUT: 2, SKIP_NEIGH: 4, TBID: 8, SRC: 16 } as const;
/** BPF_FIB_LKUP_RET_* codes (linux/bpf.h). */
export const BPF_FIB_LKUP_RET = {
  SUCCESS: 0, BLACKHOLE: 1, UNREACHABLE: 2, PROHIBIT: 3, NOT_FWDED: 4, FWD_DISABLED: 5, UNSUPP_LWT: 6, NO_NEIGH: 7, FRAG_NEEDED: 8, NO_SRC_ADDR: 9,
} as const;
const FLAGS = BPF_FIB_LOOKUP.DIRECT | BPF_FIB_LOOKUP.OUTPUT | BPF_FIB_LOOKUP.SKIP_NEIGH | BPF_FIB_LOOKUP.TBID | BPF_FIB_LOOKUP.SRC;
const AF_INET = 2, AF_INET6 = 10, VLAN_HLEN = 4;

/** A route of the simulated FIB. */
export interface FibRoute {
  /** Destination prefix, `10.0.0.0/24` or `fd00::/64`. */
  prefix: string;
  /** Output device. */
  ifindex: number;
  /** Next hop (same family as the prefix); absent: the destination is on-link. */
  gateway?: string;
  /** MAC of the output device. */
  smac: string;
  /** MAC of the next hop (its neighbour entry). */
  dmac: string;
  /** Device MTU (default 1500). */
  mtu?: number;
}

interface Route { family: number; net: Uint8Array; plen: number; ifindex: number; gw?: Uint8Array; smac: Uint8Array; dmac: Uint8Array; mtu: number }

/** The simulated FIB: routes parsed once, looked up by longest prefix. */
export class Fib {
  private readonly routes: Route[];
  constructor(routes: readonly FibRoute[]) {
    this.routes = routes.map((r) => {
      const [addr, len] = r.prefix.split('/');
      const v6 = addr.includes(':');
      const net = v6 ? parseIpv6(addr) : parseIpv4(addr);
      const plen = len === undefined ? net.length * 8 : Number(len);
      if (!Number.isInteger(plen) || plen < 0 || plen > net.length * 8) throw new RunInputError(`fib route ${r.prefix}: bad prefix length`);
      const gw = r.gateway === undefined ? undefined : v6 ? parseIpv6(r.gateway) : parseIpv4(r.gateway);
      return { family: v6 ? AF_INET6 : AF_INET, net, plen, ifindex: r.ifindex, gw, smac: parseMac(r.smac), dmac: parseMac(r.dmac), mtu: r.mtu ?? 1500 };
    }).sort((a, b) => b.plen - a.plen);
  }

  /** The longest-prefix route for `dst` of `family`, or undefined. */
  lookup(family: number, dst: Uint8Array): Route | undefined {
    return this.routes.find((r) => r.family === family && prefixMatches(r.net, dst, r.plen));
  }
}

function prefixMatches(net: Uint8Array, addr: Uint8Array, plen: number): boolean {
  for (let i = 0; i < plen; i += 8) {
    const bits = Math.min(8, plen - i), mask = (0xff << (8 - bits)) & 0xff;
    if ((net[i >> 3] & mask) !== (addr[i >> 3] & mask)) return false;
  }
  return true;
}

const f = L.fields;

/** bpf_fib_lookup for XDP (always checks tot_len against the MTU) and tc. */
export function fibHelpers({ env }: HelperDeps): Map<number, Helper> {
  return new Map<number, Helper>([
    [BPF_FUNC.fib_lookup, (vm: HelperVm) => {
      const hi = vm.hi(1);
      const ctx = vm.mem.has(hi) && vm.mem.kind[hi] === RegionKind.Context ? vm.mem.objects[hi] : undefined;
      if (!(ctx instanceof XdpContext) && !(ctx instanceof SkbContext)) throw new VmFault('bpf_fib_lookup: R1 is not an xdp_md or __sk_buff context', { insn: vm.pc });
      const plen = num(vm, 3);
      const p = memArg(vm, 2, Math.min(plen, L.size), true);
      if (plen < L.size) return -EINVAL;
      if (vm.hi(4) !== 0 || vm.lo(4) & ~FLAGS) return -EINVAL;
      const flags = vm.lo(4);
      if (flags & BPF_FIB_LOOKUP.SRC) throw new VmFault('bpf_fib_lookup: BPF_FIB_LOOKUP_SRC is not supported by the VM (its FIB has no source addresses)', { insn: vm.pc });
      const dv = new DataView(p.buffer, p.byteOffset, L.size);
      const family = p[f.family.offset];
      if (family !== AF_INET && family !== AF_INET6) return -ERRNO.EAFNOSUPPORT;
      const dstLen = family === AF_INET ? 4 : 16, dstOff = f.ipv4_dst.offset;
      const r = env.fib.lookup(family, p.subarray(dstOff, dstOff + dstLen));
      if (!r) return BPF_FIB_LKUP_RET.NOT_FWDED;
      const totLen = dv.getUint16(f.tot_len.offset, true);
      const checkMtu = ctx instanceof XdpContext || totLen !== 0;
      if (checkMtu && totLen > r.mtu) { dv.setUint16(f.mtu_result.offset, r.mtu, true); return BPF_FIB_LKUP_RET.FRAG_NEEDED; }
      dv.setUint32(f.rt_metric.offset, 0, true);
      dv.setUint32(f.ifindex.offset, r.ifindex, true);
      if (r.gw) p.set(r.gw, dstOff);
      if (!(flags & BPF_FIB_LOOKUP.SKIP_NEIGH)) p.set(r.dmac, f.dmac.offset);
      p.set(r.smac, f.smac.offset);
      dv.setUint16(f.h_vlan_proto.offset, 0, true);
      dv.setUint16(f.h_vlan_TCI.offset, 0, true);
      dv.setUint16(f.mtu_result.offset, r.mtu, true);
      // tc without tot_len: the skb itself must fit the output device (is_skb_forwardable).
      if (ctx instanceof SkbContext && !checkMtu && ctx.len > r.mtu + ETH_HLEN + VLAN_HLEN) return BPF_FIB_LKUP_RET.FRAG_NEEDED;
      return BPF_FIB_LKUP_RET.SUCCESS;
    }],
  ]);
}
