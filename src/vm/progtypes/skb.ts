/**
 * `struct __sk_buff` program types (sched_cls, sched_act, socket_filter, cgroup_skb) as
 * BPF_PROG_TEST_RUN builds them (net/bpf/test_run.c, bpf_prog_test_run_skb): the frame is put in
 * an skb on the loopback device, `eth_type_trans` sets protocol and pkt_type, tc programs see the
 * packet from the MAC header, the others from the network header (and get the 14 bytes before
 * it zeroed in data_out); ctx_in/ctx_out carry only the fields the kernel converts.
 */
import { SK_BUFF } from '../../uapi/index.js';
import type { Memory } from '../memory.js';
import { RegionKind } from '../memory.js';
import { addCtxRegion, CtxRules, type CtxComputed, type FieldAccess } from './ctx.js';
import { E2BIG, EINVAL, ENODEV } from './errno.js';
import { TestRunError } from './testrun-error.js';
import { allocOut } from './slab.js';

/** Program-type families of `__sk_buff` (access rules differ). */
export type SkbFamily = 'tc' | 'socket' | 'cgroup';

const R: FieldAccess = { read: true }, RW: FieldAccess = { read: true, write: true };
const COMMON: Record<string, FieldAccess> = {
  len: R, pkt_type: R, mark: R, queue_mapping: R, protocol: R, vlan_present: R, vlan_tci: R, vlan_proto: R,
  priority: R, ingress_ifindex: R, ifindex: R, tc_index: R, cb: RW, hash: R, napi_id: R, gso_segs: R, gso_size: R, tstamp: R,
};
/** Which `__sk_buff` fields each family reads and writes (the kernel's *_is_valid_access). */
const ACCESS: Record<SkbFamily, Record<string, FieldAccess>> = {
  socket: COMMON,
  cgroup: { ...COMMON, mark: RW, priority: RW, data: R, data_end: R },
  tc: {
    ...COMMON, mark: RW, priority: RW, tc_index: RW, queue_mapping: RW, tc_classid: RW, tstamp: RW,
    data: R, data_end: R, data_meta: R, wire_len: R, tstamp_type: R, hwtstamp: R,
  },
};
const POINTERS = new Set(['data', 'data_end', 'data_meta']);
const RULES: Record<SkbFamily, CtxRules> = {
  socket: new CtxRules(SK_BUFF, ACCESS.socket, POINTERS),
  cgroup: new CtxRules(SK_BUFF, ACCESS.cgroup, POINTERS),
  tc: new CtxRules(SK_BUFF, ACCESS.tc, POINTERS),
};

/** Linux constants of the skb test-run. */
export const ETH_HLEN = 14;
const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_802_3_MIN = 0x0600, ETH_P_802_3 = 0x0001, ETH_P_802_2 = 0x0004;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64: headroom of the test-run skb. */
export const SKB_HEADROOM = 64;
/** PAGE_SIZE - headroom - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)): the largest frame. */
export const SKB_MAX_FRAME = 4096 - SKB_HEADROOM - 320;
/** Minimum headers the kernel insists on for IPv4/IPv6 frames (measured: 34 and 54 bytes). */
const MIN_L3: Record<number, number> = { [ETH_P_IP]: 20, [ETH_P_IPV6]: 40 };
/** PACKET_* pkt_type values. */
const PACKET_HOST = 0, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3;
const F = SK_BUFF.fields;
/** __sk_buff fields test-run copies in from ctx_in (everything else must be zero). */
const CTX_IN_FIELDS = ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'cb', 'tstamp', 'wire_len', 'gso_segs', 'gso_size', 'hwtstamp'];
/** __sk_buff fields test-run writes back to ctx_out (convert_skb_to___skb). */
const CTX_OUT_FIELDS = ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'tstamp', 'cb', 'wire_len', 'gso_segs', 'hwtstamp'];
const GSO_MAX_SEGS = 65535, GSO_LEGACY_MAX_SIZE = 65536;

/** Where a redirect helper sent the packet. */
export interface RedirectTarget {
  ifindex: number;
  flags: number;
  /** Redirect map name and key (bpf_redirect_map). */
  map?: string;
  key?: number;
}

/** An skb as a program sees it: packet buffer with MAC/network header offsets, `__sk_buff` shadow. */
export class SkbContext implements CtxComputed {
  readonly shadow = new Uint8Array(SK_BUFF.size);
  readonly view = new DataView(this.shadow.buffer);
  readonly ctxRegion: number;
  readonly pktRegion: number;
  /** Packet storage; [data, end) is the skb's linear data. */
  buf: Uint8Array;
  mac: number;
  net: number;
  data: number;
  end: number;
  /** Set by bpf_redirect / bpf_clone_redirect. */
  redirect?: RedirectTarget;
  /** Clones sent by bpf_clone_redirect (target and frame). */
  readonly clones: { target: RedirectTarget; frame: Uint8Array }[] = [];
  /** Tunnel metadata set by bpf_skb_set_tunnel_key (the raw struct bpf_tunnel_key) and options. */
  tunnelKey?: Uint8Array;
  tunnelOpt?: Uint8Array;
  /** Whether the hash is a valid software/L4 hash (bpf_set_hash / get_hash_recalc). */
  hashValid = false;
  /** Hardware-accelerated VLAN tag (bpf_skb_vlan_push): proto (host order) and tci. */
  vlan?: { proto: number; tci: number };

