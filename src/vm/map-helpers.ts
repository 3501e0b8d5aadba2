/**
 * Maps as programs see them. Each map used by a VM is registered once: its value storage (the
 * map's stable `values` Uint8Array) becomes one memory region — read-only to programs with
 * BPF_F_RDONLY_PROG — so a map value pointer is that region's base + the offset `lookup()`
 * returns, and the map object itself gets a handle region whose pointer is the "struct bpf_map *"
 * that lddw map pseudo sources load. The map helpers (lookup/update/delete) are built on that.
 */
import { constants } from 'node:os';
import { LoadError, VmFault } from '../errors.js';
import { BPF_F, BPF_FUNC, BPF_MAP_TYPE, BPF_PSEUDO } from '../uapi/index.js';
import { BpfMap, mapById, type MapValue } from './maps/map.js';
import { ArrayOfMapsMap } from './maps/fdarray.js';
import { HashOfMapsMap } from './maps/hashofmaps.js';
import { RegionKind, type Memory } from './memory.js';
import type { Helper, HelperTable, HelperVm, Ld64Resolver } from './program.js';

type AnyMap = BpfMap<MapValue>;

const { EINVAL } = constants.errno;

/** Regions of a registered map. */
export interface MapRegions {
  /** Handle region: its pointer is the map pointer. */
  readonly handle: number;
  /** Region over `map.values`. */
  readonly values: number;
}

/** The maps of one VM memory and the helpers that operate on them. */
export class VmMaps {
  private readonly regions = new Map<AnyMap, MapRegions>();
  private readonly keyRegions = new Map<Uint8Array, number>();

  constructor(readonly mem: Memory) {}

  /** Registers `map` (idempotent) and returns its regions. */
  register(map: AnyMap): MapRegions {
    let r = this.regions.get(map);
    if (!r) {
      const writable = (map.flags & BPF_F.RDONLY_PROG) === 0;
      r = {
        handle: this.mem.addHandle(map, map.name),
        values: this.mem.addRegion(map.values, writable, { kind: RegionKind.MapValue, name: map.name }),
      };
      this.regions.set(map, r);
    }
    return r;
  }

  /** The map pointer of `map` (what `lddw rN, map` loads). */
  mapPointer(map: AnyMap): number {
    return this.mem.pointer(this.register(map).handle, 0);
  }

  /** A pointer to byte `offset` of the map's value storage. */
  valuePointer(map: AnyMap, offset: number): number {
    return this.mem.pointer(this.register(map).values, offset);
  }

  /**
   * The lddw resolver for programs using these maps: BPF_PSEUDO_MAP_FD / MAP_VALUE carry a VM
   * map id (VM map ids play the role of fds), BPF_PSEUDO_MAP_IDX / MAP_IDX_VALUE an index into
   * `maps`; the *_VALUE forms add the second slot's imm as the offset into the value (direct
   * value access, single-entry array maps only, like the kernel).
   */
  resolver(maps: readonly AnyMap[] = []): Ld64Resolver {
    return (pseudo, imm, nextImm, insn) => {
      const byIndex = pseudo === BPF_PSEUDO.MAP_IDX || pseudo === BPF_PSEUDO.MAP_IDX_VALUE;
      const isValue = pseudo === BPF_PSEUDO.MAP_VALUE || pseudo === BPF_PSEUDO.MAP_IDX_VALUE;
      if (!byIndex && pseudo !== BPF_PSEUDO.MAP_FD && pseudo !== BPF_PSEUDO.MAP_VALUE) {
        throw new LoadError(`lddw pseudo source ${pseudo} is not supported by the VM`, { insn });
      }
      const map = byIndex ? maps[imm] : mapById(imm);
      if (!map) throw new LoadError(`lddw refers to ${byIndex ? `map index ${imm}` : `map id ${imm}`}, which does not exist`, { insn });
      if (!isValue) return this.mapPointer(map);
      if (map.type !== BPF_MAP_TYPE.ARRAY || map.maxEntries !== 1) {
        throw new LoadError(`direct value access to map '${map.name}' needs an array map with one entry (${map.typeName}, max_entries ${map.maxEntries})`, { insn });
      }
      if (nextImm < 0 || nextImm >= map.valueSize) throw new LoadError(`invalid access to map value pointer, value_size=${map.valueSize} off=${nextImm}`, { insn });
      return this.valuePointer(map, nextImm);
    };
  }

