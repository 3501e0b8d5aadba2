/** XDP helpers: bpf_xdp_adjust_head/meta/tail on the test-run frame geometry, redirects. */
import { VmFault } from '../../errors.js';
import { BPF_FUNC, XDP_ACTION } from '../../uapi/index.js';
import { RedirectArrayMap, DevmapHashMap } from '../maps/redirect.js';
import type { Helper } from '../program.js';
import { ctxObject } from '../progtypes/ctx.js';
import { EACCES, EINVAL } from '../progtypes/errno.js';
import { ETH_HLEN } from '../progtypes/skb.js';
import { XDP_FRAME_SIZE, XDP_META_MAX, XdpContext } from '../progtypes/xdp.js';
import { num } from './args.js';
import { runningCtx, type HelperDeps } from './deps.js';

/** BPF_F_ACTION_MASK (fallback action of bpf_redirect_map), BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS. */
const BPF_F_ACTION_MASK = 3, BPF_F_BROADCAST = 1 << 3, BPF_F_EXCLUDE_INGRESS = 1 << 4;

const xdp = (vm: Parameters<Helper>[0]) => ctxObject(vm, 1, XdpContext, 'xdp_md');
const s32 = (vm: Parameters<Helper>[0], r: number) => vm.lo(r);

/** XDP helpers. */
export function xdpHelpers(deps: HelperDeps): Map<number, Helper> {
  return new Map<number, Helper>([
    [BPF_FUNC.xdp_adjust_head, (vm) => {
      const x = xdp(vm), p = x.pkt, off = s32(vm, 2);
      const metalen = p.data - p.meta;
      const data = p.data + off;
      if (data < x.frameEnd + metalen || data > p.end - ETH_HLEN) return -EINVAL;
      if (metalen) p.buf.copyWithin(p.meta + off, p.meta, p.data);
      p.setWindow(p.meta + off, data, p.end);
      return 0;
    }],
    [BPF_FUNC.xdp_adjust_meta, (vm) => {
      const x = xdp(vm), p = x.pkt;
      const meta = p.meta + s32(vm, 2);
      if (meta < x.frameEnd || meta > p.data) return -EINVAL;
      const metalen = p.data - meta;
      if (metalen & 3 || metalen > XDP_META_MAX) return -EACCES;
      p.setWindow(meta, p.data, p.end);
      return 0;
    }],
    [BPF_FUNC.xdp_adjust_tail, (vm) => {
      const x = xdp(vm), p = x.pkt, off = s32(vm, 2);
      if (x.frags.length) return adjustFragsTail(x, off);
      const end = p.end + off;
      if (end > p.buf.length || end < p.data + ETH_HLEN) return -EINVAL;
      if (off > 0) p.buf.fill(0, p.end, end);
      p.setWindow(p.meta, p.data, end);
      return 0;
    }],
    [BPF_FUNC.redirect, (vm) => {
      const flags = num(vm, 2);
      if (flags !== 0) return XDP_ACTION.ABORTED;
      runningCtx(deps, XdpContext, 'bpf_redirect', vm.pc).redirect = { ifindex: vm.lo(1) >>> 0, flags };
      return XDP_ACTION.REDIRECT;
    }],
    [BPF_FUNC.redirect_map, (vm) => {
      const map = vm.mem.object(vm.lo(1), vm.hi(1));
      const key = vm.lo(2) >>> 0, flags = num(vm, 3);
      if (!(map instanceof RedirectArrayMap || map instanceof DevmapHashMap)) throw new VmFault('bpf_redirect_map: R1 is not a redirect map', { insn: vm.pc });
      if (flags & ~(BPF_F_ACTION_MASK | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS) || flags > 0xffffffff) return XDP_ACTION.ABORTED;
      const target = map.redirectTarget(key);
      if (target < 0 && !(flags & BPF_F_BROADCAST)) return flags & BPF_F_ACTION_MASK;
      runningCtx(deps, XdpContext, 'bpf_redirect', vm.pc).redirect = { ifindex: target, flags, map: map.name, key };
      return XDP_ACTION.REDIRECT;
    }],
  ]);
}


/** bpf_xdp_adjust_tail on a frame with fragments: grow the last one within its page, or shrink from the end. */
function adjustFragsTail(x: XdpContext, off: number): number {
  const frags = x.frags, p = x.pkt;
  if (off > 0) {
    const last = frags[frags.length - 1];
    if (off > XDP_FRAME_SIZE - last.length) return -EINVAL;
    const grown = new Uint8Array(last.length + off);
    grown.set(last);
    frags[frags.length - 1] = grown;
    return 0;
  }
  let shrink = -off;
  if (shrink > p.end - p.data + x.fragsLength - ETH_HLEN) return -EINVAL;
  while (shrink > 0 && frags.length) {
    const last = frags[frags.length - 1], cut = Math.min(shrink, last.length);
    shrink -= cut;
    if (cut === last.length) frags.pop();
    else frags[frags.length - 1] = last.subarray(0, last.length - cut);
  }
  if (!frags.length && shrink) p.setWindow(p.meta, p.data, p.end - shrink);
  return 0;
}
