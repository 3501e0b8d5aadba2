/**
 * Ownership of kernel file descriptors. Every kernel object tsbpf hands out (map, program, link,
 * BTF, perf event) owns exactly one fd, closed by close() or by `using` (Symbol.dispose); a
 * FinalizationRegistry closes the fd of an object dropped without close() so nothing leaks.
 */
import { readlinkSync } from 'node:fs';
import { close } from './libc.js';
import { KernelError } from '../errors.js';

const leaked = new FinalizationRegistry<number>((fd) => close(fd));

const EBADF = 9, EINVAL = 22;

export abstract class FdObject {
  #fd: number;

  protected constructor(fd: number) {
    this.#fd = fd;
    leaked.register(this, fd, this);
  }

  /** The file descriptor; throws EBADF after close(). */
  get fd(): number {
    if (this.#fd < 0) throw new KernelError(`${this.constructor.name} is closed: EBADF`, EBADF);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Closes the fd (idempotent). The kernel frees the object once nothing else holds it (pins, links, maps of programs). */
  close(): void {
    if (this.#fd < 0) return;
    leaked.unregister(this);
    close(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Wraps a freshly opened fd with `make`; closes the fd if `make` throws (e.g. its info query fails). */
export function adoptFd<T>(fd: number, make: (fd: number) => T): T {
  try {
    return make(fd);
  } catch (e) {
    close(fd);
    throw e;
  }
}

/**
 * The anon inode names the kernel gives BPF object fds (kernel/bpf/syscall.c, btf.c). A link is
 * `bpf_link` when created and `bpf-link` when reopened from a pin or an id.
 */
const FD_KINDS: Readonly<Record<string, string>> = {
  'anon_inode:bpf-map': 'map', 'anon_inode:bpf-prog': 'program', 'anon_inode:bpf_link': 'link', 'anon_inode:bpf-link': 'link',
  'anon_inode:btf': 'btf',
};

/** What kind of BPF object `fd` refers to (`map`, `program`, `link`, `btf`), or undefined. */
export function bpfObjectKind(fd: number): string | undefined {
  try {
    return FD_KINDS[readlinkSync(`/proc/self/fd/${fd}`)];
  } catch {
    return undefined;
  }
}

/** Throws EINVAL unless `fd` is a BPF object of `kind` (EBADF when it is not open). */
export function expectKind(fd: number, kind: string): void {
  const actual = bpfObjectKind(fd);
  if (actual === kind) return;
  let open = true;
  try { readlinkSync(`/proc/self/fd/${fd}`); } catch { open = false; }
  if (!open) throw new KernelError(`fd ${fd} is not open: EBADF`, EBADF);
  throw new KernelError(`fd ${fd} is ${actual ? `a BPF ${actual}` : 'not a BPF object'}, not a ${kind}: EINVAL`, EINVAL);
}
