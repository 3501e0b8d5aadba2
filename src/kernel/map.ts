/**
 * KernelMap: a BPF map in the kernel, created with BPF_MAP_CREATE (or opened by fd, id or pin),
 * with the element and batch commands. Keys and values are bytes exactly as the kernel stores
 * them; per-CPU maps take and return `roundup(value_size, 8) * possible CPUs` bytes, one slot per
 * CPU (see {@link KernelMap.perCpuValues}). Each map keeps native key/value buffers, so element
 * operations allocate nothing but the result they return.
 */
import { BPF_ANY, BPF_MAP_TYPE, mapTypeName } from '../uapi/index.js';
import { mapTypeId } from './names.js';
import { KernelError } from '../errors.js';
import { FdObject, adoptFd, expectKind } from './fd.js';
import { GET_ID, MAP_BATCH, MAP_CREATE, MAP_FREEZE, readU32 } from './layout.js';
import { NativeBuffer } from './libc.js';
import { bpf, bpfElem, bpfTry, lastAttr } from './syscall.js';
import { ERRNO, kernelError } from './errno.js';
import { possibleCpuCount } from '../uapi/cpus.js';
import { mapInfo, type MapInfo } from './info.js';
import { objGet, objPin } from './pin.js';

/** Options of BPF_MAP_CREATE (the fields of `union bpf_attr` for that command). */
export interface MapOptions {
  /** Map type id or bpftool name (`hash`, `percpu_array`, `lpm_trie`…). */
  type: number | string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** `BPF_F_*` map flags (e.g. `BPF_F.NO_PREALLOC`, required by `lpm_trie`). */
  flags?: number;
  /** Up to 15 characters of `[A-Za-z0-9_.]`. */
  name?: string;
  /** Inner map template of array_of_maps / hash_of_maps. */
  innerMap?: KernelMap | number;
  numaNode?: number;
  ifindex?: number;
  /** BTF object (fd) and the type ids of key and value in it. */
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  /** Type-specific extra (bloom filter hash count, arena address…). */
  mapExtra?: number | bigint;
}

/** Map types whose values hold one slot per possible CPU in the syscall interface. */
const PER_CPU_TYPES: ReadonlySet<number> = new Set([
  BPF_MAP_TYPE.PERCPU_HASH, BPF_MAP_TYPE.PERCPU_ARRAY, BPF_MAP_TYPE.LRU_PERCPU_HASH, BPF_MAP_TYPE.PERCPU_CGROUP_STORAGE,
]);

const roundUp8 = (n: number): number => (n + 7) & ~7;

/** One entry of `bpftool -j map dump` (maps without BTF): bytes as `"0x0a"` strings. */
export type BpftoolMapEntry =
  | { key: string[]; value: string[] }
  | { key: string[]; values: { cpu: number; value: string[] }[] };

const hexBytes = (b: Uint8Array): string[] => Array.from(b, (x) => `0x${x.toString(16).padStart(2, '0')}`);

export interface BatchResult {
  keys: Uint8Array[];
  values: Uint8Array[];
}

export class KernelMap extends FdObject {
  readonly type: number;
  readonly keySize: number;
  /** value_size as created (per-CPU maps: the size of one CPU's slot before rounding). */
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  /** True for per-CPU map types. */
  readonly perCpu: boolean;
  /** Bytes of a value at the syscall interface (all CPUs' slots for per-CPU maps). */
  readonly valueBytes: number;
  readonly #key: NativeBuffer;
  readonly #next: NativeBuffer;
  readonly #value: NativeBuffer;

  private constructor(fd: number, info: Pick<MapInfo, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags' | 'name'>) {
    super(fd);
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.name = info.name;
    this.perCpu = PER_CPU_TYPES.has(info.type);
    this.valueBytes = this.perCpu ? roundUp8(info.valueSize) * possibleCpuCount() : info.valueSize;
    this.#key = new NativeBuffer(this.keySize);
    this.#next = new NativeBuffer(this.keySize);
    this.#value = new NativeBuffer(this.valueBytes);
  }

