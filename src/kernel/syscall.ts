/**
 * bpf(2): one zero-filled `union bpf_attr` in native memory, encoded from a layout table, passed
 * with the size the table covers. Failures become a KernelError naming the command and errno.
 */
import { BPF_CMD } from '../uapi/index.js';
import { type Layout, type Values, MAP_ELEM, encode } from './layout.js';
import { bpfSyscall, errno, NativeBuffer, close } from './libc.js';
import { kernelError } from './errno.js';

/** sizeof(union bpf_attr) in Linux 6.18 is 168; room to spare for later kernels' tables. */
const ATTR_CAPACITY = 256;
let attrBuffer: NativeBuffer | undefined;
const attrNative = (): NativeBuffer => (attrBuffer ??= new NativeBuffer(ATTR_CAPACITY));

/**
 * The attr of the last call: output fields (retval, duration, log_true_size, count…) are read
 * from here right after {@link bpf} returns.
 */
export const lastAttr = (): DataView => attrNative().view;

export type BpfCommand = keyof typeof BPF_CMD;

/**
 * Runs `bpf(BPF_<cmd>, attr, size)` with `values` encoded by `layout`. Returns the result (an fd
 * for commands that create one, else 0); throws KernelError on failure.
 */
export function bpf<L extends Layout>(cmd: BpfCommand, layout: L, values: Values<L>): number {
  const ret = bpfTry(cmd, layout, values);
  if (ret < 0) throw kernelError(`bpf(BPF_${cmd})`, -ret);
  return ret;
}

/** Like {@link bpf} but returns `-errno` instead of throwing (for expected ENOENT and friends). */
export function bpfTry<L extends Layout>(cmd: BpfCommand, layout: L, values: Values<L>): number {
  const a = attrNative();
  const size = encode(a.view, layout, values);
  const ret = bpfSyscall(BPF_CMD[cmd], a.addr, size);
  return ret < 0 ? -errno() : ret;
}

const [ELEM_FD, ELEM_KEY, ELEM_VALUE, ELEM_FLAGS] = [MAP_ELEM.fields.map_fd[0], MAP_ELEM.fields.key[0], MAP_ELEM.fields.value[0], MAP_ELEM.fields.flags[0]];

/**
 * The element commands (LOOKUP/UPDATE/DELETE/GET_NEXT_KEY/LOOKUP_AND_DELETE) without building a
 * values object: the hot path of map access. Returns the result or `-errno`.
 */
export function bpfElem(cmd: BpfCommand, mapFd: number, key: bigint, value: bigint, flags: number): number {
  const a = attrNative(), v = a.view;
  a.bytes.fill(0, 0, MAP_ELEM.size);
  v.setUint32(ELEM_FD, mapFd, true);
  v.setBigUint64(ELEM_KEY, key, true);
  v.setBigUint64(ELEM_VALUE, value, true);
  v.setUint32(ELEM_FLAGS, flags, true);
  const ret = bpfSyscall(BPF_CMD[cmd], a.addr, MAP_ELEM.size);
  return ret < 0 ? -errno() : ret;
}

/** close(2) on an fd tsbpf owns; throws KernelError (EBADF…) on failure. */
export function closeFd(fd: number): void {
  if (close(fd) < 0) throw kernelError(`close(${fd})`, errno());
}
