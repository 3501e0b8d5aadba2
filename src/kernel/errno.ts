/**
 * errno names (asm-generic/errno-base.h and errno.h, plus the kernel-internal codes bpf(2) can
 * leak to userspace, e.g. ENOTSUPP 524) and the KernelError every failed syscall becomes.
 */
import { KernelError, type Location } from '../errors.js';
import { strerror } from './libc.js';

export { ERRNO_NAMES, ERRNO, errnoName } from '../uapi/errno.js';
import { errnoName } from '../uapi/errno.js';

/** Builds the error of a failed syscall: `what: ENOENT (No such file or directory)`. */
export function kernelError(what: string, errno: number, location?: Location): KernelError {
  const text = errno >= 512 ? 'kernel-internal error code' : strerror(errno);
  return new KernelError(`${what}: ${errnoName(errno)} (${text})`, errno, location);
}