  /** BPF_MAP_CREATE. */
  static create(o: MapOptions): KernelMap {
    const type = mapTypeId(o.type);
    const fd = bpfTry('MAP_CREATE', MAP_CREATE, {
      map_type: type, key_size: o.keySize, value_size: o.valueSize, max_entries: o.maxEntries, map_flags: o.flags ?? 0,
      inner_map_fd: o.innerMap === undefined ? 0 : typeof o.innerMap === 'number' ? o.innerMap : o.innerMap.fd,
      numa_node: o.numaNode ?? 0, map_name: o.name ?? '', map_ifindex: o.ifindex ?? 0, btf_fd: o.btfFd ?? 0,
      btf_key_type_id: o.btfKeyTypeId ?? 0, btf_value_type_id: o.btfValueTypeId ?? 0,
      btf_vmlinux_value_type_id: o.btfVmlinuxValueTypeId ?? 0, map_extra: o.mapExtra ?? 0,
    });
    if (fd < 0) {
      const what = `${mapTypeName(type)} map${o.name ? ` "${o.name}"` : ''} (key ${o.keySize}, value ${o.valueSize}, max_entries ${o.maxEntries}, flags 0x${(o.flags ?? 0).toString(16)})`;
      throw kernelError(`bpf(BPF_MAP_CREATE) ${what}`, -fd);
    }
    return new KernelMap(fd, { type, keySize: o.keySize, valueSize: o.valueSize, maxEntries: o.maxEntries, flags: o.flags ?? 0, name: o.name ?? '' });
  }

  /** Takes ownership of a map fd (its parameters come from BPF_OBJ_GET_INFO_BY_FD). */
  static fromFd(fd: number): KernelMap {
    expectKind(fd, 'map');
    return new KernelMap(fd, mapInfo(fd));
  }

  /** Opens the map with this id (BPF_MAP_GET_FD_BY_ID). */
  static fromId(id: number): KernelMap {
    return adoptFd(bpf('MAP_GET_FD_BY_ID', GET_ID, { map_id: id }), KernelMap.fromFd);
  }

  /** Opens a map pinned in bpffs (BPF_OBJ_GET). */
  static fromPin(path: string): KernelMap {
    return adoptFd(objGet(path), KernelMap.fromFd);
  }

  /** bpftool's name of the map type. */
  get typeName(): string {
    return mapTypeName(this.type);
  }

  /** `struct bpf_map_info` (id, BTF ids…). */
  info(): MapInfo {
    return mapInfo(this.fd);
  }

