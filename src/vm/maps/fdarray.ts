/**
 * Arrays of references (kernel/bpf/arraymap.c "fd arrays"): BPF_MAP_TYPE_PROG_ARRAY (programs
 * for tail calls), BPF_MAP_TYPE_ARRAY_OF_MAPS (inner maps) and, in perf.ts,
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY. bpf(2) stores an fd and reads back an id; in the VM, ids play
 * the fds' part (map ids, program ids), resolved when an element is updated. `values` holds the
 * stored objects' ids as u32 (programs never read it: the verifier refuses lookups).
 */
import { BPF_ANY, BPF_F, BPF_MAP_TYPE } from '../../uapi/index.js';
import { checkArrayAttrs, arrayNextKey, readU32, writeU32 } from './array.js';
import { ERRNO } from './errno.js';
import { BpfMap, mapById, type MapAttrs, type MapValue } from './map.js';

const { E2BIG, EBADF, EINVAL, ENOENT, ENOTSUPP } = ERRNO;

/** Anything an fd array holds: it has an id (program id, map id, perf event id). */
export interface Referenced {
  readonly id: number;
}

/** fd_array_map_alloc_check(). */
export function checkFdArrayAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.valueSize !== 4) return [EINVAL, `value_size must be 4, got ${a.valueSize}`];
  if (a.flags & (BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG)) return [EINVAL, 'BPF_F_RDONLY_PROG/WRONLY_PROG not allowed'];
  return checkArrayAttrs(a);
}

export abstract class FdArrayMap<T extends Referenced> extends BpfMap {
  readonly values: Uint8Array;
  protected readonly refs: (T | undefined)[];

  constructor(a: MapAttrs) {
    super(a);
    this.values = new Uint8Array(4 * a.maxEntries);
    this.refs = new Array<T | undefined>(a.maxEntries).fill(undefined);
  }

  /** The object at `index` (tail calls, redirect…), or undefined. */
  get(index: number): T | undefined {
    return index >>> 0 < this.maxEntries ? this.refs[index] : undefined;
  }

  /** Stores `obj` at `index` (what a bpf(2) update with its fd does): 0 or -errno. */
  set(index: number, obj: T): number {
    if (index >>> 0 >= this.maxEntries) return -E2BIG;
    const rc = this.accept(obj);
    if (rc) return rc;
    this.refs[index] = obj;
    writeU32(this.values, index * 4, obj.id);
    return 0;
  }

  /** Clears `index`: 0, -E2BIG out of range, -ENOENT when empty (fd_array_map_delete_elem). */
  clear(index: number): number {
    if (index >>> 0 >= this.maxEntries) return -E2BIG;
    if (!this.refs[index]) return -ENOENT;
    this.refs[index] = undefined;
    writeU32(this.values, index * 4, 0);
    return 0;
  }

  /** Whether `obj` may be stored (0) or the errno refusing it. */
  protected accept(_obj: T): number {
    return 0;
  }
  /** The object an id written through bpf(2) stands for (its "fd"). */
  protected abstract resolve(id: number): T | undefined;

  /** Programs cannot look elements up (verifier); the VM answers NULL. */
  lookup(): number {
    return -1;
  }
  /** Programs cannot update fd arrays (verifier). */
  update(): number {
    return -EINVAL;
  }
  delete(key: Uint8Array, keyOff: number): number {
    return this.clear(readU32(key, keyOff));
  }

  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    if (!key) return -EINVAL;
    const obj = this.get(readU32(key, 0));
    if (!obj) return -ENOENT;
    writeU32(out, 0, obj.id);
    return 0;
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    if (!key || flags !== BPF_ANY) return -EINVAL;
    const index = readU32(key, 0);
    if (index >= this.maxEntries) return -E2BIG;
    const obj = this.resolve(readU32(value, 0));
    if (!obj) return -EBADF;
    return this.set(index, obj);
  }

  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    return arrayNextKey(this.maxEntries, key, out);
  }

  protected override get silentEnoent(): boolean {
    return true;
  }
}

/** BPF_MAP_TYPE_PROG_ARRAY: programs for bpf_tail_call. */
export class ProgArrayMap<P extends Referenced = Referenced> extends FdArrayMap<P> {
  /** @param resolveProgram finds a VM program by id (for bpf(2)-style updates with an id). */
  constructor(a: MapAttrs, private readonly resolveProgram: (id: number) => P | undefined = () => undefined) {
    super(a);
  }
  protected resolve(id: number): P | undefined {
    return this.resolveProgram(id);
  }
  /** bpf_tail_call's target: the program at `index`, or undefined (the call falls through). */
  tailCallTarget(index: number): P | undefined {
    return this.get(index);
  }
}

/** The attributes an inner map must match (bpf_map_meta_equal / array_map_meta_equal). */
export interface InnerTemplate {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Map-in-map types cannot nest, and fd arrays cannot be inner maps (-ENOTSUPP at creation). */
export function checkInnerTemplate(t: InnerTemplate | undefined): [number, string] | undefined {
  if (!t) return [EINVAL, 'a map of maps needs an inner map'];
  const refused = [BPF_MAP_TYPE.ARRAY_OF_MAPS, BPF_MAP_TYPE.HASH_OF_MAPS, BPF_MAP_TYPE.PROG_ARRAY, BPF_MAP_TYPE.PERF_EVENT_ARRAY];
  if ((refused as number[]).includes(t.type)) return [ENOTSUPP, 'inner map type not supported'];
  return undefined;
}

/** -EINVAL unless `m` matches the inner map template (max_entries only for arrays without BPF_F_INNER_MAP). */
export function innerMapMatches(t: InnerTemplate, m: BpfMap<MapValue>): number {
  const same = t.type === m.type && t.keySize === m.keySize && t.valueSize === m.valueSize && t.flags === m.flags;
  const entriesOk = t.type !== BPF_MAP_TYPE.ARRAY || t.flags & BPF_F.INNER_MAP || t.maxEntries === m.maxEntries;
  return same && entriesOk ? 0 : -EINVAL;
}

/** BPF_MAP_TYPE_ARRAY_OF_MAPS. */
export class ArrayOfMapsMap extends FdArrayMap<BpfMap<MapValue>> {
  constructor(a: MapAttrs, readonly inner: InnerTemplate) {
    super(a);
  }
  protected override accept(m: BpfMap<MapValue>): number {
    return innerMapMatches(this.inner, m);
  }
  protected resolve(id: number): BpfMap<MapValue> | undefined {
    return mapById(id);
  }
  /** bpf_map_lookup_elem on the outer map: the inner map, or undefined. */
  lookupInner(key: Uint8Array, keyOff: number): BpfMap<MapValue> | undefined {
    return this.get(readU32(key, keyOff));
  }
}
