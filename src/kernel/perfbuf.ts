/**
 * Reader of a BPF_MAP_TYPE_PERF_EVENT_ARRAY, as libbpf's perf_buffer: one software
 * PERF_COUNT_SW_BPF_OUTPUT event per online CPU (perf_event_open), its ring mmap'ed
 * (1 + 2^n pages), its fd stored in the map at the CPU's index, so `bpf_perf_event_output(ctx,
 * &map, BPF_F_CURRENT_CPU, …)` lands in the ring of the CPU the program ran on.
 */
import { BPF_MAP_TYPE } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { PERF_EVENT_MMAP_PAGE, PERF_EVENT_HEADER } from './layout.js';
import { PERF_COUNT_SW_BPF_OUTPUT, PERF_SAMPLE_RAW, PERF_TYPE, perfEventOpen } from './perf.js';
import { MAP_FAILED, MAP_SHARED, PROT_READ, PROT_WRITE, close, errno, getpagesize, ioctl, mmap, munmap, viewOf } from './libc.js';
import { ERRNO, kernelError } from './errno.js';
import { Epoll } from './epoll.js';
import { onlineCpus } from '../uapi/cpus.js';
import type { KernelMap } from './map.js';

/** linux/perf_event.h */
const PERF_RECORD_LOST = 2, PERF_RECORD_SAMPLE = 9;
/** PERF_EVENT_IOC_ENABLE = _IO('$', 0), PERF_EVENT_IOC_DISABLE = _IO('$', 1). */
const PERF_EVENT_IOC_ENABLE = 0x2400, PERF_EVENT_IOC_DISABLE = 0x2401;

/** One record of a perf buffer. */
export type PerfRecord =
  | { cpu: number; type: 'sample'; /** PERF_SAMPLE_RAW bytes (the kernel pads them so size+4 is a multiple of 8). */ data: Uint8Array }
  | { cpu: number; type: 'lost'; /** Samples the kernel dropped because the ring was full. */ lost: bigint };

interface CpuRing {
  cpu: number;
  fd: number;
  addr: bigint;
  length: number;
  /** data_head / data_tail of the control page. */
  head: BigUint64Array;
  tail: BigUint64Array;
  data: Uint8Array;
}

export class PerfBufReader {
  readonly #map: KernelMap;
  readonly #rings: CpuRing[] = [];
  readonly #epoll = new Epoll();
  #open = true;

  /**
   * Opens one BPF output event per online CPU below the map's max_entries, each with a ring of
   * `pageCount` data pages (a power of two), and stores their fds in `map`.
   */
  constructor(map: KernelMap, o: { pageCount?: number } = {}) {
    if (map.type !== BPF_MAP_TYPE.PERF_EVENT_ARRAY) {
      throw new KernelError(`map ${map.name || map.fd} is ${map.typeName}, not perf_event_array`, ERRNO.EINVAL);
    }
    const pages = o.pageCount ?? 8;
    if (pages <= 0 || (pages & (pages - 1)) !== 0) throw new KernelError(`perf buffer page count ${pages} is not a power of two`, ERRNO.EINVAL);
    this.#map = map;
    const pageSize = getpagesize();
    try {
      for (const cpu of onlineCpus().filter((c) => c < map.maxEntries)) {
        const fd = perfEventOpen({
          type: PERF_TYPE.SOFTWARE, config: PERF_COUNT_SW_BPF_OUTPUT, sample_period: 1, sample_type: PERF_SAMPLE_RAW, wakeup_events: 1,
        }, cpu);
        const length = (1 + pages) * pageSize;
        const addr = mmap(0n, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (addr === MAP_FAILED) {
          const e = errno();
          close(fd);
          throw kernelError(`mmap of the perf ring of cpu ${cpu}`, e);
        }
        const ab = viewOf(addr, length);
        const f = PERF_EVENT_MMAP_PAGE.fields;
        this.#rings.push({
          cpu, fd, addr, length,
          head: new BigUint64Array(ab, f.data_head[0], 1), tail: new BigUint64Array(ab, f.data_tail[0], 1),
          data: new Uint8Array(ab, pageSize, pages * pageSize),
        });
        if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) throw kernelError(`ioctl(PERF_EVENT_IOC_ENABLE) cpu ${cpu}`, errno());
        const key = new Uint8Array(4), value = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, cpu, true);
        new DataView(value.buffer).setUint32(0, fd, true);
        map.update(key, value);
        this.#epoll.add(fd, this.#rings.length - 1);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Hands every record of every CPU's ring to `onRecord` (per CPU in order); returns the count. */
  consume(onRecord: (r: PerfRecord) => void): number {
    this.#check();
    let count = 0;
    for (const ring of this.#rings) count += this.#consumeRing(ring, onRecord);
    return count;
  }

  /** Every record available now. */
  read(): PerfRecord[] {
    const out: PerfRecord[] = [];
    this.consume((r) => out.push(r));
    return out;
  }

  /** Waits (epoll) up to `timeoutMs` for data, then consumes the ready rings. */
  poll(timeoutMs: number, onRecord: (r: PerfRecord) => void): number {
    this.#check();
    let count = 0;
    for (const i of this.#epoll.wait(timeoutMs)) count += this.#consumeRing(this.#rings[i], onRecord);
    return count + this.consume(onRecord);
  }

  #consumeRing(ring: CpuRing, onRecord: (r: PerfRecord) => void): number {
    const size = ring.data.length;
    const head = Atomics.load(ring.head, 0);
    let tail = ring.tail[0], count = 0;
    const hf = PERF_EVENT_HEADER.fields;
    while (tail < head) {
      const off = Number(tail % BigInt(size));
      const header = this.#bytes(ring, off, 8);
      const hv = new DataView(header.buffer, header.byteOffset, 8);
      const type = hv.getUint32(hf.type[0], true), recSize = hv.getUint16(hf.size[0], true);
      if (recSize < 8) throw new KernelError(`perf ring of cpu ${ring.cpu}: record of ${recSize} bytes`, ERRNO.EIO);
      const rec = this.#bytes(ring, off, recSize);
      const rv = new DataView(rec.buffer, rec.byteOffset, rec.length);
      if (type === PERF_RECORD_SAMPLE) {
        const rawSize = rv.getUint32(8, true);
        onRecord({ cpu: ring.cpu, type: 'sample', data: rec.slice(12, 12 + rawSize) });
        count++;
      } else if (type === PERF_RECORD_LOST) {
        onRecord({ cpu: ring.cpu, type: 'lost', lost: rv.getBigUint64(16, true) });
        count++;
      }
      tail += BigInt(recSize);
    }
    Atomics.store(ring.tail, 0, tail);
    return count;
  }

  /** `length` bytes at `off` of the ring; a copy when the record wraps around the end. */
  #bytes(ring: CpuRing, off: number, length: number): Uint8Array {
    const size = ring.data.length;
    if (off + length <= size) return ring.data.subarray(off, off + length);
    const out = new Uint8Array(length);
    out.set(ring.data.subarray(off));
    out.set(ring.data.subarray(0, length - (size - off)), size - off);
    return out;
  }

  /** Disables and closes the events, unmaps the rings, clears their map slots. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const ring of this.#rings) {
      if (!this.#map.closed) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, ring.cpu, true);
        this.#map.delete(key);
      }
      ioctl(ring.fd, PERF_EVENT_IOC_DISABLE, 0);
      munmap(ring.addr, ring.length);
      close(ring.fd);
    }
    this.#rings.length = 0;
    this.#epoll.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (!this.#open) throw new KernelError('perf buffer reader is closed: EBADF', ERRNO.EBADF);
  }
}
