/** BPF_{PROG,MAP,LINK,BTF}_GET_NEXT_ID: the ids of every object of a kind loaded in the kernel. */
import { GET_ID, readU32 } from './layout.js';
import { bpfTry, lastAttr } from './syscall.js';
import { ERRNO, kernelError } from './errno.js';

const COMMANDS = {
  prog: 'PROG_GET_NEXT_ID', map: 'MAP_GET_NEXT_ID', link: 'LINK_GET_NEXT_ID', btf: 'BTF_GET_NEXT_ID',
} as const;

/** Every id of `kind` in ascending order (objects created or freed meanwhile may or may not appear). */
export function* objectIds(kind: keyof typeof COMMANDS): IterableIterator<number> {
  const cmd = COMMANDS[kind];
  for (let id = 0; ;) {
    const ret = bpfTry(cmd, GET_ID, { start_id: id });
    if (ret === -ERRNO.ENOENT) return;
    if (ret < 0) throw kernelError(`bpf(BPF_${cmd})`, -ret);
    id = readU32(lastAttr(), GET_ID.fields.next_id);
    yield id;
  }
}
