/**
 * `__sk_buff` helpers (net/core/filter.c) over {@link SkbContext}: byte access, checksums,
 * redirects, VLAN tags, protocol/size changes, hash and tunnel metadata. The test-run skb has
 * `ip_summed == CHECKSUM_NONE`, so checksum helpers only fix the checksum fields in the packet.
 */
import { VmFault } from '../../errors.js';
import { BPF_FUNC, TC_ACT } from '../../uapi/index.js';
import type { Helper, HelperVm } from '../program.js';
import { ctxObject } from '../progtypes/ctx.js';
import { EFAULT, EINVAL, ENOENT, ENOMEM, ENOTSUPP } from '../progtypes/errno.js';
import { ETH_HLEN, SkbContext } from '../progtypes/skb.js';
import { memArg, num, u32, u64 } from './args.js';
import { csumFrom32to16, csumPartial, csumSub, csumReplace2, csumReplace4, csumReplaceByDiff, readSum, writeSum } from './csum.js';
import { runningCtx, type HelperDeps } from './deps.js';
import { jhash } from '../maps/jhash.js';

const BPF_F_RECOMPUTE_CSUM = 1, BPF_F_INVALIDATE_HASH = 2;
const BPF_F_HDR_FIELD_MASK = 0xf, BPF_F_PSEUDO_HDR = 0x10, BPF_F_MARK_MANGLED_0 = 0x20, BPF_F_MARK_ENFORCE = 0x40, BPF_F_IPV6 = 0x80;
const CSUM_MANGLED_0 = 0xffff;
const BPF_F_INGRESS = 1;
const BPF_HDR_START_MAC = 0, BPF_HDR_START_NET = 1;
/** BPF_SKB_MAX_LEN / the 0xfff limit of bpf_skb_adjust_room. */
const BPF_SKB_MAX_LEN = 0xffff;
const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_8021Q = 0x8100, ETH_P_8021AD = 0x88a8;
const VLAN_HLEN = 4;
const BPF_ADJ_ROOM_NET = 0, BPF_ADJ_ROOM_MAC = 1;
/** struct bpf_tunnel_key sizes accepted (full struct, and the older layouts). */
const TUNNEL_KEY_SIZES = [44, 40, 28, 24, 8];
const BPF_F_TUNINFO_IPV6 = 1, BPF_F_TUNINFO_FLAGS = 16;
const TUNNEL_SET_FLAGS = 1 | 2 | 4 | 8 | 16;
const IP_TUNNEL_OPTS_MAX = 255 & ~3;
/** BPF_F_INDEX_MASK / BPF_F_CTXLEN_MASK of bpf_perf_event_output. */
export const BPF_F_INDEX_MASK = 0xffffffff, BPF_F_CTXLEN_SHIFT = 32, BPF_F_CTXLEN_MAX = 0xfffff;

const skbOf = (vm: HelperVm) => ctxObject(vm, 1, SkbContext, '__sk_buff');
const isVlan = (p: number) => p === ETH_P_8021Q || p === ETH_P_8021AD;

/** A writable span of the skb's data [off, off+len) (bpf_try_make_writable), or undefined. */
function span(s: SkbContext, off: number, len: number): number | undefined {
  return off < 0 || off + len > s.len ? undefined : s.data + off;
}

/** Inserts `n` zero bytes at buffer offset `at` (headers before `at` move towards the head). */
function insert(s: SkbContext, at: number, n: number): void {
  const rel = at - s.data;
  s.reserve(n, 0);
  const pos = s.data + rel;
  s.buf.copyWithin(s.data - n, s.data, pos);
  s.buf.fill(0, pos - n, pos);
  s.data -= n; s.mac -= n;
  if (s.net <= pos) s.net -= n;
  s.sync();
}

/** Removes `n` bytes at buffer offset `at` (headers before it move towards the tail). */
function remove(s: SkbContext, at: number, n: number): void {
  s.buf.copyWithin(s.data + n, s.data, at);
  s.data += n; s.mac += n;
  if (s.net <= at) s.net += n;
  s.sync();
}

