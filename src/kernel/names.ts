/** Program, map and attach types given by number or by bpftool's lowercase name. */
import { BPF_ATTACH_TYPE, BPF_MAP_TYPE, BPF_PROG_TYPE } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { ERRNO } from './errno.js';

function resolver(table: Record<string, number>, what: string) {
  return (t: number | string): number => {
    if (typeof t === 'number') return t;
    const id = table[t.toUpperCase()];
    if (id === undefined) throw new KernelError(`unknown ${what} "${t}"`, ERRNO.EINVAL);
    return id;
  };
}

/** `xdp`, `sched_cls`, `socket_filter`… → BPF_PROG_TYPE_*. */
export const progTypeId = resolver(BPF_PROG_TYPE, 'program type');
/** `hash`, `percpu_array`, `lpm_trie`… → BPF_MAP_TYPE_*. */
export const mapTypeId = resolver(BPF_MAP_TYPE, 'map type');
/** `xdp`, `cgroup_inet_ingress`, `tcx_ingress`… → BPF_ATTACH_TYPE_* (BPF_ prefix dropped). */
export const attachTypeId = resolver(BPF_ATTACH_TYPE, 'attach type');

/** BPF_OBJ_NAME_LEN - 1: the longest program or map name the kernel takes. */
const OBJ_NAME_MAX = 15;

/**
 * A program or map name the kernel accepts (bpf_obj_name_cpy allows only letters, digits, `_`
 * and `.`, at most 15 bytes): other characters become `_` (section-named programs such as
 * `tail-0`), longer names are truncated.
 */
export const kernelObjectName = (name: string): string => name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, OBJ_NAME_MAX);
