/**
 * Test kit (not part of the library): drives a kernel map through bpftool, pinned in bpffs, so
 * tests can run the same userspace operations on a kernel map and a VM map and compare return
 * codes and dumps. Every bpftool call is pinned to CPU 0 (taskset), which makes the kernel's
 * per-CPU LRU lists deterministic for userspace-only sequences.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import koffi from 'koffi';
import { BPF_CMD } from '../../uapi/index.js';
import { existsSync, rmSync } from 'node:fs';
import { mapTypeName } from '../../uapi/index.js';
import { errnoFromMessage, ERRNO } from './errno.js';
import type { DumpEntry } from './map.js';

const BPFFS = '/sys/fs/bpf';
let seq = 0;

/** Mounts bpffs when needed (tests run as root). */
export function ensureBpffs(): void {
  const r = spawnSync('mountpoint', ['-q', BPFFS]);
  if (r.status !== 0) execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS]);
}

interface Result {
  /** 0 or -errno. */
  rc: number;
  json: unknown;
}

function hex(b: Uint8Array): string[] {
  return b.length ? ['hex', ...Array.from(b, (x) => x.toString(16).padStart(2, '0'))] : [];
}

/** Runs bpftool -j on CPU 0; the errno parsed from its error message (bpftool prints `null` for -ENOENT lookups). */
function bpftool(args: string[]): Result {
  const r = spawnSync('taskset', ['-c', '0', 'bpftool', '-j', ...args], { encoding: 'utf8' });
  const out = r.stdout.trim();
  let json: unknown = null;
  try {
    json = out ? JSON.parse(out) : null;
  } catch {
    json = out;
  }
  if (json && typeof json === 'object' && 'error' in json) {
    const msg = String((json as { error: string }).error);
    const e = errnoFromMessage(msg);
    if (e === undefined) throw new Error(`bpftool ${args.join(' ')}: ${msg}`);
    return { rc: -e, json };
  }
  if (r.status !== 0 && !Array.isArray(json)) {
    const e = errnoFromMessage(r.stderr) ?? (json === null ? ERRNO.ENOENT : undefined);
    if (e === undefined) throw new Error(`bpftool ${args.join(' ')} failed: ${r.stderr}`);
    return { rc: -e, json };
  }
  return { rc: 0, json };
}

export interface KernelMapDesc {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  innerPin?: string;
}

const flagNames = ['any', 'noexist', 'exist'];

/** A minimal bpf(2) for what bpftool cannot do (bloom lookups by value, batch operations). */
const libc = koffi.load('libc.so.6');
const syscall = libc.func('long syscall(long, ...)');
const closeFd = libc.func('int close(int)');
const SYS_bpf = 321;

class Mem {
  readonly ptr: unknown;
  readonly bytes: Uint8Array;
  constructor(n: number) {
    this.ptr = koffi.alloc('uint8_t', Math.max(n, 8));
    this.bytes = new Uint8Array(koffi.view(this.ptr as never, Math.max(n, 8)));
  }
  get addr(): bigint {
    return koffi.address(this.ptr as never) as bigint;
  }
}

function bpf(cmd: number, attr: Mem, size: number): number {
  const r = Number(syscall(SYS_bpf, 'int', cmd, 'void *', attr.ptr, 'uint', size));
  return r < 0 ? -koffi.errno() : r;
}

export interface KernelBatch {
  rc: number;
  count: number;
  keys: Uint8Array[];
  values: Uint8Array[];
  outBatch: Uint8Array;
}

/** A kernel map pinned in bpffs, operated through bpftool (and bpf(2) for batches). */
export class KernelMap {
  private fdCache = -1;
  keySize = 0;
  valueSize = 0;
  private constructor(readonly pin: string) {}

  /** The map's fd (BPF_OBJ_GET on the pin). */
  get fd(): number {
    if (this.fdCache < 0) {
      const path = new Mem(this.pin.length + 1);
      path.bytes.set(new TextEncoder().encode(this.pin));
      const attr = new Mem(24);
      new DataView(attr.bytes.buffer).setBigUint64(0, path.addr, true);
      this.fdCache = bpf(BPF_CMD.OBJ_GET, attr, 24);
      if (this.fdCache < 0) throw new Error(`BPF_OBJ_GET ${this.pin}: ${this.fdCache}`);
    }
    return this.fdCache;
  }

  /** BPF_MAP_LOOKUP_ELEM with no key and `value` as input (bloom filters): 0 or -errno. */
  lookupValue(value: Uint8Array): number {
    const v = new Mem(value.length);
    v.bytes.set(value);
    const attr = new Mem(32);
    const dv = new DataView(attr.bytes.buffer);
    dv.setUint32(0, this.fd, true);
    dv.setBigUint64(16, v.addr, true);
    return bpf(BPF_CMD.MAP_LOOKUP_ELEM, attr, 32);
  }