  /** The regions and buffers are made once; {@link reset} loads each run's input into them. */
  constructor(readonly mem: Memory, readonly family: SkbFamily, readonly typeName: string) {
    this.buf = new Uint8Array(SKB_HEADROOM + 1514);
    this.mac = this.net = this.data = this.end = SKB_HEADROOM;
    this.pktRegion = mem.addRegion(this.buf, family === 'tc', { kind: RegionKind.Packet, name: 'packet', start: this.data, end: this.end });
    this.ctxRegion = addCtxRegion(mem, this.shadow, RULES[family], typeName, this);
  }

  /** Builds the skb of a test-run from `frame` and ctx_in (bpf_prog_test_run_skb), refusing what the kernel refuses. */
  reset(frame: Uint8Array, ctxIn?: Uint8Array): void {
    checkFrame(frame, ctxIn);
    const need = SKB_HEADROOM + frame.length;
    if (this.buf.length < need) this.buf = new Uint8Array(Math.max(need, this.buf.length * 2));
    this.buf.fill(0);
    this.buf.set(frame, SKB_HEADROOM);
    this.mac = SKB_HEADROOM;
    this.net = this.mac + ETH_HLEN;
    this.end = this.mac + frame.length;
    this.data = this.family === 'tc' ? this.mac : this.net;
    this.redirect = undefined;
    this.clones.length = 0;
    this.tunnelKey = this.tunnelOpt = undefined;
    this.hashValid = false;
    this.vlan = undefined;
    this.shadow.fill(0);
    const v = this.view;
    // eth_type_trans on the loopback device (address 00:00:00:00:00:00, no broadcast address).
    const multicast = frame[0] & 1, host = (frame[0] | frame[1] | frame[2] | frame[3] | frame[4] | frame[5]) === 0;
    v.setUint32(F.pkt_type.offset, host ? PACKET_HOST : multicast ? PACKET_MULTICAST : PACKET_OTHERHOST, true);
    const proto = (frame[12] << 8) | frame[13];
    const l3 = proto >= ETH_P_802_3_MIN ? proto : frame[14] === 0xff && frame[15] === 0xff ? ETH_P_802_3 : ETH_P_802_2;
    this.setProtocol(l3);
    if (ctxIn) {
      const c = new DataView(ctxIn.buffer, ctxIn.byteOffset, ctxIn.byteLength);
      for (const name of CTX_IN_FIELDS) this.shadow.set(ctxIn.subarray(F[name].offset, F[name].offset + F[name].size), F[name].offset);
      const len = this.end - this.mac; // skb->len when the ctx is converted (the MAC header is pushed for tc only)
      const skbLen = this.family === 'tc' ? len : len - ETH_HLEN;
      const wire = c.getUint32(F.wire_len.offset, true);
      v.setUint32(F.wire_len.offset, wire === 0 ? skbLen : wire, true);
      if (wire !== 0 && (wire < skbLen || wire > GSO_LEGACY_MAX_SIZE)) throw new TestRunError(`ctx_in wire_len ${wire} is shorter than the packet or too large`, EINVAL);
    }
    // Test-run uses the loopback device (ctx_in's ifindex 0 or 1 both mean it).
    v.setUint32(F.ifindex.offset, 1, true);
    this.sync();
  }

  /** skb->len. */
  get len(): number {
    return this.end - this.data;
  }

  /** skb->protocol (host order). */
  get protocol(): number {
    return (this.shadow[F.protocol.offset] << 8) | this.shadow[F.protocol.offset + 1];
  }

  /** Sets skb->protocol (host order; stored big-endian like the __be16 it is). */
  setProtocol(p: number): void {
    this.shadow[F.protocol.offset] = p >> 8;
    this.shadow[F.protocol.offset + 1] = p & 0xff;
  }

  computed(field: string, out: Int32Array, at: number): boolean {
    let v: number;
    switch (field) {
      case 'data': case 'data_meta': out[at] = this.data; out[at + 1] = this.pktRegion; return true;
      case 'data_end': out[at] = this.end; out[at + 1] = this.pktRegion; return true;
      case 'len': v = this.end - this.data; break;
      case 'vlan_present': v = this.vlan ? 1 : 0; break;
      case 'vlan_tci': v = this.vlan?.tci ?? 0; break;
      case 'vlan_proto': v = this.vlan ? ((this.vlan.proto & 0xff) << 8) | (this.vlan.proto >> 8) : 0; break;
      default: return false;
    }
    out[at] = v;
    out[at + 1] = 0;
    return true;
  }

