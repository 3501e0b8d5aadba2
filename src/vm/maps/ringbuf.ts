/**
 * BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c): a power-of-2, page-multiple data area with
 * consumer, producer and pending positions. Records carry the kernel's 8-byte header
 * `{u32 len; u32 pg_off}`, len with BPF_RINGBUF_BUSY_BIT while reserved and
 * BPF_RINGBUF_DISCARD_BIT when discarded, and occupy roundUp(len + 8, 8) bytes.
 *
 * Storage (`values`, one region): the data area followed by a mirror of the same size, standing in
 * for the kernel's double mapping, so a record that wraps is contiguous for the program; the
 * wrapped part is copied to the start of the ring when the record is committed.
 */
import { BPF_F } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { BpfMap, type MapAttrs } from './map.js';
import { PAGE_SIZE } from './spec.js';

const { EAGAIN, EINVAL, ENOTSUPP } = ERRNO;

/** Record header bits and size (linux/bpf.h). */
export const BPF_RINGBUF_BUSY_BIT = 1 << 31;
export const BPF_RINGBUF_DISCARD_BIT = 1 << 30;
export const BPF_RINGBUF_HDR_SZ = 8;
/** Flags of bpf_ringbuf_submit/discard/output. */
export const BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2;
/** bpf_ringbuf_query() selectors. */
export const BPF_RB_AVAIL_DATA = 0, BPF_RB_RING_SIZE = 1, BPF_RB_CONS_POS = 2, BPF_RB_PROD_POS = 3;
/** Pages before the data area in the kernel's struct bpf_ringbuf (header, consumer, producer page): pg_off base. */
const RINGBUF_DATA_PGOFF = 3;
const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffffffff / 4);

/** ringbuf_map_alloc() checks. */
export function checkRingbufAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.flags & ~BPF_F.NUMA_NODE) return [EINVAL, 'only BPF_F_NUMA_NODE is allowed'];
  const n = a.maxEntries;
  if (a.keySize || a.valueSize || n === 0 || (n & (n - 1)) !== 0 || n % PAGE_SIZE) {
    return [EINVAL, `needs key_size 0, value_size 0 and max_entries a power of 2 multiple of ${PAGE_SIZE}, got ${n}`];
  }
  return undefined;
}

export class RingBufMap extends BpfMap {
  readonly values: Uint8Array;
  private readonly view: DataView;
  private readonly mask: number;
  /** Positions grow without wrapping (JS numbers are exact to 2^53). */
  private consumerPos = 0;
  private producerPos = 0;
  private pendingPos = 0;
  /** Notifications the kernel would send to an epoll waiter (irq_work queued). */
  wakeups = 0;

  constructor(a: MapAttrs) {
    super(a);
    this.mask = a.maxEntries - 1;
    this.values = new Uint8Array(2 * a.maxEntries);
    this.view = new DataView(this.values.buffer);
  }

