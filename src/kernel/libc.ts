/**
 * The few libc entry points the kernel backend needs, bound with koffi (no native build).
 * Pointers are koffi's representation: a bigint address. Every function returns the raw libc
 * result; callers check it and read {@link errno} right after the call.
 */
import koffi, { type KoffiFunc } from 'koffi';
import { KernelError } from '../errors.js';

/** Syscall numbers that have no libc wrapper, per architecture (arch/<arch>/…/unistd). */
const SYSCALL_NUMBERS: Record<string, { bpf: number; perf_event_open: number }> = {
  x64: { bpf: 321, perf_event_open: 298 },
  arm64: { bpf: 280, perf_event_open: 241 },
};
const ENOSYS = 38;

/** Binds libc on first use, so importing tsbpf works where there is no libc.so.6 (the VM runs anywhere). */
function bind() {
  const nr = SYSCALL_NUMBERS[process.arch];
  if (!nr || process.platform !== 'linux') {
    throw new KernelError(`the kernel backend needs Linux on x64 or arm64, not ${process.platform}/${process.arch}`, ENOSYS);
  }
  const libc = koffi.load('libc.so.6');
  const fn = <T>(decl: string) => libc.func(decl) as unknown as T;
  return {
    nr,
    /** `syscall(SYS_bpf, cmd, attr, size)`; attr is the address of a `union bpf_attr`. */
    sysBpf: fn<(nr: number, cmd: number, attr: bigint, size: number) => number>('long syscall(long nr, long cmd, uint64_t attr, long size)'),
    /** `syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags)`. */
    sysPerfEventOpen: fn<(nr: number, attr: bigint, pid: number, cpu: number, groupFd: number, flags: number) => number>(
      'long syscall(long nr, uint64_t attr, long pid, long cpu, long group_fd, long flags)'),
    close: fn<(fd: number) => number>('int close(int fd)'),
    mmap: fn<(addr: bigint, length: number, prot: number, flags: number, fd: number, offset: number) => bigint>(
      'uint64_t mmap(uint64_t addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: fn<(addr: bigint, length: number) => number>('int munmap(uint64_t addr, size_t length)'),
    ioctl: fn<(fd: number, request: number, arg: number | bigint) => number>('int ioctl(int fd, unsigned long request, unsigned long arg)'),
    epollCreate1: fn<(flags: number) => number>('int epoll_create1(int flags)'),
    epollCtl: fn<(epfd: number, op: number, fd: number, event: bigint) => number>('int epoll_ctl(int epfd, int op, int fd, uint64_t event)'),
    epollWait: fn<KoffiFunc<(epfd: number, events: bigint, maxEvents: number, timeoutMs: number) => number>>(
      'int epoll_wait(int epfd, uint64_t events, int maxevents, int timeout)'),
    mount: fn<(source: string, target: string, fstype: string, flags: number, data: bigint) => number>(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, uint64_t data)'),
    strerror: fn<(errnum: number) => string>('const char *strerror(int errnum)'),
    getpagesize: fn<() => number>('int getpagesize(void)'),
  };
}
let bound: ReturnType<typeof bind> | undefined;
const lib = () => (bound ??= bind());

export const bpfSyscall = (cmd: number, attr: bigint, size: number): number => lib().sysBpf(lib().nr.bpf, cmd, attr, size);
export const perfEventOpenSyscall = (attr: bigint, pid: number, cpu: number, groupFd: number, flags: number): number =>
  lib().sysPerfEventOpen(lib().nr.perf_event_open, attr, pid, cpu, groupFd, flags);
/** errno of the last libc call on this thread. */
export const errno = (): number => koffi.errno();
export const close = (fd: number): number => lib().close(fd);
/** mmap(2); returns the address, or MAP_FAILED on failure. */
export const mmap = (addr: bigint, length: number, prot: number, flags: number, fd: number, offset: number): bigint =>
  lib().mmap(addr, length, prot, flags, fd, offset);
export const munmap = (addr: bigint, length: number): number => lib().munmap(addr, length);
/** ioctl(2) with one integer (or address) argument. */
export const ioctl = (fd: number, request: number, arg: number | bigint): number => lib().ioctl(fd, request, arg);
export const epollCreate1 = (flags: number): number => lib().epollCreate1(flags);
export const epollCtl = (epfd: number, op: number, fd: number, event: bigint): number => lib().epollCtl(epfd, op, fd, event);
export const epollWait = (epfd: number, events: bigint, maxEvents: number, timeoutMs: number): number =>
  lib().epollWait(epfd, events, maxEvents, timeoutMs);
/** epoll_wait on a koffi worker thread. */
export function epollWaitAsync(epfd: number, events: bigint, maxEvents: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) =>
    lib().epollWait.async(epfd, events, maxEvents, timeoutMs, (err: unknown, n: number) => (err ? reject(err) : resolve(n))));
}
export const mount = (source: string, target: string, fstype: string, flags: number, data: bigint): number =>
  lib().mount(source, target, fstype, flags, data);
export const strerror = (errnum: number): string => lib().strerror(errnum);
export const getpagesize = (): number => lib().getpagesize();

/** MAP_FAILED as koffi returns it for `uint64_t mmap(…)`. */
export const MAP_FAILED = 0xffffffffffffffffn;
export const PROT_READ = 0x1, PROT_WRITE = 0x2, MAP_SHARED = 0x01;

/**
 * Memory outside the JS heap with a stable address, for everything a syscall reads through a
 * pointer (attr, keys, values, instructions, logs). `bytes`/`view` alias it without copying.
 * Zero-filled on allocation; released by {@link NativeBuffer.free}.
 */
export class NativeBuffer {
  readonly addr: bigint;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  #freed = false;

  constructor(readonly size: number) {
    this.addr = koffi.alloc('uint8_t', Math.max(size, 1)) as bigint;
    const ab = koffi.view(this.addr, Math.max(size, 1)) as ArrayBuffer;
    this.bytes = new Uint8Array(ab, 0, size);
    this.view = new DataView(ab, 0, size);
    this.bytes.fill(0);
  }

  /** Releases the memory; the views must not be used afterwards. Idempotent. */
  free(): void {
    if (!this.#freed) koffi.free(this.addr);
    this.#freed = true;
  }
}

/** An ArrayBuffer aliasing `length` bytes at `addr` (e.g. an mmap'ed ring buffer). */
export function viewOf(addr: bigint, length: number): ArrayBuffer {
  return koffi.view(addr, length) as ArrayBuffer;
}

/** A NativeBuffer reused across calls and replaced by a larger one when a call needs more. */
export class ScratchBuffer {
  #buf: NativeBuffer | undefined;

  /** A buffer of at least `size` bytes (contents unspecified). */
  get(size: number): NativeBuffer {
    if (!this.#buf || this.#buf.size < size) {
      this.#buf?.free();
      this.#buf = new NativeBuffer(Math.max(size, 64));
    }
    return this.#buf;
  }

  free(): void {
    this.#buf?.free();
    this.#buf = undefined;
  }
}