/** Helpers of tc programs (and the subsets socket filters / cgroup_skb are allowed). */
export function skbHelpers(deps: HelperDeps): Map<number, Helper> {
  const loadBytes = (s: SkbContext, base: number, off: number, vm: HelperVm): number => {
    const len = num(vm, 4);
    const to = memArg(vm, 3, len, true);
    const at = base + off;
    if (off > 0xffff || off < 0 || at < s.mac || at + len > s.end) { to.fill(0); return -EFAULT; }
    to.set(s.buf.subarray(at, at + len));
    return 0;
  };
  /** The __sum16 at the offset in r2 (even, at most 0xffff, inside the packet) or -EFAULT. */
  const csumAt = (vm: HelperVm): { s: SkbContext; at: number } | number => {
    const s = skbOf(vm), off = u64(vm, 2);
    if (off > 0xffff || off & 1) return -EFAULT;
    const at = span(s, off, 2);
    return at === undefined ? -EFAULT : { s, at };
  };
  return new Map<number, Helper>([
    [BPF_FUNC.skb_load_bytes, (vm) => {
      const s = skbOf(vm), off = u64(vm, 2), len = num(vm, 4);
      const to = memArg(vm, 3, len, true);
      const at = off > 0x7fffffff ? undefined : s.data + off;
      if (at === undefined || at + len > s.end) { to.fill(0); return -EFAULT; }
      to.set(s.buf.subarray(at, at + len));
      return 0;
    }],
    [BPF_FUNC.skb_load_bytes_relative, (vm) => {
      const s = skbOf(vm), hdr = num(vm, 5);
      if (hdr !== BPF_HDR_START_MAC && hdr !== BPF_HDR_START_NET) { memArg(vm, 3, num(vm, 4), true).fill(0); return -EFAULT; }
      return loadBytes(s, hdr === BPF_HDR_START_MAC ? s.mac : s.net, u64(vm, 2), vm);
    }],
    [BPF_FUNC.skb_store_bytes, (vm) => {
      const s = skbOf(vm), off = u64(vm, 2), len = num(vm, 4), flags = num(vm, 5);
      const from = memArg(vm, 3, len, false);
      if (flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) return -EINVAL;
      if (off > 0x7fffffff) return -EFAULT;
      const at = span(s, off, len);
      if (at === undefined) return -EFAULT;
      s.buf.set(from, at);
      if (flags & BPF_F_INVALIDATE_HASH) clearHash(s);
      return 0;
    }],
    [BPF_FUNC.l3_csum_replace, (vm) => {
      const flags = num(vm, 5);
      if (flags & ~BPF_F_HDR_FIELD_MASK) return -EINVAL;
      const r = csumAt(vm);
      if (typeof r === 'number') return r;
      const { s, at } = r, from = u32(vm, 3), to = u32(vm, 4), sum = readSum(s.buf, at);
      switch (flags & BPF_F_HDR_FIELD_MASK) {
        case 0: if (num(vm, 3) !== 0) return -EINVAL; writeSum(s.buf, at, csumReplaceByDiff(sum, to)); break;
        case 2: writeSum(s.buf, at, csumReplace2(sum, from & 0xffff, to & 0xffff)); break;
        case 4: writeSum(s.buf, at, csumReplace4(sum, from, to)); break;
        default: return -EINVAL;
      }
      return 0;
    }],
    [BPF_FUNC.l4_csum_replace, (vm) => {
      const flags = num(vm, 5);
      if (flags & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6)) return -EINVAL;
      const r = csumAt(vm);
      if (typeof r === 'number') return r;
      const { s, at } = r, from = u32(vm, 3), to = u32(vm, 4), sum = readSum(s.buf, at);
      const mmzero = (flags & BPF_F_MARK_MANGLED_0) !== 0;
      if (mmzero && !(flags & BPF_F_MARK_ENFORCE) && sum === 0) return 0;
      // CHECKSUM_NONE: the pseudo-header flag changes only skb->csum, which the test-run skb does not use.
      switch (flags & BPF_F_HDR_FIELD_MASK) {
        case 0: if (num(vm, 3) !== 0) return -EINVAL; writeSum(s.buf, at, csumReplaceByDiff(sum, to)); break;
        case 2: writeSum(s.buf, at, csumReplace4(sum, from & 0xffff, to & 0xffff)); break;
        case 4: writeSum(s.buf, at, csumReplace4(sum, from, to)); break;
        default: return -EINVAL;
      }
      if (mmzero && readSum(s.buf, at) === 0) writeSum(s.buf, at, CSUM_MANGLED_0);
      return 0;
    }],
    [BPF_FUNC.csum_diff, (vm) => {
      const fromSize = num(vm, 2), toSize = num(vm, 4), seed = u32(vm, 5);
      if ((fromSize | toSize) & 3) return -EINVAL;
      const from = memArg(vm, 1, fromSize, false), to = memArg(vm, 3, toSize, false);
      if (fromSize && toSize) return csumFrom32to16(csumSub(csumPartial(to, seed), csumPartial(from, 0)));
      if (toSize) return csumFrom32to16(csumPartial(to, seed));
      if (fromSize) return csumFrom32to16(~csumPartial(from, ~seed >>> 0) >>> 0);
      return seed;
    }],
    // CHECKSUM_NONE: there is no skb->csum to update (the kernel returns -ENOTSUPP).
    [BPF_FUNC.csum_update, (vm) => { skbOf(vm); return -ENOTSUPP; }],
    [BPF_FUNC.redirect, (vm) => {
      const flags = num(vm, 2);
      if (flags & ~BPF_F_INGRESS) return TC_ACT.SHOT;
      runningCtx(deps, SkbContext, 'bpf_redirect', vm.pc).redirect = { ifindex: u32(vm, 1), flags };
      return TC_ACT.REDIRECT;
    }],
    [BPF_FUNC.clone_redirect, (vm) => {
      const s = skbOf(vm), flags = num(vm, 3);
      if (flags & ~BPF_F_INGRESS) return -EINVAL;
      s.clones.push({ target: { ifindex: u32(vm, 2), flags }, frame: s.buf.slice(s.mac, s.end) });
      return 0;
    }],
    [BPF_FUNC.skb_vlan_push, (vm) => {
      const s = skbOf(vm);
      let proto = vm.lo(2) & 0xffff;
      proto = ((proto & 0xff) << 8) | (proto >> 8); // __be16 → host
      if (!isVlan(proto)) return -EINVAL;
      if (s.vlan) {
        if (s.data !== s.mac) return -EINVAL;
        insertTag(s, s.vlan.proto, s.vlan.tci);
        s.setProtocol(s.vlan.proto);
      }
      s.vlan = { proto, tci: vm.lo(3) & 0xffff };
      return 0;
    }],
    [BPF_FUNC.skb_vlan_pop, (vm) => {
      const s = skbOf(vm);
      if (s.vlan) s.vlan = undefined;
      else {
        if (!isVlan(s.protocol)) return 0;
        const r = popTag(s);
        if (r < 0) return r;
      }
      if (!isVlan(s.protocol)) return 0;
      const proto = s.protocol;
      const tci = popTag(s);
      if (tci < 0) return tci;
      s.vlan = { proto, tci };
      return 0;
    }],
    [BPF_FUNC.skb_change_type, (vm) => {
      const s = skbOf(vm), t = u32(vm, 2);
      if (s.field('pkt_type') > 3 || t > 3) return -EINVAL;
      s.setField('pkt_type', t);
      return 0;
    }],
    [BPF_FUNC.skb_change_proto, (vm) => {
      const s = skbOf(vm);
      let p = vm.lo(2) & 0xffff;
      p = ((p & 0xff) << 8) | (p >> 8);
      if (num(vm, 3) !== 0) return -EINVAL;
      const from = s.protocol;
      if (from === ETH_P_IP && p === ETH_P_IPV6) insert(s, s.net, 20);
      else if (from === ETH_P_IPV6 && p === ETH_P_IP) {
        if (s.end - s.net < 20) return -EINVAL;
        remove(s, s.net, 20);
      } else return -ENOTSUPP;
      s.setProtocol(p);
      clearHash(s);
      return 0;
    }],
    [BPF_FUNC.skb_change_head, (vm) => {
      const s = skbOf(vm), room = u32(vm, 2), newLen = s.len + room;
      if (num(vm, 3) !== 0 || newLen > BPF_SKB_MAX_LEN) return -EINVAL;
      s.reserve(room, 0);
      s.data -= room;
      s.buf.fill(0, s.data, s.data + room);
      s.mac = s.data;
      s.sync();
      return 0;
    }],
    [BPF_FUNC.skb_change_tail, (vm) => {
      const s = skbOf(vm), newLen = u32(vm, 2);
      const min = s.net - s.data;
      if (num(vm, 3) !== 0 || newLen > BPF_SKB_MAX_LEN || newLen < Math.max(min, 0)) return -EINVAL;
      if (newLen > s.len) {
        const grow = newLen - s.len;
        s.reserve(0, grow);
        s.buf.fill(0, s.end, s.end + grow);
      }
      s.end = s.data + newLen;
      s.sync();
      return 0;
    }],
    [BPF_FUNC.skb_adjust_room, (vm) => {
      const s = skbOf(vm), diff = vm.lo(2) | 0, mode = u32(vm, 3), flags = num(vm, 4);
      if (Math.abs(diff) > 0xfff) return -EFAULT;
      if (flags !== 0) throw new VmFault(`bpf_skb_adjust_room: flags 0x${flags.toString(16)} (encapsulation) are not supported by the VM`, { insn: vm.pc });
      const proto = s.protocol;
      if (proto !== ETH_P_IP && proto !== ETH_P_IPV6) return -ENOTSUPP;
      if (mode !== BPF_ADJ_ROOM_NET && mode !== BPF_ADJ_ROOM_MAC) return -ENOTSUPP;
      const base = proto === ETH_P_IP ? 20 : 40;
      const at = mode === BPF_ADJ_ROOM_MAC ? s.mac + ETH_HLEN : s.net + base;
      const cur = s.end - s.net;
      if (diff < 0) {
        if (-diff >= cur || cur + diff < base) return -ENOTSUPP;
        if (at - diff > s.end) return -ENOTSUPP;
        remove(s, at, -diff);
      } else if (diff > 0) {
        if (s.len + diff > BPF_SKB_MAX_LEN) return -ENOTSUPP;
        insert(s, at, diff);
      }
      return 0;
    }],
    [BPF_FUNC.skb_pull_data, (vm) => {
      const s = skbOf(vm), len = u32(vm, 2);
      return len > s.len ? -ENOMEM : 0;
    }],
    [BPF_FUNC.get_hash_recalc, (vm) => {
      const s = skbOf(vm);
      if (!s.hashValid) {
        // The kernel's flow hash is keyed by a boot-time random secret; the VM hashes the frame's headers instead.
        s.setField('hash', jhash(s.buf.subarray(s.net, Math.min(s.end, s.net + 40)), 0, Math.min(s.end, s.net + 40) - s.net, 0) || 1);
        s.hashValid = true;
      }
      return s.field('hash');
    }],
    [BPF_FUNC.set_hash, (vm) => {
      const s = skbOf(vm);
      s.setField('hash', u32(vm, 2));
      s.hashValid = true;
      return 0;
    }],
    [BPF_FUNC.set_hash_invalid, (vm) => { clearHash(skbOf(vm)); return 0; }],
    // The test-run skb owns a fresh socket: cookie of that socket, uid 0 (sock_init_data without an owner).
    [BPF_FUNC.get_socket_cookie, (vm) => { skbOf(vm); return 1; }],
    [BPF_FUNC.get_socket_uid, (vm) => { skbOf(vm); return 0; }],
    [BPF_FUNC.skb_get_tunnel_key, (vm) => {
      const s = skbOf(vm), size = num(vm, 3), flags = num(vm, 4);
      const to = memArg(vm, 2, size, true);
      to.fill(0);
      // Without tunnel info (a test-run skb has none until bpf_skb_set_tunnel_key) the kernel answers -EINVAL.
      if (!s.tunnelKey || flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS) || !TUNNEL_KEY_SIZES.includes(size)) return -EINVAL;
      to.set(s.tunnelKey.subarray(0, size));
      return 0;
    }],
    [BPF_FUNC.skb_set_tunnel_key, (vm) => {
      const s = skbOf(vm), size = num(vm, 3), flags = num(vm, 4);
      const from = memArg(vm, 2, size, false);
      if (flags & ~TUNNEL_SET_FLAGS || !TUNNEL_KEY_SIZES.includes(size) || size === 8) return -EINVAL;
      s.tunnelKey = new Uint8Array(44);
      s.tunnelKey.set(from);
      s.tunnelOpt = undefined;
      return 0;
    }],
    [BPF_FUNC.skb_get_tunnel_opt, (vm) => {
      const size = num(vm, 3);
      memArg(vm, 2, size, true).fill(0);
      return -ENOENT;
    }],
    [BPF_FUNC.skb_set_tunnel_opt, (vm) => {
      const s = skbOf(vm), size = num(vm, 3);
      const from = memArg(vm, 2, size, false);
      if (!s.tunnelKey || size & 3) return -EINVAL;
      if (size > IP_TUNNEL_OPTS_MAX) return -ENOMEM;
      s.tunnelOpt = from.slice();
      return 0;
    }],
  ]);
}

/** skb_clear_hash. */
function clearHash(s: SkbContext): void {
  s.setField('hash', 0);
  s.hashValid = false;
}

/** __vlan_insert_tag at the MAC header: 4 bytes after the addresses. */
function insertTag(s: SkbContext, proto: number, tci: number): void {
  insert(s, s.mac + 12, VLAN_HLEN);
  const b = s.buf, at = s.mac + 12;
  b[at] = proto >> 8; b[at + 1] = proto & 0xff; b[at + 2] = tci >> 8; b[at + 3] = tci & 0xff;
}

/** __skb_vlan_pop: removes the tag after the MAC addresses; returns its TCI or -errno. */
function popTag(s: SkbContext): number {
  if (s.end - s.mac < ETH_HLEN + VLAN_HLEN) return -ENOMEM;
  const at = s.mac + 12, b = s.buf;
  const tci = (b[at + 2] << 8) | b[at + 3];
  const inner = (b[at + 4] << 8) | b[at + 5];
  remove(s, at, VLAN_HLEN);
  s.setProtocol(inner >= 0x600 ? inner : 0x0004);
  if (s.net - s.mac < ETH_HLEN) s.net = s.mac + ETH_HLEN;
  return tci;
}

