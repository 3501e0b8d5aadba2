/**
 * The errno numbers map operations return (negated, like the kernel's helpers and bpf(2)), with
 * glibc's strerror() text, which `bpftool -j map dump` prints for entries it cannot read.
 * ENOTSUPP (524) is kernel-internal: glibc prints it as "Unknown error 524".
 */
export { ERRNO } from '../../uapi/errno.js';
import { ERRNO_NAMES } from '../../uapi/errno.js';

const messages: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 7: 'Argument list too long', 9: 'Bad file descriptor',
  11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory', 14: 'Bad address',
  16: 'Device or resource busy', 17: 'File exists', 19: 'No such device', 22: 'Invalid argument',
  28: 'No space left on device', 75: 'Value too large for defined data type',
  95: 'Operation not supported',
};

/** glibc's strerror() for a (positive or negative) errno. */
export function strerror(errno: number): string {
  const e = Math.abs(errno);
  return messages[e] ?? `Unknown error ${e}`;
}

/** Symbolic name of a (positive or negative) errno, e.g. `-ENOENT`, for messages and tests. */
export function errnoName(rc: number): string {
  if (rc === 0) return '0';
  const name = ERRNO_NAMES[Math.abs(rc)];
  return name ? (rc < 0 ? '-' : '') + name : String(rc);
}