  // ---- program side --------------------------------------------------------------------------
  /** bpf_ringbuf_reserve: offset in `values` of a `size`-byte sample, or -1 (NULL). */
  reserve(size: number, flags: number): number {
    if (flags) return -1;
    if (size > RINGBUF_MAX_RECORD_SZ) return -1;
    const len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    if (len > this.mask + 1) return -1;
    // Advance the pending position over records that are no longer busy.
    let pend = this.pendingPos;
    while (pend < this.producerPos) {
      const hlen = this.view.getUint32(pend & this.mask, true);
      if (hlen & BPF_RINGBUF_BUSY_BIT) break;
      pend += ((hlen & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    }
    this.pendingPos = pend;
    const next = this.producerPos + len;
    if (next - this.consumerPos > this.mask || next - pend > this.mask) return -1;
    const hdr = this.producerPos & this.mask;
    this.view.setUint32(hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    this.view.setUint32(hdr + 4, RINGBUF_DATA_PGOFF + (hdr >>> 12), true);
    this.producerPos = next;
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_submit (discard = false) / bpf_ringbuf_discard of the sample at `sampleOff`. */
  commit(sampleOff: number, flags: number, discard: boolean): void {
    const hdr = sampleOff - BPF_RINGBUF_HDR_SZ;
    let len = this.view.getUint32(hdr, true) ^ BPF_RINGBUF_BUSY_BIT;
    if (discard) len |= BPF_RINGBUF_DISCARD_BIT;
    // Fold the part of a wrapped record that went into the mirror back to the ring's start.
    const size = this.mask + 1;
    const end = hdr + BPF_RINGBUF_HDR_SZ + ((len & ~BPF_RINGBUF_DISCARD_BIT) >>> 0);
    if (end > size) this.values.copyWithin(0, size, end);
    this.view.setUint32(hdr, len >>> 0, true);
    const consumer = this.consumerPos & this.mask;
    if (flags & BPF_RB_FORCE_WAKEUP || (consumer === hdr && !(flags & BPF_RB_NO_WAKEUP))) this.wakeups++;
  }

  submit(sampleOff: number, flags: number): void {
    this.commit(sampleOff, flags, false);
  }

  discard(sampleOff: number, flags: number): void {
    this.commit(sampleOff, flags, true);
  }

  /** bpf_ringbuf_output: 0, -EINVAL for bad flags, -EAGAIN when there is no room. */
  output(data: Uint8Array, off: number, size: number, flags: number): number {
    if (!(flags >= 0 && flags <= (BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))) return -EINVAL;
    const rec = this.reserve(size, 0);
    if (rec < 0) return -EAGAIN;
    this.values.set(data.subarray(off, off + size), rec);
    this.commit(rec, flags, false);
    return 0;
  }

  /** bpf_ringbuf_query. */
  query(flags: number): number {
    switch (flags) {
      case BPF_RB_AVAIL_DATA: return this.producerPos - this.consumerPos;
      case BPF_RB_RING_SIZE: return this.mask + 1;
      case BPF_RB_CONS_POS: return this.consumerPos;
      case BPF_RB_PROD_POS: return this.producerPos;
      default: return 0;
    }
  }

  // ---- consumer (what libbpf's ring_buffer__consume does over the mmapped ring) ------------------
  /**
   * Delivers every committed record from the consumer position on, in order, skipping discarded
   * ones and stopping at a record still reserved; returns the number delivered.
   */
  consume(cb: (data: Uint8Array) => void): number {
    let n = 0;
    while (this.consumerPos < this.producerPos) {
      const hdr = this.consumerPos & this.mask;
      const len = this.view.getUint32(hdr, true);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const size = (len & ~BPF_RINGBUF_DISCARD_BIT) >>> 0;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        cb(this.read(hdr + BPF_RINGBUF_HDR_SZ, size));
        n++;
      }
      this.consumerPos += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    }
    return n;
  }

  /** Consumes and returns every committed record. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.consume((d) => out.push(d));
    return out;
  }

  /** A copy of `size` ring bytes from physical offset `at`, wrapping at the ring's end. */
  private read(at: number, size: number): Uint8Array {
    const ring = this.mask + 1;
    const out = new Uint8Array(size);
    const start = at & this.mask;
    const first = Math.min(size, ring - start);
    out.set(this.values.subarray(start, start + first));
    if (first < size) out.set(this.values.subarray(0, size - first), first);
    return out;
  }

  // ---- map operations: none (the kernel's ringbuf ops return -ENOTSUPP) -------------------------
  lookup(): number {
    return -1;
  }
  update(): number {
    return -ENOTSUPP;
  }
  delete(): number {
    return -ENOTSUPP;
  }
  protected userLookup(): number {
    return -ENOTSUPP;
  }
  protected userUpdate(): number {
    return -ENOTSUPP;
  }
  protected override userDelete(): number {
    return -ENOTSUPP;
  }
  protected nextKeyImpl(): number {
    return -ENOTSUPP;
  }
}
