/**
 * BPF_MAP_TYPE_CGROUP_ARRAY (kernel/bpf/arraymap.c): an fd array of cgroups, read by
 * bpf_skb_under_cgroup and bpf_current_task_under_cgroup. bpf(2) stores a cgroup fd; in the VM
 * the value written from userspace is the cgroup's id (the simulated hierarchy is the
 * environment's, see RunEnvOptions.cgroupPath).
 */
import { ERRNO } from './errno.js';
import { FdArrayMap, type Referenced } from './fdarray.js';
import { MapError, type MapAttrs } from './map.js';

const { ENOTSUPP } = ERRNO;

/** A cgroup, by its id. */
export interface CgroupRef extends Referenced {}

export class CgroupArrayMap extends FdArrayMap<CgroupRef> {
  constructor(a: MapAttrs) {
    super(a);
  }

  /** Stores the cgroup `cgroupId` at `index` (what a bpf(2) update with a cgroup fd does). */
  setCgroup(index: number, cgroupId: number): void {
    const rc = cgroupId > 0 ? this.set(index, { id: cgroupId }) : -ERRNO.EBADF;
    if (rc) throw new MapError(`cgroup array ${this.name}: cannot store cgroup ${cgroupId} at ${index}`, -rc);
  }

  /** The cgroup id at `index`, or undefined (an empty slot or out of range). */
  cgroupAt(index: number): number | undefined {
    return this.get(index)?.id;
  }

  /** Any positive id names a cgroup (there is no fd table to check it against). */
  protected resolve(id: number): CgroupRef | undefined {
    return id > 0 ? { id } : undefined;
  }

  /** bpf(2) lookups of cgroup arrays are not supported by the kernel (no map_fd_sys_lookup_elem). */
  protected override userLookup(): number {
    return -ENOTSUPP;
  }
}
