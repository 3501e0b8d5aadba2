/**
 * BPF_MAP_TYPE_HASH_OF_MAPS: a hash map whose values are inner maps. bpf(2) updates take the
 * inner map's fd (in the VM: its id) and lookups return its id; `values` holds the ids, and a
 * program's lookup yields the inner map through {@link HashOfMapsMap.lookupInner}.
 */
import { readU32, writeU32 } from './array.js';
import { ERRNO } from './errno.js';
import { innerMapMatches, type InnerTemplate } from './fdarray.js';
import { HashMap } from './hash.js';
import { mapById, type BpfMap, type MapAttrs, type MapValue } from './map.js';

const { EBADF, EINVAL } = ERRNO;

export class HashOfMapsMap extends HashMap {
  constructor(a: MapAttrs, readonly inner: InnerTemplate) {
    super(a);
  }

  /** bpf_map_lookup_elem on the outer map: the inner map, or undefined. */
  lookupInner(key: Uint8Array, keyOff: number): BpfMap<MapValue> | undefined {
    const off = this.lookup(key, keyOff, 0);
    return off < 0 ? undefined : mapById(readU32(this.values, off));
  }

  /** Stores `inner` under `key` (a bpf(2) update with its fd): 0 or -errno. */
  setInner(key: Uint8Array, inner: BpfMap<MapValue>, flags = 0): number {
    const id = new Uint8Array(4);
    writeU32(id, 0, inner.id);
    return this.sysUpdate(key, id, flags);
  }

  /** Programs cannot update maps of maps (verifier). */
  override update(): number {
    return -EINVAL;
  }

  protected override userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    const m = mapById(readU32(value, 0));
    if (!m) return -EBADF;
    const rc = innerMapMatches(this.inner, m);
    return rc || super.userUpdate(key, value, flags);
  }

  protected override get silentEnoent(): boolean {
    return true;
  }
}
