/**
 * XDP as BPF_PROG_TEST_RUN builds it (bpf_prog_test_run_xdp): a page-sized frame with
 * XDP_PACKET_HEADROOM before the data, metadata taken from the start of data_in when ctx_in says
 * so, the skb_shared_info tailroom at the end, data beyond the linear part as fragments; data_out
 * starts at data_meta.
 */
import { XDP_MD } from '../../uapi/index.js';
import { PacketBuffer, XDP_PACKET_HEADROOM, type Memory } from '../memory.js';
import { addCtxRegion, CtxRules, type CtxComputed } from './ctx.js';
import { EINVAL, ENOMEM } from './errno.js';
import { checkCtxTail, ETH_HLEN, type RedirectTarget } from './skb.js';
import { TestRunError } from './testrun-error.js';
import { allocOut } from './slab.js';

/** PAGE_SIZE: the test-run frame size (frame_sz). */
export const XDP_FRAME_SIZE = 4096;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: tailroom reserved at the frame's end. */
export const XDP_SHINFO_SIZE = 320;
/** sizeof(struct xdp_frame): kept free at the start of the headroom (bpf_xdp_adjust_head/meta). */
export const XDP_FRAME_STRUCT = 40;
/** MAX_SKB_FRAGS: fragments a frame may have. */
export const MAX_SKB_FRAGS = 17;
/** Largest metadata area (xdp_metalen_invalid: what skb_shared_info's u8 meta_len holds). */
export const XDP_META_MAX = 255;

const R = { read: true };
const RULES = new CtxRules(XDP_MD, { data: R, data_end: R, data_meta: R, ingress_ifindex: R, rx_queue_index: R, egress_ifindex: R },
  new Set(['data', 'data_end', 'data_meta']));
const F = XDP_MD.fields;

/** The xdp_buff of one run. */
export class XdpContext implements CtxComputed {
  readonly shadow = new Uint8Array(XDP_MD.size);
  private readonly view = new DataView(this.shadow.buffer);
  readonly ctxRegion: number;
  readonly pkt: PacketBuffer;
  /**
   * Data beyond the linear part, in page-sized fragments as the kernel builds them (the program
   * cannot address them directly; bpf_xdp_adjust_tail grows or shrinks them).
   */
  readonly frags: Uint8Array[] = [];
  /** Set by bpf_redirect / bpf_redirect_map. */
  redirect?: RedirectTarget;

  /** The frame buffer and regions are made once; {@link reset} loads each run's input into them. */
  constructor(readonly mem: Memory) {
    this.pkt = new PacketBuffer(mem, new Uint8Array(0), XDP_PACKET_HEADROOM, XDP_FRAME_SIZE - XDP_SHINFO_SIZE - XDP_PACKET_HEADROOM);
    this.ctxRegion = addCtxRegion(mem, this.shadow, RULES, 'xdp', this);
  }

  /** Builds the xdp_buff of a test-run (bpf_prog_test_run_xdp), refusing what the kernel refuses. */
  reset(dataIn: Uint8Array, ctxIn?: Uint8Array): void {
    if (dataIn.length < ETH_HLEN) throw new TestRunError(`packet of ${dataIn.length} bytes is shorter than an Ethernet header`, EINVAL);
    let metalen = 0;
    const v = this.view;
    this.shadow.fill(0);
    if (ctxIn) {
      checkCtxTail(ctxIn, XDP_MD.size);
      this.shadow.set(ctxIn.subarray(0, XDP_MD.size));
      const get = (f: string) => v.getUint32(F[f].offset, true);
      const data = get('data');
      if (get('data_meta') !== 0 || get('data_end') > dataIn.length || data > get('data_end') || data & 3 || data > XDP_META_MAX) {
        throw new TestRunError('ctx_in: data_meta must be 0, data_end at most the packet length, data a metadata length (multiple of 4, at most 252) before it', EINVAL);
      }
      if (get('egress_ifindex') !== 0) throw new TestRunError('ctx_in: egress_ifindex must be 0', EINVAL);
      if (get('ingress_ifindex') !== 0 || get('rx_queue_index') !== 0) {
        throw new TestRunError('ctx_in: ingress_ifindex/rx_queue_index need a device with a registered XDP rx queue, which the VM does not simulate', EINVAL);
      }
      metalen = data;
    }
    const headroom = XDP_PACKET_HEADROOM - metalen;
    const maxLinear = XDP_FRAME_SIZE - headroom - XDP_SHINFO_SIZE;
    // ctx_in's data_end sets the linear part (measured on 6.18); the rest goes to fragments.
    const linearLen = Math.min(ctxIn ? v.getUint32(F.data_end.offset, true) : dataIn.length, maxLinear);
    this.frags.length = 0;
    for (let at = linearLen; at < dataIn.length; at += XDP_FRAME_SIZE) this.frags.push(dataIn.slice(at, at + XDP_FRAME_SIZE));
    if (this.frags.length > MAX_SKB_FRAGS) throw new TestRunError(`packet of ${dataIn.length} bytes needs more than ${MAX_SKB_FRAGS} fragments`, ENOMEM);
    const buf = this.pkt.buf;
    buf.fill(0);
    buf.set(dataIn.subarray(0, linearLen), headroom);
    this.pkt.setWindow(headroom, headroom + metalen, headroom + linearLen);
    v.setUint32(F.ingress_ifindex.offset, 1, true); // the loopback device's rx queue
    this.redirect = undefined;
  }

  computed(field: string, out: Int32Array, at: number): boolean {
    const p = this.pkt;
    switch (field) {
      case 'data': out[at] = p.data; break;
      case 'data_end': out[at] = p.end; break;
      case 'data_meta': out[at] = p.meta; break;
      default: return false;
    }
    out[at + 1] = p.region;
    return true;
  }

  /** Start of the usable headroom (after the struct xdp_frame the kernel keeps there). */
  get frameEnd(): number {
    return XDP_FRAME_STRUCT;
  }

  /** Bytes in fragments. */
  get fragsLength(): number {
    return this.frags.reduce((n, f) => n + f.length, 0);
  }

  /** The frame from data on: the linear part, then the fragments (xdp_get_buff_len bytes). */
  frame(): Uint8Array {
    return this.dataOut().subarray(this.pkt.data - this.pkt.meta);
  }

  /** data_out: from data_meta to the end, then the fragments. */
  dataOut(): Uint8Array {
    const p = this.pkt;
    const out = allocOut(p.end - p.meta + this.fragsLength);
    out.set(p.buf.subarray(p.meta, p.end));
    let at = p.end - p.meta;
    for (const f of this.frags) { out.set(f, at); at += f.length; }
    return out;
  }

  /** ctx_out: ctx_in with data/data_end relative to data_meta (xdp_convert_buff_to_md). */
  ctxOut(ctxIn: Uint8Array): Uint8Array {
    const out = new Uint8Array(XDP_MD.size);
    out.set(ctxIn.subarray(0, XDP_MD.size));
    const v = new DataView(out.buffer), p = this.pkt;
    v.setUint32(F.data.offset, p.data - p.meta, true);
    v.setUint32(F.data_end.offset, p.end - p.meta, true);
    return out;
  }

  dispose(): void {
    this.mem.removeRegion(this.ctxRegion);
    this.mem.removeRegion(this.pkt.region);
  }
}
