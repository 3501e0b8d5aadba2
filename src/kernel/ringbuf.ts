/**
 * Reader of a BPF_MAP_TYPE_RINGBUF map from userspace, as libbpf's ring_buffer: the consumer
 * page (read-write) and the producer page plus the data area (read-only, mapped twice in a row
 * by the kernel so a record that wraps is contiguous) are mmap'ed from the map fd. Records are
 * consumed in order; busy (not yet committed) records stop the walk, discarded ones are skipped.
 */
import { BPF_MAP_TYPE } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { MAP_FAILED, MAP_SHARED, PROT_READ, PROT_WRITE, errno, getpagesize, mmap, munmap, viewOf } from './libc.js';
import { ERRNO, kernelError } from './errno.js';
import { Epoll } from './epoll.js';
import type { KernelMap } from './map.js';

/** Record header bits and size (linux/bpf.h). */
const BPF_RINGBUF_BUSY_BIT = 0x80000000, BPF_RINGBUF_DISCARD_BIT = 0x40000000, BPF_RINGBUF_HDR_SZ = 8;

export class RingBufReader {
  readonly #map: KernelMap;
  readonly #pageSize = getpagesize();
  readonly #mask: bigint;
  readonly #consumerAddr: bigint;
  readonly #producerAddr: bigint;
  readonly #producerLen: number;
  /** consumer_pos / producer_pos (u64 at the start of their pages). */
  readonly #consumer: BigUint64Array;
  readonly #producer: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #dataView: DataView;
  readonly #epoll: Epoll;
  #open = true;

  /** Maps the ring buffer of `map` (a `ringbuf` map; the reader does not own the map). */
  constructor(map: KernelMap) {
    if (map.type !== BPF_MAP_TYPE.RINGBUF) throw new KernelError(`map ${map.name || map.fd} is ${map.typeName}, not ringbuf`, ERRNO.EINVAL);
    this.#map = map;
    const size = map.maxEntries;
    this.#mask = BigInt(size - 1);
    const consumer = mmap(0n, this.#pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, map.fd, 0);
    if (consumer === MAP_FAILED) throw kernelError('mmap of the ring buffer consumer page', errno());
    this.#producerLen = this.#pageSize + 2 * size;
    const producer = mmap(0n, this.#producerLen, PROT_READ, MAP_SHARED, map.fd, this.#pageSize);
    if (producer === MAP_FAILED) {
      const e = errno();
      munmap(consumer, this.#pageSize);
      throw kernelError('mmap of the ring buffer data pages', e);
    }
    this.#consumerAddr = consumer;
    this.#producerAddr = producer;
    this.#consumer = new BigUint64Array(viewOf(consumer, this.#pageSize), 0, 1);
    const prod = viewOf(producer, this.#producerLen);
    this.#producer = new BigUint64Array(prod, 0, 1);
    this.#data = new Uint8Array(prod, this.#pageSize, 2 * size);
    this.#dataView = new DataView(prod, this.#pageSize, 2 * size);
    this.#epoll = new Epoll();
    this.#epoll.add(map.fd, 0);
  }

  /**
   * Hands every committed record to `onRecord` in order and advances the consumer position;
   * returns the number of records. `data` aliases the ring: copy it to keep it past the callback.
   */
  consume(onRecord: (data: Uint8Array) => void): number {
    this.#check();
    let count = 0;
    let cons = Atomics.load(this.#consumer, 0);
    for (let progressed = true; progressed;) {
      progressed = false;
      const prod = Atomics.load(this.#producer, 0);
      while (cons < prod) {
        const off = Number(cons & this.#mask);
        const len = this.#dataView.getUint32(off, true);
        if (len & BPF_RINGBUF_BUSY_BIT) return count;
        progressed = true;
        const size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
        cons += BigInt((size + BPF_RINGBUF_HDR_SZ + 7) & ~7);
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
          count++;
          onRecord(this.#data.subarray(off + BPF_RINGBUF_HDR_SZ, off + BPF_RINGBUF_HDR_SZ + size));
        }
        Atomics.store(this.#consumer, 0, cons);
      }
    }
    return count;
  }

  /** Copies of every committed record, in order. */
  read(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.consume((d) => out.push(d.slice()));
    return out;
  }

  /** Bytes committed but not consumed yet. */
  available(): number {
    this.#check();
    return Number(Atomics.load(this.#producer, 0) - Atomics.load(this.#consumer, 0));
  }

  /** Blocks until the kernel signals data (epoll) or `timeoutMs` passes; then consumes. */
  poll(timeoutMs: number, onRecord: (data: Uint8Array) => void): number {
    this.#check();
    if (this.available() === 0) this.#epoll.wait(timeoutMs);
    return this.consume(onRecord);
  }

  /** poll() without blocking the event loop. */
  async pollAsync(timeoutMs: number, onRecord: (data: Uint8Array) => void): Promise<number> {
    this.#check();
    if (this.available() === 0) await this.#epoll.waitAsync(timeoutMs);
    return this.consume(onRecord);
  }

  /** Unmaps the ring (the map itself stays open). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#epoll.close();
    munmap(this.#consumerAddr, this.#pageSize);
    munmap(this.#producerAddr, this.#producerLen);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (!this.#open || this.#map.closed) throw new KernelError('ring buffer reader is closed: EBADF', ERRNO.EBADF);
  }
}
