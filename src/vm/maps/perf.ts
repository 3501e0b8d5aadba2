/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: slots holding perf events (BPF output events, one per CPU as
 * libbpf's perf_buffer opens them) that bpf_perf_event_output writes records to. A
 * {@link PerfReader} is such an event with its ring: it collects the raw samples as the kernel
 * delivers them (PERF_SAMPLE_RAW: the data zero-padded so that u32 size + data is a multiple of
 * 8) and counts lost samples when its ring is full (a perf ring holds at most its size - 1 bytes).
 */
import { ERRNO } from './errno.js';
import { FdArrayMap, type Referenced } from './fdarray.js';
import { MapError, type MapAttrs } from './map.js';

const { E2BIG, ENOENT, ENOSPC, EOPNOTSUPP, ENOTSUPP } = ERRNO;

/** BPF_F_CURRENT_CPU: the index meaning "the slot of the CPU the program runs on". */
export const BPF_F_CURRENT_CPU = 0xffffffff;
/** Bytes of a PERF_RECORD_SAMPLE header (struct perf_event_header). */
const PERF_HEADER = 8;

let nextEventId = 1;

/** A BPF output perf event bound to one CPU, with its ring of `pages` pages. */
export class PerfReader implements Referenced {
  readonly id = nextEventId++;
  /** Samples not yet read (raw, padded). */
  private readonly pending: Uint8Array[] = [];
  private used = 0;
  /** Samples dropped because the ring was full (PERF_RECORD_LOST). */
  lost = 0;
  constructor(readonly cpu: number, readonly pages = 8) {}

  /** Bytes of a raw sample carrying `size` bytes: padded so that the u32 size field + data is 8-aligned. */
  static rawSize(size: number): number {
    return ((size + 4 + 7) & ~7) - 4;
  }

  /** Appends a raw sample (already padded); 0 or -ENOSPC (counted as lost) when the ring is full. */
  write(raw: Uint8Array): number {
    const bytes = PERF_HEADER + 4 + raw.length;
    if (this.used + bytes > this.pages * 4096 - 1) {
      this.lost++;
      return -ENOSPC;
    }
    this.used += bytes;
    this.pending.push(raw);
    return 0;
  }

  /** Takes every sample written so far, oldest first. */
  read(): Uint8Array[] {
    const out = this.pending.splice(0);
    this.used = 0;
    return out;
  }
}

export class PerfEventArrayMap extends FdArrayMap<PerfReader> {
  private readonly readers = new Map<number, PerfReader>();

  constructor(a: MapAttrs) {
    super(a);
  }

  /** Opens a reader on `cpu` and stores it at `index` (default: index = cpu, like libbpf's perf_buffer). */
  open(index: number, cpu = index, pages = 8): PerfReader {
    const r = new PerfReader(cpu, pages);
    this.readers.set(r.id, r);
    const rc = this.set(index, r);
    if (rc) throw new MapError(`perf event array ${this.name}: index ${index} out of range (max_entries ${this.maxEntries})`, -rc);
    return r;
  }

  protected resolve(id: number): PerfReader | undefined {
    return this.readers.get(id);
  }

  /**
   * bpf_perf_event_output from a program on `cpu`: `index` is the low 32 bits of the flags
   * (BPF_F_CURRENT_CPU for the running CPU); the sample is `data[off, off + size)` followed by
   * `extra` (the skb/xdp variants' context bytes). 0 or -E2BIG / -ENOENT / -EOPNOTSUPP / -ENOSPC.
   */
  output(cpu: number, index: number, data: Uint8Array, off: number, size: number, extra?: Uint8Array): number {
    const i = index >>> 0 === BPF_F_CURRENT_CPU ? cpu : index >>> 0;
    if (i >= this.maxEntries) return -E2BIG;
    const r = this.refs[i];
    if (!r) return -ENOENT;
    if (r.cpu !== cpu) return -EOPNOTSUPP;
    const sample = new Uint8Array(PerfReader.rawSize(size + (extra?.length ?? 0)));
    sample.set(data.subarray(off, off + size));
    if (extra) sample.set(extra, size);
    return r.write(sample);
  }

  /** bpf(2) lookups of perf event arrays are not supported by the kernel. */
  protected override userLookup(): number {
    return -ENOTSUPP;
  }

  protected override get silentEnoent(): boolean {
    return false;
  }
}
