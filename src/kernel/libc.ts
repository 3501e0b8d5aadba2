/**
 * The few libc entry points the kernel backend needs, bound with koffi (no native build).
 * Pointers are koffi's representation: a bigint address. Every function returns the raw libc
 * result; callers check it and read {@link errno} right after the call.
 */
import koffi from 'koffi';
import { KernelError } from '../errors.js';

const libc = koffi.load('libc.so.6');

/** Syscall numbers that have no libc wrapper, per architecture (arch/<arch>/…/unistd). */
const SYSCALL_NUMBERS: Record<string, { bpf: number; perf_event_open: number }> = {
  x64: { bpf: 321, perf_event_open: 298 },
  arm64: { bpf: 280, perf_event_open: 241 },
};
const nr = SYSCALL_NUMBERS[process.arch];
const ENOSYS = 38;
const unsupportedArch = () => new KernelError(`the kernel backend has no syscall numbers for ${process.arch}`, ENOSYS);

/** `syscall(SYS_bpf, cmd, attr, size)`; attr is the address of a `union bpf_attr`. */
const sysBpf = libc.func('long syscall(long nr, long cmd, uint64_t attr, long size)');
/** `syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags)`. */
const sysPerfEventOpen = libc.func('long syscall(long nr, uint64_t attr, long pid, long cpu, long group_fd, long flags)');

export function bpfSyscall(cmd: number, attr: bigint, size: number): number {
  if (!nr) throw unsupportedArch();
  return sysBpf(nr.bpf, cmd, attr, size) as number;
}

export function perfEventOpenSyscall(attr: bigint, pid: number, cpu: number, groupFd: number, flags: number): number {
  if (!nr) throw unsupportedArch();
  return sysPerfEventOpen(nr.perf_event_open, attr, pid, cpu, groupFd, flags) as number;
}

/** errno of the last libc call on this thread. */
export const errno = (): number => koffi.errno();

export const close = libc.func('int close(int fd)') as (fd: number) => number;
/** mmap(2); returns the address, or MAP_FAILED (2^64-1) / 0n on failure. */
export const mmap = libc.func('uint64_t mmap(uint64_t addr, size_t length, int prot, int flags, int fd, int64_t offset)') as
  (addr: bigint, length: number, prot: number, flags: number, fd: number, offset: number) => bigint;
export const munmap = libc.func('int munmap(uint64_t addr, size_t length)') as (addr: bigint, length: number) => number;
/** ioctl(2) with one integer (or address) argument. */
export const ioctl = libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)') as
  (fd: number, request: number, arg: number | bigint) => number;
export const epollCreate1 = libc.func('int epoll_create1(int flags)') as (flags: number) => number;
export const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, uint64_t event)') as
  (epfd: number, op: number, fd: number, event: bigint) => number;
export const epollWait = libc.func('int epoll_wait(int epfd, uint64_t events, int maxevents, int timeout)') as
  (epfd: number, events: bigint, maxEvents: number, timeoutMs: number) => number;
export const mount = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, uint64_t data)') as
  (source: string, target: string, fstype: string, flags: number, data: bigint) => number;
export const strerror = libc.func('const char *strerror(int errnum)') as (errnum: number) => string;
export const getpagesize = libc.func('int getpagesize(void)') as () => number;

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
