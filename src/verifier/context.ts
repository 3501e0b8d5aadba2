/**
 * Context (`R1` at entry) access rules per program type: which offsets may be loaded or stored with
 * which sizes (probed from the kernel, tables.gen.ts; tracepoints follow the kernel's simple rule)
 * and which fields load as packet pointers instead of scalars.
 */
import { BPF_PROG_TYPE } from '../uapi/index.js';
import { SK_BUFF, XDP_MD, BPF_SOCK_OPS, BPF_SOCK_ADDR, BPF_XDP_SOCK } from '../uapi/structs.gen.js';
import { CTX_ACCESS_HEX, SOCK_ACCESS_HEX } from './tables.gen.js';
import { RegType } from './state.js';

/** PERF_MAX_TRACE_SIZE: the tracepoint context limit. */
const PERF_MAX_TRACE_SIZE = 8192;

const accessTables = new Map<string, Uint8Array>();
for (const [key, hex] of Object.entries(CTX_ACCESS_HEX)) accessTables.set(key, Uint8Array.from(Buffer.from(hex, 'hex')));
const decode = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
/** Socket read tables by register type (check_sock_access). */
const sockTables: Readonly<Record<number, Uint8Array>> = {
  [RegType.SOCKET]: decode(SOCK_ACCESS_HEX.sock),
  [RegType.SOCK_COMMON]: decode(SOCK_ACCESS_HEX.sock_common),
  [RegType.TCP_SOCK]: decode(SOCK_ACCESS_HEX.tcp_sock),
};
/** tableOf's last answer (a verifier asks for the same program type at every context access). */
let lastProg = -1, lastAttach = -1, lastTable: Uint8Array | undefined;
/** The probed table of a program type (per attach type where the kernel's rules depend on it). */
function tableOf(progType: number, attachType: number): Uint8Array | undefined {
  if (progType !== lastProg || attachType !== lastAttach) {
    lastTable = accessTables.get(`${progType}:${attachType}`) ?? accessTables.get(`${progType}`);
    lastProg = progType;
    lastAttach = attachType;
  }
  return lastTable;
}

const sizeBit = (size: number): number => (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3);

/** True when tsbpf models the context of this program type. */
export function ctxSupported(progType: number, attachType = 0): boolean {
  return tableOf(progType, attachType) !== undefined || progType === BPF_PROG_TYPE.TRACEPOINT;
}

/** True when a `size`-byte load (or store, `write`) at context offset `off` is allowed. */
export function ctxAccessOk(progType: number, attachType: number, off: number, size: number, write: boolean): boolean {
  if (progType === BPF_PROG_TYPE.TRACEPOINT) {
    return !write && off >= 8 && off < PERF_MAX_TRACE_SIZE && off % size === 0;
  }
  const t = tableOf(progType, attachType);
  if (!t || off < 0 || off >= t.length) return false;
  return (t[off] & (1 << (sizeBit(size) + (write ? 4 : 0)))) !== 0;
}

/** True when a `size`-byte load at `off` through a socket pointer of `type` is allowed. */
export function sockAccessOk(type: number, off: number, size: number): boolean {
  // bpf_xdp_sock_is_valid_access: only the 4-byte queue_id.
  if (type === RegType.XDP_SOCK) return off === BPF_XDP_SOCK.fields.queue_id.offset && size === 4;
  const t = sockTables[type];
  return off >= 0 && off < t.length && (t[off] & (1 << sizeBit(size))) !== 0;
}

const SKB_TYPES: readonly number[] = [BPF_PROG_TYPE.SOCKET_FILTER, BPF_PROG_TYPE.SCHED_CLS, BPF_PROG_TYPE.SCHED_ACT, BPF_PROG_TYPE.CGROUP_SKB,
  BPF_PROG_TYPE.LWT_IN, BPF_PROG_TYPE.LWT_OUT, BPF_PROG_TYPE.LWT_XMIT];
const f = SK_BUFF.fields, x = XDP_MD.fields, so = BPF_SOCK_OPS.fields;

/**
 * Register type a context load produces: a packet pointer for data/data_meta/data_end, a scalar
 * otherwise. Returns undefined for pointer fields tsbpf does not take from the context (`sk`: the
 * VM's contexts have no socket behind them; flow_keys).
 */
export function ctxLoadType(progType: number, off: number): number | undefined {
  if (progType === BPF_PROG_TYPE.XDP) {
    if (off === x.data.offset) return RegType.PKT;
    if (off === x.data_end.offset) return RegType.PKT_END;
    if (off === x.data_meta.offset) return RegType.PKT_META;
    return RegType.SCALAR;
  }
  if (SKB_TYPES.includes(progType)) {
    if (off === f.data.offset) return RegType.PKT;
    if (off === f.data_end.offset) return RegType.PKT_END;
    if (off === f.data_meta.offset) return RegType.PKT_META;
    if (off === f.sk.offset || off === f.flow_keys.offset) return undefined;
  }
  if (progType === BPF_PROG_TYPE.SOCK_OPS) {
    if (off === so.skb_data.offset) return RegType.PKT;
    if (off === so.skb_data_end.offset) return RegType.PKT_END;
    if (off === so.sk.offset) return undefined;
  }
  if (progType === BPF_PROG_TYPE.CGROUP_SOCK_ADDR && off === BPF_SOCK_ADDR.fields.sk.offset) return undefined;
  return RegType.SCALAR;
}

/** True when packet data may be written by this program type (may_access_direct_pkt_data, write). */
export function pktWritable(progType: number): boolean {
  return progType === BPF_PROG_TYPE.XDP || progType === BPF_PROG_TYPE.SCHED_CLS || progType === BPF_PROG_TYPE.SCHED_ACT ||
    progType === BPF_PROG_TYPE.LWT_XMIT;
}