  /** BPF_MAP_LOOKUP(_AND_DELETE)_BATCH. `valueBytes`: per element (per-CPU: nCpus × roundUp8). */
  lookupBatch(inBatch: Uint8Array | undefined, count: number, tokenSize: number, valueBytes: number, del = false): KernelBatch {
    const keys = new Mem(count * this.keySize), values = new Mem(count * valueBytes);
    const inb = new Mem(tokenSize), outb = new Mem(tokenSize);
    if (inBatch) inb.bytes.set(inBatch);
    const attr = new Mem(48);
    const dv = new DataView(attr.bytes.buffer);
    dv.setBigUint64(0, inBatch ? inb.addr : 0n, true);
    dv.setBigUint64(8, outb.addr, true);
    dv.setBigUint64(16, keys.addr, true);
    dv.setBigUint64(24, values.addr, true);
    dv.setUint32(32, count, true);
    dv.setUint32(36, this.fd, true);
    const rc = bpf(del ? BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH : BPF_CMD.MAP_LOOKUP_BATCH, attr, 48);
    // A command refused outright (-EINVAL, -ENOTSUPP) leaves count as passed: nothing was returned.
    const n = rc < 0 && rc !== -ERRNO.ENOENT && rc !== -ERRNO.ENOSPC ? 0 : dv.getUint32(32, true);
    const ks = [], vs = [];
    for (let i = 0; i < n; i++) {
      ks.push(keys.bytes.slice(i * this.keySize, (i + 1) * this.keySize));
      vs.push(values.bytes.slice(i * valueBytes, (i + 1) * valueBytes));
    }
    return { rc, count: n, keys: ks, values: vs, outBatch: outb.bytes.slice(0, tokenSize) };
  }

  /** BPF_MAP_UPDATE_BATCH / BPF_MAP_DELETE_BATCH: rc and the count processed. */
  writeBatch(keysIn: Uint8Array[], valuesIn: Uint8Array[] | undefined, elemFlags = 0): { rc: number; count: number } {
    const keys = new Mem(keysIn.length * this.keySize);
    keysIn.forEach((k, i) => keys.bytes.set(k, i * this.keySize));
    const vsz = valuesIn?.[0]?.length ?? 0;
    const values = new Mem(keysIn.length * vsz);
    valuesIn?.forEach((v, i) => values.bytes.set(v, i * vsz));
    const attr = new Mem(48);
    const dv = new DataView(attr.bytes.buffer);
    dv.setBigUint64(16, keys.addr, true);
    dv.setBigUint64(24, valuesIn ? values.addr : 0n, true);
    dv.setUint32(32, keysIn.length, true);
    dv.setUint32(36, this.fd, true);
    dv.setBigUint64(40, BigInt(elemFlags), true);
    const rc = bpf(valuesIn ? BPF_CMD.MAP_UPDATE_BATCH : BPF_CMD.MAP_DELETE_BATCH, attr, 48);
    return { rc, count: dv.getUint32(32, true) };
  }

  /** Creates a map; the map, or the errno the kernel refused it with. */
  static create(d: KernelMapDesc): KernelMap | number {
    const pin = `${BPFFS}/tsbpf_maps_${process.pid}_${seq++}`;
    const args = ['map', 'create', pin, 'type', mapTypeName(d.type), 'key', String(d.keySize), 'value', String(d.valueSize),
      'entries', String(d.maxEntries), 'name', `m${seq}`, 'flags', String(d.flags ?? 0)];
    if (d.innerPin) args.push('inner_map', 'pinned', d.innerPin);
    const r = bpftool(args);
    if (r.rc) return r.rc;
    const m = new KernelMap(pin);
    m.keySize = d.keySize;
    m.valueSize = d.valueSize;
    return m;
  }

  update(key: Uint8Array, value: Uint8Array | string[], flags = 0): number {
    const v = value instanceof Uint8Array ? hex(value) : value;
    return bpftool(['map', 'update', 'pinned', this.pin, ...(key.length ? ['key', ...hex(key)] : []), 'value', ...v, flagNames[flags]]).rc;
  }
  delete(key: Uint8Array): number {
    return bpftool(['map', 'delete', 'pinned', this.pin, 'key', ...hex(key)]).rc;
  }
  /** The value bytes (per-CPU: CPU 0's), or -errno. */
  lookup(key: Uint8Array): Uint8Array | number {
    const r = bpftool(['map', 'lookup', 'pinned', this.pin, 'key', ...hex(key)]);
    if (r.rc) return r.rc;
    if (r.json === null) return -ERRNO.ENOENT;
    const j = r.json as { value?: string[]; values?: { value: string[] }[] };
    return bytes(j.value ?? j.values![0].value);
  }
  getNext(key?: Uint8Array): Uint8Array | number {
    const r = bpftool(['map', 'getnext', 'pinned', this.pin, ...(key ? ['key', ...hex(key)] : [])]);
    if (r.rc) return r.rc;
    return bytes((r.json as { next_key: string[] }).next_key);
  }
  push(value: Uint8Array): number {
    return bpftool(['map', 'push', 'pinned', this.pin, 'value', ...hex(value)]).rc;
  }
  pop(): Uint8Array | number {
    return this.valueOp('pop');
  }
  peek(): Uint8Array | number {
    return this.valueOp('peek');
  }
  private valueOp(op: string): Uint8Array | number {
    const r = bpftool(['map', op, 'pinned', this.pin]);
    if (r.rc) return r.rc;
    if (r.json === null) return -ERRNO.ENOENT;
    return bytes((r.json as { value: string[] }).value);
  }
  dump(): DumpEntry[] {
    const r = bpftool(['map', 'dump', 'pinned', this.pin]);
    return (r.json ?? []) as DumpEntry[];
  }
  destroy(): void {
    if (this.fdCache >= 0) closeFd(this.fdCache);
    if (existsSync(this.pin)) rmSync(this.pin);
  }
}

function bytes(h: string[]): Uint8Array {
  return Uint8Array.from(h, (x) => parseInt(x, 16));
}
