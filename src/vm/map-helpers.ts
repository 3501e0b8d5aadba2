/**
 * Maps as programs see them. Each map used by a VM is registered once: its value storage (the
 * map's stable `values` Uint8Array) becomes one memory region — read-only to programs with
 * BPF_F_RDONLY_PROG, write-only with BPF_F_WRONLY_PROG — so a map value pointer is that region's base + the offset `lookup()`
 * returns, and the map object itself gets a handle region whose pointer is the "struct bpf_map *"
 * that lddw map pseudo sources load. The map helpers are built on that (see {@link VmMaps.helpers}).
 */
import { constants } from 'node:os';
import { LoadError, VmFault } from '../errors.js';
import { BPF_FUNC, BPF_MAP_TYPE, BPF_PSEUDO } from '../uapi/index.js';
import { BpfMap, mapById, type MapValue } from './maps/map.js';
import { ArrayOfMapsMap } from './maps/fdarray.js';
import { HashOfMapsMap } from './maps/hashofmaps.js';
import { QueueStackMap } from './maps/queue.js';
import { BloomFilterMap } from './maps/bloom.js';
import { RingBufMap } from './maps/ringbuf.js';
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
  /** Reserved ring buffer records by region id. */
  private readonly records = new Map<number, { map: RingBufMap; off: number }>();
  /** The map {@link register} saw last and its regions: a program's lookups mostly repeat one map. */
  private lastMap: AnyMap | undefined;
  private lastRegions: MapRegions | undefined;

  constructor(readonly mem: Memory) {}

  /** Registers `map` (idempotent) and returns its regions. */
  register(map: AnyMap): MapRegions {
    if (map === this.lastMap) return this.lastRegions!;
    let r = this.regions.get(map);
    if (!r) {
      const access = map.progAccess;
      r = {
        handle: this.mem.addHandle(map, map.name),
        values: this.mem.addRegion(map.values, access !== 'ro', { kind: RegionKind.MapValue, name: map.name, readable: access !== 'wo' }),
      };
      this.regions.set(map, r);
    }
    this.lastMap = map;
    this.lastRegions = r;
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
    const fnLo = vm.lo(2), fnHi = vm.hi(2);
    const ctx = vm.regNum(3);
    if (vm.lo(4) !== 0 || vm.hi(4) !== 0) return -EINVAL;
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

  /**
   * The map helpers: lookup/update/delete (and the per-CPU lookup), push/pop/peek of queues,
   * stacks and bloom filters, for_each_map_elem, and the ring-buffer helpers. A reserved ring
   * buffer record is its own region of kind {@link RegionKind.Ringbuf} covering exactly the
   * record; submit/discard unregister it, so a use after release faults.
   */
  helpers(): HelperTable {
    const mem = this.mem;
    const mapArg = (vm: HelperVm): AnyMap => {
      const m = mem.object(vm.lo(1), vm.hi(1));
      if (!(m instanceof BpfMap)) throw new VmFault('R1 is not a map pointer', { insn: vm.pc });
      return m;
    };
    /** Checks `size` bytes at register `r` and returns their offset in mem.bytes[vm.hi(r)]. */
    const bytesArg = (vm: HelperVm, r: number, size: number, write = false) => mem.resolve(vm.lo(r), vm.hi(r), size, write, vm.pc);
    const u64Arg = (vm: HelperVm, r: number) => vm.regNum(r);
    const lookupAt = (vm: HelperVm, map: AnyMap, cpu: number): number => {
      const k = bytesArg(vm, 2, map.keySize), key = mem.bytes[vm.hi(2)];
      if (map instanceof ArrayOfMapsMap || map instanceof HashOfMapsMap) {
        const inner = map.lookupInner(key, k);
        return inner ? this.mapPointer(inner) : 0;
      }
      const off = map.lookup(key, k, cpu);
      return off < 0 ? 0 : mem.pointer(this.register(map).values, off);
    };
    const lookup: Helper = (vm) => lookupAt(vm, mapArg(vm), vm.cpu);
    const lookupPercpu: Helper = (vm) => {
      const map = mapArg(vm), cpu = vm.lo(3) >>> 0;
      return map.perCpu && cpu < map.nCpus ? lookupAt(vm, map, cpu) : 0;
    };
    const update: Helper = (vm) => {
      const map = mapArg(vm);
      const k = bytesArg(vm, 2, map.keySize), v = bytesArg(vm, 3, map.valueSize);
      return map.update(mem.bytes[vm.hi(2)], k, mem.bytes[vm.hi(3)], v, u64Arg(vm, 4), vm.cpu);
    };
    const del: Helper = (vm) => {
      const map = mapArg(vm);
      return map.delete(mem.bytes[vm.hi(2)], bytesArg(vm, 2, map.keySize));
    };
    const queueArg = (vm: HelperVm): QueueStackMap | BloomFilterMap => {
      const map = mapArg(vm);
      if (!(map instanceof QueueStackMap || map instanceof BloomFilterMap)) throw new VmFault(`map '${map.name}' (${map.typeName}) has no push/pop/peek`, { insn: vm.pc });
      return map;
    };
    const push: Helper = (vm) => {
      const map = queueArg(vm);
      return map.push(mem.bytes[vm.hi(2)], bytesArg(vm, 2, map.valueSize), u64Arg(vm, 3));
    };
    const pop: Helper = (vm) => {
      const map = queueArg(vm);
      if (!(map instanceof QueueStackMap)) throw new VmFault(`map '${map.name}' (${map.typeName}) has no pop`, { insn: vm.pc });
      return map.pop(mem.bytes[vm.hi(2)], bytesArg(vm, 2, map.valueSize, true));
    };
    const peek: Helper = (vm) => {
      const map = queueArg(vm);
      const out = bytesArg(vm, 2, map.valueSize, map instanceof QueueStackMap);
      return map.peek(mem.bytes[vm.hi(2)], out);
    };
    const ringbufArg = (vm: HelperVm): RingBufMap => {
      const map = mapArg(vm);
      if (!(map instanceof RingBufMap)) throw new VmFault(`map '${map.name}' (${map.typeName}) is not a ring buffer`, { insn: vm.pc });
      return map;
    };
    const reserve: Helper = (vm) => {
      const map = ringbufArg(vm), size = u64Arg(vm, 2);
      const off = map.reserve(size, u64Arg(vm, 3));
      if (off < 0) return 0;
      const id = mem.addRegion(map.values.subarray(off, off + size), true, { kind: RegionKind.Ringbuf, name: `${map.name} record` });
      this.records.set(id, { map, off });
      return mem.pointer(id, 0);
    };
    const release = (discard: boolean): Helper => (vm) => {
      const rec = vm.lo(1) === 0 ? this.records.get(vm.hi(1)) : undefined;
      if (!rec) throw new VmFault(`bpf_ringbuf_${discard ? 'discard' : 'submit'}: R1 is not a reserved ring buffer record`, { insn: vm.pc });
      this.records.delete(vm.hi(1));
      mem.removeRegion(vm.hi(1));
      rec.map.commit(rec.off, u64Arg(vm, 2), discard);
      return 0;
    };
    const output: Helper = (vm) => {
      const map = ringbufArg(vm), size = u64Arg(vm, 3);
      return map.output(mem.bytes[vm.hi(2)], bytesArg(vm, 2, size), size, u64Arg(vm, 4));
    };
    const query: Helper = (vm) => ringbufArg(vm).query(u64Arg(vm, 2));
    return new Map([
      [BPF_FUNC.map_lookup_elem, lookup],
      [BPF_FUNC.map_update_elem, update],
      [BPF_FUNC.map_delete_elem, del],
      [BPF_FUNC.map_lookup_percpu_elem, lookupPercpu],
      [BPF_FUNC.map_push_elem, push],
      [BPF_FUNC.map_pop_elem, pop],
      [BPF_FUNC.map_peek_elem, peek],
      [BPF_FUNC.for_each_map_elem, (vm) => this.forEach(vm, mapArg(vm))],
      [BPF_FUNC.ringbuf_reserve, reserve],
      [BPF_FUNC.ringbuf_submit, release(false)],
      [BPF_FUNC.ringbuf_discard, release(true)],
      [BPF_FUNC.ringbuf_output, output],
      [BPF_FUNC.ringbuf_query, query],
    ]);
  }
}
