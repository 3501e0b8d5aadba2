/**
 * epoll(7) over a set of fds (ring buffer, per-CPU perf events): wait() blocks the calling thread
 * for at most `timeoutMs`; waitAsync() runs epoll_wait on a koffi worker thread so the event loop
 * keeps running.
 */
import { FdObject } from './fd.js';
import { NativeBuffer, epollCreate1, epollCtl, epollWait, epollWaitAsync, errno } from './libc.js';
import { kernelError } from './errno.js';

const EPOLL_CLOEXEC = 0o2000000, EPOLL_CTL_ADD = 1, EPOLLIN = 0x001, EINTR = 4;
/** `struct epoll_event`: packed (12 bytes) on x86-64, naturally aligned (16) elsewhere. */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;
const MAX_EVENTS = 64;

export class Epoll extends FdObject {
  readonly #events = new NativeBuffer(EVENT_SIZE * MAX_EVENTS);

  constructor() {
    const fd = epollCreate1(EPOLL_CLOEXEC);
    if (fd < 0) throw kernelError('epoll_create1', errno());
    super(fd);
  }

  /** Watches `fd` for input; `token` comes back from wait() when it is readable. */
  add(fd: number, token: number): void {
    const ev = new NativeBuffer(EVENT_SIZE);
    try {
      ev.view.setUint32(0, EPOLLIN, true);
      ev.view.setBigUint64(DATA_OFFSET, BigInt(token), true);
      if (epollCtl(this.fd, EPOLL_CTL_ADD, fd, ev.addr) < 0) throw kernelError(`epoll_ctl(ADD, ${fd})`, errno());
    } finally {
      ev.free();
    }
  }

  /** Tokens of the ready fds, waiting at most `timeoutMs` (-1: forever, 0: just check). */
  wait(timeoutMs: number): number[] {
    const n = epollWait(this.fd, this.#events.addr, MAX_EVENTS, timeoutMs);
    return this.#ready(n);
  }

  /** wait() on a worker thread. */
  async waitAsync(timeoutMs: number): Promise<number[]> {
    return this.#ready(await epollWaitAsync(this.fd, this.#events.addr, MAX_EVENTS, timeoutMs));
  }

  #ready(n: number): number[] {
    if (n < 0) {
      const e = errno();
      if (e === EINTR) return [];
      throw kernelError('epoll_wait', e);
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(Number(this.#events.view.getBigUint64(i * EVENT_SIZE + DATA_OFFSET, true)));
    return out;
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    this.#events.free();
  }
}