  /**
   * `long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags)`: calls
   * `callback_fn(map, &key, &value, callback_ctx)` for each element (the value of the current
   * CPU for per-CPU maps; the map's `forEachElem` decides the order) until it returns non-zero;
   * returns the number of elements visited, -EINVAL for non-zero flags, -ENOTSUPP for map types
   * without it. Keys point into the map's key storage, registered read-only.
   */
  private forEach(vm: HelperVm, map: AnyMap): number {
    const fnLo = vm.rl[2], fnHi = vm.rh[2];
    const ctx = vm.rh[3] * 4294967296 + (vm.rl[3] >>> 0);
    if (vm.rl[4] !== 0 || vm.rh[4] !== 0) return -EINVAL;
    const mapPtr = this.mapPointer(map);
    const values = this.register(map).values;
    return map.forEachElem(vm.cpu, (keys, keyOff, valueOff) => vm.callback(
      fnLo, fnHi, mapPtr, this.mem.pointer(this.keyRegion(keys, map.name), keyOff), this.mem.pointer(values, valueOff), ctx));
  }

  /** The read-only region over a map's key storage (registered on first use). */
  private keyRegion(keys: Uint8Array, name: string): number {
    let id = this.keyRegions.get(keys);
    if (id === undefined) {
      id = this.mem.addRegion(keys, false, { kind: RegionKind.MapValue, name: `${name} keys` });
      this.keyRegions.set(keys, id);
    }
    return id;
  }

  /** bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem, bpf_for_each_map_elem over the registered maps. */
  helpers(): HelperTable {
    const mem = this.mem;
    const mapArg = (vm: HelperVm): AnyMap => {
      const m = mem.object(vm.rl[1], vm.rh[1]);
      if (!(m instanceof BpfMap)) throw new VmFault('R1 is not a map pointer', { insn: vm.pc });
      return m;
    };
    /** Checks `size` readable bytes at register `r` and returns their offset in mem.bytes[vm.rh[r]]. */
    const bytesArg = (vm: HelperVm, r: number, size: number) => mem.resolve(vm.rl[r], vm.rh[r], size, false, vm.pc);
    const lookup: Helper = (vm) => {
      const map = mapArg(vm);
      const k = bytesArg(vm, 2, map.keySize), key = mem.bytes[vm.rh[2]];
      if (map instanceof ArrayOfMapsMap || map instanceof HashOfMapsMap) {
        const inner = map.lookupInner(key, k);
        return inner ? this.mapPointer(inner) : 0;
      }
      const off = map.lookup(key, k, vm.cpu);
      return off < 0 ? 0 : mem.pointer(this.register(map).values, off);
    };
    const update: Helper = (vm) => {
      const map = mapArg(vm);
      const k = bytesArg(vm, 2, map.keySize), v = bytesArg(vm, 3, map.valueSize);
      const flags = vm.rh[4] * 4294967296 + (vm.rl[4] >>> 0);
      return map.update(mem.bytes[vm.rh[2]], k, mem.bytes[vm.rh[3]], v, flags, vm.cpu);
    };
    const del: Helper = (vm) => {
      const map = mapArg(vm);
      const k = bytesArg(vm, 2, map.keySize);
      return map.delete(mem.bytes[vm.rh[2]], k);
    };
    return new Map([
      [BPF_FUNC.map_lookup_elem, lookup],
      [BPF_FUNC.map_update_elem, update],
      [BPF_FUNC.map_delete_elem, del],
      [BPF_FUNC.for_each_map_elem, (vm) => this.forEach(vm, mapArg(vm))],
    ]);
  }
}
