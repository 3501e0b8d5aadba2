/**
 * Tracing program types: the context is plain read-only memory given by ctx_in — a tracepoint's
 * record (common header included), a raw tracepoint's u64 arguments, `struct pt_regs` (x86-64)
 * for kprobe/uprobe, `struct bpf_perf_event_data` for perf_event. Shorter inputs are zero-padded
 * to the struct size.
 */
import { BPF_PERF_EVENT_DATA, BPF_PROG_TYPE, PT_REGS } from '../../uapi/index.js';
import { RegionKind, type Memory } from '../memory.js';
import { EINVAL } from './errno.js';
import { TestRunError } from './testrun-error.js';

/** MAX_BPF_FUNC_ARGS * sizeof(u64): the largest raw tracepoint context. */
export const RAW_TP_MAX_CTX = 12 * 8;

/** Fixed context sizes by program type (others take ctx_in's length). */
const FIXED_SIZE: Partial<Record<number, number>> = {
  [BPF_PROG_TYPE.KPROBE]: PT_REGS.size,
  [BPF_PROG_TYPE.PERF_EVENT]: BPF_PERF_EVENT_DATA.size,
};

/** The context of one tracing run. */
export class TraceContext {
  readonly bytes: Uint8Array;
  readonly ctxRegion: number;

  constructor(readonly mem: Memory, readonly type: number, ctxIn: Uint8Array = new Uint8Array(0), dataIn?: Uint8Array) {
    if (dataIn && dataIn.length) throw new TestRunError('tracing programs take no data_in (give the context with ctx_in)', EINVAL);
    const fixed = FIXED_SIZE[type];
    if (type === BPF_PROG_TYPE.RAW_TRACEPOINT && (ctxIn.length > RAW_TP_MAX_CTX || ctxIn.length % 8)) {
      throw new TestRunError(`raw tracepoint ctx_in must be at most ${RAW_TP_MAX_CTX / 8} u64 arguments`, EINVAL);
    }
    if (fixed !== undefined && ctxIn.length > fixed) throw new TestRunError(`ctx_in of ${ctxIn.length} bytes exceeds the ${fixed}-byte context`, EINVAL);
    this.bytes = new Uint8Array(fixed ?? ctxIn.length);
    this.bytes.set(ctxIn);
    this.ctxRegion = mem.addRegion(this.bytes, false, { kind: RegionKind.Context, name: 'ctx', object: this });
  }

  dispose(): void {
    this.mem.removeRegion(this.ctxRegion);
  }
}
