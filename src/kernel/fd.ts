/**
 * Ownership of kernel file descriptors. Every kernel object tsbpf hands out (map, program, link,
 * BTF, perf event) owns exactly one fd, closed by close() or by `using` (Symbol.dispose); a
 * FinalizationRegistry closes the fd of an object dropped without close() so nothing leaks.
 */
import { close } from './libc.js';
import { KernelError } from '../errors.js';

const leaked = new FinalizationRegistry<number>((fd) => close(fd));

const EBADF = 9;

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
