/**
 * The plain description a map is created from (what an ObjectSpec's MapSpec carries), the
 * checks BPF_MAP_CREATE applies to every map type, and the machine's possible-CPU count.
 */
import { possibleCpuCount } from '../../uapi/cpus.js';
import { BPF_F, mapTypeByName, type MapTypeName } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { MapCreateError, type MapAttrs } from './map.js';

/** A map to create, as plain data. */
export interface MapDescription {
  /** BPF_MAP_TYPE_* number or bpftool name (`hash`, `lru_percpu_hash`…). */
  type: number | MapTypeName;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** `map_flags` (BPF_F_*). */
  flags?: number;
  /** `map_extra` (bloom filter: number of hash functions in bits 0-3). */
  mapExtra?: number | bigint;
  /** Maps of maps: the inner map template (a description, or an existing map). */
  innerMap?: MapDescription;
  name?: string;
  /** Offset of a `struct bpf_spin_lock` in the value (from BTF); enables BPF_F_LOCK. */
  spinLockOffset?: number;
}

/** Options of the VM the map lives in. */
export interface MapOptions {
  /** CPUs per-CPU maps hold values for (default: the machine's possible CPUs, like the kernel). */
  cpus?: number;
}

/** `BPF_F_ACCESS_MASK`: the access flags every map type accepts. */
export const ACCESS_MASK = BPF_F.RDONLY | BPF_F.WRONLY | BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG;

/** The kernel's KMALLOC_MAX_SIZE on x86-64: 1 << (MAX_PAGE_ORDER 10 + PAGE_SHIFT 12). */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** PCPU_MIN_UNIT_SIZE: the largest per-CPU value. */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
export const PAGE_SIZE = 4096;

/** bpf_map_flags_access_ok(): RDONLY_PROG and WRONLY_PROG exclude each other. */
export function accessOk(flags: number): boolean {
  return (flags & (BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG)) !== (BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG);
}

/** Number of possible CPUs, the default CPU count of per-CPU maps (see possibleCpuCount). */
export const defaultCpuCount = possibleCpuCount;

/** Resolves the description into map attributes, applying BPF_MAP_CREATE's type-independent checks. */
export function resolveAttrs(d: MapDescription, opts: MapOptions = {}): MapAttrs {
  const type = typeof d.type === 'number' ? d.type : mapTypeByName(d.type);
  const name = d.name ?? '';
  const fail = (msg: string, errno: number): never => {
    throw new MapCreateError(`map ${name || '(unnamed)'}: ${msg}`, errno);
  };
  if (type === undefined) return fail(`unknown map type ${String(d.type)}`, ERRNO.EINVAL);
  for (const f of ['keySize', 'valueSize', 'maxEntries'] as const) {
    if (!Number.isInteger(d[f]) || d[f] < 0 || d[f] > 0xffffffff) fail(`${f} must be a u32, got ${d[f]}`, ERRNO.EINVAL);
  }
  const flags = d.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) fail(`flags must be a u32, got ${flags}`, ERRNO.EINVAL);
  const mapExtra = BigInt(d.mapExtra ?? 0);
  // bpf_obj_name_cpy(): at most 15 characters of [A-Za-z0-9_.].
  if (name.length > 15 || !/^[A-Za-z0-9_.]*$/.test(name)) fail(`invalid map name "${name}"`, ERRNO.EINVAL);
  // bpf_get_file_flag(): RDONLY and WRONLY together are refused.
  if ((flags & BPF_F.RDONLY) && (flags & BPF_F.WRONLY)) fail('BPF_F_RDONLY and BPF_F_WRONLY are exclusive', ERRNO.EINVAL);
  const cpus = opts.cpus ?? defaultCpuCount();
  if (!Number.isInteger(cpus) || cpus < 1) fail(`CPU count must be a positive integer, got ${cpus}`, ERRNO.EINVAL);
  return {
    type, name, keySize: d.keySize, valueSize: d.valueSize, maxEntries: d.maxEntries, flags, mapExtra, nCpus: cpus,
    spinLockOffset: d.spinLockOffset,
  };
}
