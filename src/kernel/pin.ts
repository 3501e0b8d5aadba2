/**
 * bpffs pins: BPF_OBJ_PIN / BPF_OBJ_GET, and mounting bpffs at /sys/fs/bpf when it is not there
 * (what `mount -t bpf bpf /sys/fs/bpf` does).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OBJ } from './layout.js';
import { bpfTry } from './syscall.js';
import { NativeBuffer, errno, mount } from './libc.js';
import { kernelError } from './errno.js';

export const BPFFS_ROOT = '/sys/fs/bpf';

/** True when a bpf filesystem is mounted exactly at `dir` (/proc/self/mounts). */
export function isBpffsMounted(dir: string = BPFFS_ROOT): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => {
    const [, mnt, fstype] = line.split(' ');
    return fstype === 'bpf' && mnt === dir;
  });
}

/** Mounts bpffs at /sys/fs/bpf unless a bpf filesystem is already mounted there. */
export function ensureBpffs(dir: string = BPFFS_ROOT): void {
  if (isBpffsMounted(dir)) return;
  if (mount('bpf', dir, 'bpf', 0, 0n) < 0) throw kernelError(`mount -t bpf bpf ${dir}`, errno());
}

function withPath<T>(p: string, fn: (addr: bigint) => T): T {
  const bytes = new TextEncoder().encode(p);
  const buf = new NativeBuffer(bytes.length + 1);
  try {
    buf.bytes.set(bytes);
    return fn(buf.addr);
  } finally {
    buf.free();
  }
}

/** Pins the object behind `fd` at `pinPath` (under /sys/fs/bpf, mounted on demand). */
export function objPin(fd: number, pinPath: string): void {
  if (path.resolve(pinPath).startsWith(BPFFS_ROOT + '/')) ensureBpffs();
  const ret = withPath(pinPath, (addr) => bpfTry('OBJ_PIN', OBJ, { pathname: addr, bpf_fd: fd }));
  if (ret < 0) throw kernelError(`bpf(BPF_OBJ_PIN) ${pinPath}`, -ret);
}

/** Opens the object pinned at `pinPath`; returns a new fd. `flags`: BPF_F_RDONLY / BPF_F_WRONLY. */
export function objGet(pinPath: string, flags = 0): number {
  const fd = withPath(pinPath, (addr) => bpfTry('OBJ_GET', OBJ, { pathname: addr, file_flags: flags }));
  if (fd < 0) throw kernelError(`bpf(BPF_OBJ_GET) ${pinPath}`, -fd);
  return fd;
}