  /** A u32 field of the shadow `__sk_buff`. */
  field(name: string): number {
    return this.view.getUint32(F[name].offset, true);
  }

  setField(name: string, value: number): void {
    this.view.setUint32(F[name].offset, value >>> 0, true);
  }

  /**
   * Makes room for `head` more bytes before `data` and `tail` more after `end` (reallocating the
   * buffer like pskb_expand_head), then moves the program's packet window to [data, end).
   */
  reserve(head: number, tail: number): void {
    const haveHead = this.data, haveTail = this.buf.length - this.end;
    if (head > haveHead || tail > haveTail) {
      const addHead = Math.max(0, head - haveHead), addTail = Math.max(0, tail - haveTail);
      const nb = new Uint8Array(this.buf.length + addHead + addTail);
      nb.set(this.buf, addHead);
      this.buf = nb;
      this.mac += addHead; this.net += addHead; this.data += addHead; this.end += addHead;
    }
    this.sync();
  }

  /** Re-publishes the packet window after helpers changed data/end/buf. */
  sync(): void {
    if (this.mem.bytes[this.pktRegion] === this.buf) this.mem.setBounds(this.pktRegion, this.data, this.end);
    else this.mem.setBytes(this.pktRegion, this.buf, this.data, this.end);
  }

  /** The packet as test-run's data_out reports it (non-tc types: 14 zero bytes before the network header). */
  dataOut(): Uint8Array {
    if (this.family === 'tc') {
      const tc = allocOut(this.end - this.data);
      tc.set(this.buf.subarray(this.data, this.end));
      return tc;
    }
    const out = allocOut(ETH_HLEN + this.end - this.data);
    out.set(this.buf.subarray(this.data, this.end), ETH_HLEN);
    return out;
  }

  /** ctx_out: ctx_in with the fields convert_skb_to___skb writes. */
  ctxOut(ctxIn: Uint8Array): Uint8Array {
    const out = new Uint8Array(SK_BUFF.size);
    out.set(ctxIn.subarray(0, SK_BUFF.size));
    for (const name of CTX_OUT_FIELDS) out.set(this.shadow.subarray(F[name].offset, F[name].offset + F[name].size), F[name].offset);
    return out;
  }

  /** Releases the regions. */
  dispose(): void {
    this.mem.removeRegion(this.ctxRegion);
    this.mem.removeRegion(this.pktRegion);
  }
}

/** The refusals of bpf_prog_test_run_skb, with the kernel's errno (measured on Linux 6.18). */
function checkFrame(frame: Uint8Array, ctxIn?: Uint8Array): void {
  if (frame.length < ETH_HLEN) throw new TestRunError(`packet of ${frame.length} bytes is shorter than an Ethernet header`, EINVAL);
  if (frame.length > SKB_MAX_FRAME) throw new TestRunError(`packet of ${frame.length} bytes exceeds the ${SKB_MAX_FRAME}-byte skb test-run limit`, EINVAL);
  const proto = (frame[12] << 8) | frame[13];
  const min = MIN_L3[proto];
  if (min !== undefined && frame.length < ETH_HLEN + min) {
    throw new TestRunError(`${proto === ETH_P_IP ? 'IPv4' : 'IPv6'} packet of ${frame.length} bytes is shorter than its ${min}-byte network header`, EINVAL);
  }
  if (!ctxIn) return;
  checkCtxTail(ctxIn, SK_BUFF.size);
  // Every byte outside the convertible fields must be zero (convert___skb_to_skb).
  const allowed = new Uint8Array(SK_BUFF.size);
  for (const name of CTX_IN_FIELDS) allowed.fill(1, F[name].offset, F[name].offset + F[name].size);
  for (let i = 0; i < Math.min(ctxIn.length, SK_BUFF.size); i++) {
    if (ctxIn[i] !== 0 && !allowed[i]) throw new TestRunError(`ctx_in byte ${i} must be zero (only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size, hwtstamp may be set)`, EINVAL);
  }
  const c = new DataView(ctxIn.buffer, ctxIn.byteOffset, ctxIn.byteLength);
  const get = (name: string) => (F[name].offset + 4 <= ctxIn.length ? c.getUint32(F[name].offset, true) : 0);
  if (get('ifindex') > 1) throw new TestRunError(`ctx_in ifindex ${get('ifindex')}: the VM test-run has only the loopback device`, ENODEV);
  if (get('gso_segs') > GSO_MAX_SEGS) throw new TestRunError(`ctx_in gso_segs ${get('gso_segs')} exceeds ${GSO_MAX_SEGS}`, EINVAL);
}

/** bpf_ctx_init: a ctx_in longer than the struct must be zero beyond it (else -E2BIG). */
export function checkCtxTail(ctxIn: Uint8Array, size: number): void {
  for (let i = size; i < ctxIn.length; i++) {
    if (ctxIn[i] !== 0) throw new TestRunError(`ctx_in has non-zero bytes beyond the ${size}-byte context`, E2BIG);
  }
}
