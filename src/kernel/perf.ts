/** perf_event_open(2) for the events tsbpf needs: BPF output (perf buffers) and tracepoints (attach). */
import { existsSync, readFileSync } from 'node:fs';
import { KernelError } from '../errors.js';
import { PERF_EVENT_ATTR, PERF_EVENT_ATTR_SIZE, encode, type Values } from './layout.js';
import { NativeBuffer, close, errno, perfEventOpenSyscall } from './libc.js';
import { ERRNO, kernelError } from './errno.js';

/** linux/perf_event.h */
export const PERF_TYPE = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2 } as const;
/** `enum perf_sw_ids` values tsbpf uses. */
export const PERF_COUNT_SW = { CPU_CLOCK: 0, TASK_CLOCK: 1, BPF_OUTPUT: 10 } as const;
export const PERF_COUNT_SW_BPF_OUTPUT = PERF_COUNT_SW.BPF_OUTPUT;
export const PERF_SAMPLE_RAW = 1 << 10;
const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** Opens a perf event (`attr` fields from PERF_EVENT_ATTR, size filled in) on `cpu` for `pid` (-1: all). */
export function perfEventOpen(attr: Values<typeof PERF_EVENT_ATTR>, cpu: number, pid = -1): number {
  const buf = new NativeBuffer(PERF_EVENT_ATTR_SIZE);
  try {
    encode(buf.view, PERF_EVENT_ATTR, { ...attr, size: PERF_EVENT_ATTR_SIZE });
    const fd = perfEventOpenSyscall(buf.addr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) throw kernelError(`perf_event_open(type ${attr.type}, config ${attr.config}, cpu ${cpu})`, errno());
    return fd;
  } finally {
    buf.free();
  }
}

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** Closes a perf event fd from {@link perfEventOpen}. */
export function perfEventClose(fd: number): void {
  if (close(fd) < 0) throw kernelError(`close(perf event ${fd})`, errno());
}

/** The id of tracepoint `category/name` from tracefs (`events/<category>/<name>/id`). */
export function tracepointId(category: string, name: string): number {
  for (const root of TRACEFS) {
    const file = `${root}/events/${category}/${name}/id`;
    if (existsSync(file)) return Number(readFileSync(file, 'utf8'));
  }
  throw new KernelError(`tracepoint ${category}/${name} not found in tracefs (${TRACEFS.join(', ')})`, ERRNO.ENOENT);
}
