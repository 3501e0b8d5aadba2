/**
 * Test kit (not part of the library): the kernel side of the differential map tests. Element and
 * batch commands go through the kernel backend (src/kernel: bpf(2) via koffi) and report
 * 0 / -errno like the VM maps; dumps come from the real `bpftool -j map dump` of the pinned map,
 * the reference for the VM's dump format. The process pins itself to CPU 0 first, so the kernel's
 * per-CPU LRU lists are deterministic for these userspace sequences.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { KernelError } from '../../errors.js';
import { ensureBpffs, KernelMap, NativeBuffer } from '../../kernel/index.js';
import { bpfElem, bpfTry, lastAttr } from '../../kernel/syscall.js';
import { MAP_BATCH } from '../../kernel/layout.js';
import { ERRNO } from './errno.js';
import type { DumpEntry } from './map.js';

let pinned = false;
/** Mounts bpffs when needed and pins this process to CPU 0. */
export function prepareKernelSide(): void {
  ensureBpffs();
  if (!pinned) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  pinned = true;
}

let seq = 0;

export interface KernelMapDesc {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  mapExtra?: number;
  inner?: KernelSide;
}

/** What a KernelError thrown by `fn` carries as -errno, or fn's result. */
function rc<T>(fn: () => T): T | number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KernelError) return -e.errno;
    throw e;
  }
}

export interface KernelBatch {
  rc: number;
  count: number;
  keys: Uint8Array[];
  values: Uint8Array[];
  outBatch: Uint8Array;
}

/** A kernel map with the VM maps' return conventions. */
export class KernelSide {
  private constructor(readonly map: KernelMap) {}

  /** BPF_MAP_CREATE: the map, or the -errno the kernel refused it with. */
  static create(d: KernelMapDesc): KernelSide | number {
    const r = rc(() => KernelMap.create({ type: d.type, keySize: d.keySize, valueSize: d.valueSize, maxEntries: d.maxEntries, flags: d.flags ?? 0, mapExtra: d.mapExtra, innerMap: d.inner?.map, name: `m${seq++}` }));
    return typeof r === 'number' ? r : new KernelSide(r);
  }

  get fd(): number {
    return this.map.fd;
  }
  /** The inner-map "value" of a map of maps: the fd as u32 bytes. */
  get fdBytes(): Uint8Array {
    return Uint8Array.of(this.fd, this.fd >> 8, this.fd >> 16, this.fd >> 24);
  }
  /** Per-CPU maps take every CPU's value: the same one replicated (as bpftool does). */
  private sysValue(v: Uint8Array): Uint8Array {
    return this.map.perCpu && v.length === this.map.valueSize ? this.map.perCpuValue(Array(this.map.valueBytes / ((v.length + 7) & ~7)).fill(v)) : v;
  }

  update(key: Uint8Array | null, value: Uint8Array, flags = 0): number {
    const r = rc(() => this.map.update(key, this.sysValue(value), flags));
    return typeof r === 'number' ? r : 0;
  }
  delete(key: Uint8Array): number {
    const r = rc(() => this.map.delete(key));
    return typeof r === 'number' ? r : r ? 0 : -ERRNO.ENOENT;
  }
  /** The value (per-CPU: CPU 0's), or -errno. */
  lookup(key: Uint8Array | null): Uint8Array | number {
    const r = rc(() => this.map.lookup(key));
    if (r === undefined) return -ERRNO.ENOENT;
    if (typeof r === 'number') return r;
    return this.map.perCpu ? this.map.perCpuValues(r)[0].slice() : r;
  }
  getNext(key?: Uint8Array): Uint8Array | number {
    const r = rc(() => this.map.nextKey(key));
    return r === undefined ? -ERRNO.ENOENT : r;
  }
  push(value: Uint8Array, flags = 0): number {
    return this.update(null, value, flags);
  }
  pop(): Uint8Array | number {
    const r = rc(() => this.map.lookupAndDelete(null));
    return r === undefined ? -ERRNO.ENOENT : r;
  }
  peek(): Uint8Array | number {
    return this.lookup(null);
  }
  /** BPF_MAP_LOOKUP_ELEM with no key and `value` as input (bloom filters): 0 or -errno. */
  lookupValue(value: Uint8Array): number {
    const v = new NativeBuffer(value.length);
    try {
      v.bytes.set(value);
      return bpfElem('MAP_LOOKUP_ELEM', this.fd, 0n, v.addr, 0);
    } finally {
      v.free();
    }
  }