  /** Pins the map at `path` in bpffs (mounting /sys/fs/bpf first if needed). */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  /** The value of `key`, or undefined when there is none (ENOENT). Writes into `out` when given. */
  lookup(key: Uint8Array | null, out?: Uint8Array): Uint8Array | undefined {
    return this.#lookup('MAP_LOOKUP_ELEM', key, out, 0);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: the value removed (queue/stack: key null pops). */
  lookupAndDelete(key: Uint8Array | null, out?: Uint8Array): Uint8Array | undefined {
    return this.#lookup('MAP_LOOKUP_AND_DELETE_ELEM', key, out, 0);
  }

  #lookup(cmd: 'MAP_LOOKUP_ELEM' | 'MAP_LOOKUP_AND_DELETE_ELEM', key: Uint8Array | null, out: Uint8Array | undefined, flags: number): Uint8Array | undefined {
    const ret = bpfElem(cmd, this.fd, this.#keyAddr(key), this.#value.addr, flags);
    if (ret === -ERRNO.ENOENT) return undefined;
    if (ret < 0) throw kernelError(`bpf(BPF_${cmd}) on map ${this.#label()}`, -ret);
    const result = out ?? new Uint8Array(this.valueBytes);
    result.set(this.#value.bytes.subarray(0, Math.min(result.length, this.valueBytes)));
    return result;
  }

  /** Sets `key` to `value` (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`); queue/stack: key null pushes. */
  update(key: Uint8Array | null, value: Uint8Array, flags: number = BPF_ANY): void {
    const fd = this.fd; // EBADF before touching the (freed) buffers of a closed map
    this.#checkSize('value', value, this.valueBytes);
    this.#value.bytes.set(value);
    const ret = bpfElem('MAP_UPDATE_ELEM', fd, this.#keyAddr(key), this.#value.addr, flags);
    if (ret < 0) throw kernelError(`bpf(BPF_MAP_UPDATE_ELEM) on map ${this.#label()}`, -ret);
  }

  /** Deletes `key`; false when it was absent (ENOENT). */
  delete(key: Uint8Array): boolean {
    const ret = bpfElem('MAP_DELETE_ELEM', this.fd, this.#keyAddr(key), 0n, 0);
    if (ret === -ERRNO.ENOENT) return false;
    if (ret < 0) throw kernelError(`bpf(BPF_MAP_DELETE_ELEM) on map ${this.#label()}`, -ret);
    return true;
  }

  /** The key after `key` (the first key when `key` is undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    const fd = this.fd;
    const keyAddr = key === undefined ? 0n : this.#keyAddr(key);
    const ret = bpfElem('MAP_GET_NEXT_KEY', fd, keyAddr, this.#next.addr, 0);
    if (ret === -ERRNO.ENOENT) return undefined;
    if (ret < 0) throw kernelError(`bpf(BPF_MAP_GET_NEXT_KEY) on map ${this.#label()}`, -ret);
    return this.#next.bytes.slice();
  }

  /** Every key, in the kernel's iteration order (BPF_MAP_GET_NEXT_KEY). */
  *keys(): IterableIterator<Uint8Array> {
    for (let k = this.nextKey(); k !== undefined; k = this.nextKey(k)) yield k;
  }

  /** Every [key, value] pair; keys deleted during the walk are skipped. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v !== undefined) yield [k, v];
    }
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries();
  }

  /** Every entry in the shape of `bpftool -j map dump` (per-CPU maps: one value per possible CPU). */
  dump(): BpftoolMapEntry[] {
    return [...this.entries()].map(([k, v]) => this.perCpu
      ? { key: hexBytes(k), values: this.perCpuValues(v).map((value, cpu) => ({ cpu, value: hexBytes(value) })) }
      : { key: hexBytes(k), value: hexBytes(v) });
  }

  /** Splits a per-CPU value into one slot of `valueSize` bytes per possible CPU. */
  perCpuValues(value: Uint8Array): Uint8Array[] {
    if (!this.perCpu) throw new KernelError(`map ${this.#label()} (${this.typeName}) is not per-CPU`, ERRNO.EINVAL);
    const stride = roundUp8(this.valueSize);
    return Array.from({ length: value.length / stride }, (_, cpu) => value.subarray(cpu * stride, cpu * stride + this.valueSize));
  }

  /** Builds a per-CPU value from one slot per CPU (missing CPUs get zeros). */
  perCpuValue(slots: readonly Uint8Array[]): Uint8Array {
    const stride = roundUp8(this.valueSize), out = new Uint8Array(this.valueBytes);
    slots.forEach((s, cpu) => out.set(s.subarray(0, this.valueSize), cpu * stride));
    return out;
  }

  /**
   * Every entry through BPF_MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH with `deleteAfter`),
   * `batchSize` elements per call (grown when a hash bucket does not fit: ENOSPC).
   */
  lookupBatch(options: { batchSize?: number; deleteAfter?: boolean; elemFlags?: number } = {}): BatchResult {
    const cmd = options.deleteAfter ? 'MAP_LOOKUP_AND_DELETE_BATCH' : 'MAP_LOOKUP_BATCH';
    let batch = Math.max(1, options.batchSize ?? 64);
    const tokenSize = Math.max(this.keySize, 8);
    const inTok = new NativeBuffer(tokenSize), outTok = new NativeBuffer(tokenSize);
    const result: BatchResult = { keys: [], values: [] };
    let keys = new NativeBuffer(batch * this.keySize), values = new NativeBuffer(batch * this.valueBytes);
    try {
      for (let first = true; ;) {
        const ret = bpfTry(cmd, MAP_BATCH, {
          in_batch: first ? 0n : inTok.addr, out_batch: outTok.addr, keys: keys.addr, values: values.addr,
          count: batch, map_fd: this.fd, elem_flags: options.elemFlags ?? 0,
        });
        if (ret === -ERRNO.ENOSPC && batch < this.maxEntries * 2) {
          keys.free(); values.free();
          batch *= 2;
          keys = new NativeBuffer(batch * this.keySize); values = new NativeBuffer(batch * this.valueBytes);
          continue;
        }
        if (ret < 0 && ret !== -ERRNO.ENOENT) throw kernelError(`bpf(BPF_${cmd}) on map ${this.#label()}`, -ret);
        const n = readU32(lastAttr(), MAP_BATCH.fields.count);
        for (let i = 0; i < n; i++) {
          result.keys.push(keys.bytes.slice(i * this.keySize, (i + 1) * this.keySize));
          result.values.push(values.bytes.slice(i * this.valueBytes, (i + 1) * this.valueBytes));
        }
        if (ret === -ERRNO.ENOENT) return result;
        inTok.bytes.set(outTok.bytes);
        first = false;
      }
    } finally {
      inTok.free(); outTok.free(); keys.free(); values.free();
    }
  }

  /** BPF_MAP_UPDATE_BATCH: sets keys[i] to values[i]; returns how many were written. */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], options: { elemFlags?: number } = {}): number {
    if (keys.length !== values.length) throw new KernelError(`updateBatch: ${keys.length} keys but ${values.length} values`, ERRNO.EINVAL);
    const k = this.#pack('key', keys, this.keySize), v = this.#pack('value', values, this.valueBytes);
    try {
      const ret = bpfTry('MAP_UPDATE_BATCH', MAP_BATCH, { keys: k.addr, values: v.addr, count: keys.length, map_fd: this.fd, elem_flags: options.elemFlags ?? 0 });
      if (ret < 0) throw kernelError(`bpf(BPF_MAP_UPDATE_BATCH) on map ${this.#label()} after ${readU32(lastAttr(), MAP_BATCH.fields.count)} elements`, -ret);
      return readU32(lastAttr(), MAP_BATCH.fields.count);
    } finally {
      k.free(); v.free();
    }
  }

  /** BPF_MAP_DELETE_BATCH: deletes every key (all must exist); returns how many were deleted. */
  deleteBatch(keys: readonly Uint8Array[]): number {
    const k = this.#pack('key', keys, this.keySize);
    try {
      const ret = bpfTry('MAP_DELETE_BATCH', MAP_BATCH, { keys: k.addr, count: keys.length, map_fd: this.fd });
      if (ret < 0) throw kernelError(`bpf(BPF_MAP_DELETE_BATCH) on map ${this.#label()} after ${readU32(lastAttr(), MAP_BATCH.fields.count)} elements`, -ret);
      return readU32(lastAttr(), MAP_BATCH.fields.count);
    } finally {
      k.free();
    }
  }

  /** BPF_MAP_FREEZE: userspace can no longer write the map (programs still can, unless RDONLY_PROG). */
  freeze(): void {
    bpf('MAP_FREEZE', MAP_FREEZE, { map_fd: this.fd });
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    this.#key.free();
    this.#next.free();
    this.#value.free();
  }

  #pack(what: string, items: readonly Uint8Array[], size: number): NativeBuffer {
    const buf = new NativeBuffer(items.length * size);
    items.forEach((item, i) => {
      this.#checkSize(`${what} ${i}`, item, size);
      buf.bytes.set(item, i * size);
    });
    return buf;
  }

  #keyAddr(key: Uint8Array | null): bigint {
    if (key === null) return 0n;
    this.#checkSize('key', key, this.keySize);
    this.#key.bytes.set(key);
    return this.#key.addr;
  }

  #checkSize(what: string, bytes: Uint8Array, size: number): void {
    if (bytes.length !== size) throw new KernelError(`map ${this.#label()}: ${what} has ${bytes.length} bytes, expected ${size}`, ERRNO.EINVAL);
  }

  #label(): string {
    return this.name ? `"${this.name}"` : `fd ${this.fd}`;
  }
}