  /** One BPF_MAP_LOOKUP(_AND_DELETE)_BATCH call, token in and out, as the VM's lookupBatch. */
  lookupBatch(inBatch: Uint8Array | undefined, count: number, tokenSize: number, del = false): KernelBatch {
    const ks = this.map.keySize, vs = this.map.valueBytes;
    const keys = new NativeBuffer(count * ks), values = new NativeBuffer(count * vs);
    const inb = new NativeBuffer(tokenSize), outb = new NativeBuffer(tokenSize);
    try {
      if (inBatch) inb.bytes.set(inBatch);
      const r = bpfTry(del ? 'MAP_LOOKUP_AND_DELETE_BATCH' : 'MAP_LOOKUP_BATCH', MAP_BATCH, {
        in_batch: inBatch ? inb.addr : 0n, out_batch: outb.addr, keys: keys.addr, values: values.addr, count, map_fd: this.fd,
      });
      // A command refused outright (-EINVAL, -ENOTSUPP) leaves count as passed: nothing was returned.
      const n = r < 0 && r !== -ERRNO.ENOENT && r !== -ERRNO.ENOSPC ? 0 : lastAttr().getUint32(MAP_BATCH.fields.count[0], true);
      const out: KernelBatch = { rc: r, count: n, keys: [], values: [], outBatch: outb.bytes.slice() };
      for (let i = 0; i < n; i++) {
        out.keys.push(keys.bytes.slice(i * ks, (i + 1) * ks));
        out.values.push(values.bytes.slice(i * vs, (i + 1) * vs));
      }
      return out;
    } finally {
      keys.free(); values.free(); inb.free(); outb.free();
    }
  }

  /** One BPF_MAP_UPDATE_BATCH (values given) or BPF_MAP_DELETE_BATCH: rc and the count processed. */
  writeBatch(keysIn: Uint8Array[], valuesIn: Uint8Array[] | undefined, elemFlags = 0): { rc: number; count: number } {
    const ks = this.map.keySize, vs = this.map.valueBytes;
    const keys = new NativeBuffer(keysIn.length * ks), values = new NativeBuffer(keysIn.length * vs);
    try {
      keysIn.forEach((k, i) => keys.bytes.set(k, i * ks));
      valuesIn?.forEach((v, i) => values.bytes.set(this.sysValue(v), i * vs));
      const r = bpfTry(valuesIn ? 'MAP_UPDATE_BATCH' : 'MAP_DELETE_BATCH', MAP_BATCH, {
        keys: keys.addr, values: valuesIn ? values.addr : 0n, count: keysIn.length, map_fd: this.fd, elem_flags: elemFlags,
      });
      return { rc: r, count: lastAttr().getUint32(MAP_BATCH.fields.count[0], true) };
    } finally {
      keys.free(); values.free();
    }
  }

  /** `bpftool -j map dump` of the map (pinned for the occasion). */
  dump(): DumpEntry[] {
    const pin = `/sys/fs/bpf/tsbpf_maps_${process.pid}_${seq++}`;
    this.map.pin(pin);
    try {
      const r = spawnSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' });
      const out = r.stdout.trim();
      return out ? (JSON.parse(out) as DumpEntry[]) : [];
    } finally {
      rmSync(pin, { force: true });
    }
  }

  destroy(): void {
    this.map.close();
  }
}
