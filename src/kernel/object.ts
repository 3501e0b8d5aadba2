/**
 * loadObject: an ObjectSpec loaded into the kernel the way libbpf's bpf_object__load does —
 * BTF (re-encoded and sanitised), maps (BTF key/value types with a retry without them, global
 * data with its initial contents, `.rodata`/`.kconfig` frozen, map-in-map inner templates,
 * pinned-by-name maps reused), lddw references turned into map fds (BPF_PSEUDO_MAP_FD /
 * BPF_PSEUDO_MAP_VALUE), ksyms and kfuncs resolved in the vmlinux BTF, CO-RE relocations handed
 * to the kernel (core_relos), every program loaded with its expected attach type, then
 * prog-array and map-in-map initialisers written. Everything is closed again on failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BPF_ATTACH_TYPE, BPF_MAP_TYPE, BPF_PROG_F, BPF_PSEUDO, BPF_PSEUDO_KFUNC_CALL, progTypeName } from '../uapi/index.js';
import { LoadError, TsbpfError } from '../errors.js';
import type { Instruction } from '../isa/index.js';
import { loadBtf, type BtfSpec } from '../btf/spec.js';
import { CORE_RELO_KIND } from '../btf/ext.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import { BtfWriter } from './btf-encode.js';
import { KernelBtf } from './btf.js';
import { KernelMap, type MapOptions } from './map.js';
import { KernelProgram, type BtfExtRecords } from './program.js';
import { possibleCpuCount } from '../uapi/cpus.js';
import { fillKconfig } from './kconfig.js';
import { BPFFS_ROOT } from './pin.js';
import { kernelObjectName, progTypeId } from './names.js';

export interface LoadObjectOptions {
  /** Load only these programs (by name); default: all. */
  programs?: readonly string[];
  /** Verifier log level for every program (see KernelProgram.load). */
  logLevel?: number;
  logSize?: number;
  /**
   * Program type (id or bpftool name) for programs whose section names none (`prog`, `.text`,
   * iproute2-style names), by program name — what `bpftool prog load … type T` supplies.
   */
  programTypes?: Readonly<Record<string, number | string>>;
  /** Directory of maps pinned by name (`__uint(pinning, LIBBPF_PIN_BY_NAME)`); default /sys/fs/bpf. */
  pinRoot?: string;
}

/** The loaded object: its programs and maps by name. close() releases every fd. */
export class KernelObject {
  /** Things libbpf would log as warnings (e.g. BTF the kernel refused, loaded without it). */
  readonly warnings: string[] = [];
  readonly programs = new Map<string, KernelProgram>();
  readonly maps = new Map<string, KernelMap>();
  btf?: KernelBtf;

  /** The program called `name`; LoadError when the object has none. */
  program(name: string): KernelProgram {
    const p = this.programs.get(name);
    if (!p) throw new LoadError(`no program '${name}' (loaded: ${[...this.programs.keys()].join(', ') || 'none'})`);
    return p;
  }

  /** The map called `name` (libbpf's name: `<obj>.rodata` for global data). */
  map(name: string): KernelMap {
    const m = this.maps.get(name);
    if (!m) throw new LoadError(`no map '${name}' (maps: ${[...this.maps.keys()].join(', ') || 'none'})`);
    return m;
  }

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

let vmlinux: BtfSpec | undefined;
/** The running kernel's BTF (parsed once). */
function vmlinuxBtf(): BtfSpec {
  return (vmlinux ??= loadBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')), { file: '/sys/kernel/btf/vmlinux' }));
}

let kallsymsCache: Map<string, bigint> | undefined;
/** Symbol → address from /proc/kallsyms (first occurrence; addresses are 0 unless root). */
function kallsyms(): Map<string, bigint> {
  if (!kallsymsCache) {
    kallsymsCache = new Map();
    for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
      const [addr, , name] = line.split(/\s+/);
      if (name && !kallsymsCache.has(name)) kallsymsCache.set(name, BigInt(`0x${addr}`));
    }
  }
  return kallsymsCache;
}

/** Where libbpf looks up the BTF target of a tracing/LSM/iterator program, per attach type. */
const ATTACH_BTF_TARGET: ReadonlyMap<number, { prefix: string; kind: 'FUNC' | 'TYPEDEF' }> = new Map([
  [BPF_ATTACH_TYPE.TRACE_RAW_TP, { prefix: 'btf_trace_', kind: 'TYPEDEF' }],
  [BPF_ATTACH_TYPE.TRACE_FENTRY, { prefix: '', kind: 'FUNC' }],
  [BPF_ATTACH_TYPE.TRACE_FEXIT, { prefix: '', kind: 'FUNC' }],
  [BPF_ATTACH_TYPE.MODIFY_RETURN, { prefix: '', kind: 'FUNC' }],
  [BPF_ATTACH_TYPE.LSM_MAC, { prefix: 'bpf_lsm_', kind: 'FUNC' }],
  [BPF_ATTACH_TYPE.TRACE_ITER, { prefix: 'bpf_iter_', kind: 'FUNC' }],
]);

/** Per-program records pointing into the object BTF's (rebuilt) string table. */
interface ProgramBtfRecords {
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  coreRelos?: BtfExtRecords;
}

/** Encodes func_info / line_info / core_relo records of a program against `writer`'s strings. */
function btfRecords(p: ProgramSpec, writer: BtfWriter): ProgramBtfRecords {
  const out: ProgramBtfRecords = {};
  if (p.funcInfo.length) {
    const b = new Uint8Array(p.funcInfo.length * 8), v = new DataView(b.buffer);
    p.funcInfo.forEach((f, i) => { v.setUint32(i * 8, f.insn, true); v.setUint32(i * 8 + 4, f.typeId, true); });
    out.funcInfo = { recSize: 8, bytes: b };
  }
  if (p.lineInfo.length) {
    const b = new Uint8Array(p.lineInfo.length * 16), v = new DataView(b.buffer);
    p.lineInfo.forEach((l, i) => {
      v.setUint32(i * 16, l.insn, true);
      v.setUint32(i * 16 + 4, writer.string(l.fileName), true);
      v.setUint32(i * 16 + 8, writer.string(l.line), true);
      v.setUint32(i * 16 + 12, ((l.lineNumber << 10) | (l.column & 0x3ff)) >>> 0, true);
    });
    out.lineInfo = { recSize: 16, bytes: b };
  }
  if (p.coreRelos.length) {
    const b = new Uint8Array(p.coreRelos.length * 16), v = new DataView(b.buffer);
    p.coreRelos.forEach((r, i) => {
      v.setUint32(i * 16, r.insn * 8, true);
      v.setUint32(i * 16 + 4, r.typeId, true);
      v.setUint32(i * 16 + 8, writer.string(r.access), true);
      v.setUint32(i * 16 + 12, CORE_RELO_KIND.indexOf(r.kind), true);
    });
    out.coreRelos = { recSize: 16, bytes: b };
  }
  return out;
}

/** Loads `spec` into the kernel. Throws a TsbpfError (LoadError, KernelError, VerifierError) naming the program or map. */
export function loadObject(spec: ObjectSpec, o: LoadObjectOptions = {}): KernelObject {
  const obj = new KernelObject();
  const where = { ...(spec.file ? { file: spec.file } : {}) };
  try {
    const selected = o.programs ? spec.programs.filter((p) => o.programs!.includes(p.name)) : spec.programs;
    for (const name of o.programs ?? []) {
      if (!spec.programs.some((p) => p.name === name)) throw new LoadError(`no program '${name}' in the object`, where);
    }
    // 1. BTF, with every string the programs' records need.
    let records = new Map<ProgramSpec, ProgramBtfRecords>();
    if (spec.btf) {
      const writer = new BtfWriter(spec.btf);
      for (const p of selected) records.set(p, btfRecords(p, writer));
      try {
        obj.btf = KernelBtf.load(writer.bytes());
      } catch (e) {
        if (selected.some((p) => p.coreRelos.length)) throw e;
        obj.warnings.push(`kernel refused the object's BTF, loading without it: ${(e as Error).message}`);
        records = new Map();
      }
    }
    // 2. Maps, in spec order (inner templates created and dropped on the way).
    const mapFds: KernelMap[] = [];
    for (const m of spec.maps) {
      const map = createMap(m, spec, obj, o.pinRoot ?? BPFFS_ROOT);
      mapFds.push(map);
      obj.maps.set(m.name, map);
    }
    // 3. Programs. Like libbpf, a program whose section names no type is skipped unless it was
    // asked for by name or given a type.
    for (const p of selected) {
      if (p.type === 0 && !o.programs && o.programTypes?.[p.name] === undefined) {
        obj.warnings.push(`program '${p.name}': section '${p.section}' does not name a program type; not loaded`);
        continue;
      }
      obj.programs.set(p.name, loadProgram(p, spec, mapFds, obj, records.get(p) ?? {}, o));
    }
    // 4. Static initialisers of prog arrays and maps of maps.
    for (const [i, m] of spec.maps.entries()) {
      for (const slot of m.slots ?? []) {
        const fd = 'program' in slot ? obj.programs.get(slot.program)?.fd : obj.maps.get(slot.map)?.fd;
        if (fd === undefined) {
          const what = 'program' in slot ? `program '${slot.program}'` : `map '${slot.map}'`;
          throw new LoadError(`map '${m.name}' slot ${slot.key}: ${what} is not loaded`, where);
        }
        const key = new Uint8Array(4), value = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, slot.key, true);
        new DataView(value.buffer).setUint32(0, fd, true);
        mapFds[i].update(key, value);
      }
    }
    return obj;
  } catch (e) {
    obj.close();
    throw e instanceof TsbpfError ? e.at(where) : e;
  }
}

/** Map types libbpf creates without BTF key/value types (the kernel refuses them for these). */
const NO_BTF_MAP_TYPES: ReadonlySet<number> = new Set([
  BPF_MAP_TYPE.PERF_EVENT_ARRAY, BPF_MAP_TYPE.CGROUP_ARRAY, BPF_MAP_TYPE.STACK_TRACE, BPF_MAP_TYPE.ARRAY_OF_MAPS,
  BPF_MAP_TYPE.HASH_OF_MAPS, BPF_MAP_TYPE.DEVMAP, BPF_MAP_TYPE.DEVMAP_HASH, BPF_MAP_TYPE.CPUMAP, BPF_MAP_TYPE.XSKMAP,
  BPF_MAP_TYPE.SOCKMAP, BPF_MAP_TYPE.SOCKHASH, BPF_MAP_TYPE.QUEUE, BPF_MAP_TYPE.STACK, BPF_MAP_TYPE.ARENA,
]);

function mapOptions(m: MapSpec, btfFd: number | undefined): MapOptions {
  const perfDefault = m.type === BPF_MAP_TYPE.PERF_EVENT_ARRAY && m.maxEntries === 0;
  // The kernel takes BTF only with a value type (a key type alone is EINVAL), e.g. not for
  // prog arrays declared with __array(values, …).
  const withBtf = btfFd !== undefined && m.btfValueTypeId !== 0 && !NO_BTF_MAP_TYPES.has(m.type);
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: perfDefault ? possibleCpuCount() : m.maxEntries,
    flags: m.flags, name: kernelObjectName(m.name), numaNode: m.numaNode, mapExtra: m.mapExtra,
    ...(withBtf ? { btfFd, btfKeyTypeId: m.btfKeyTypeId, btfValueTypeId: m.btfValueTypeId } : {}),
  };
}

function createMap(m: MapSpec, spec: ObjectSpec, obj: KernelObject, pinRoot: string): KernelMap {
  const loc = { section: m.section };
  const pinPath = m.pinning === 1 ? path.join(pinRoot, m.name) : undefined;
  if (pinPath && existsSync(pinPath)) {
    const pinned = KernelMap.fromPin(pinPath);
    const want = mapOptions(m, undefined);
    if (pinned.type !== want.type || pinned.keySize !== want.keySize || pinned.valueSize !== want.valueSize || pinned.maxEntries !== want.maxEntries) {
      pinned.close();
      throw new LoadError(`map '${m.name}': the map pinned at ${pinPath} has different parameters`, loc);
    }
    return pinned;
  }
  const inner = m.innerMap ? createMap({ ...m.innerMap, pinning: 0 }, spec, obj, pinRoot) : undefined;
  let map: KernelMap;
  try {
    const opts = { ...mapOptions(m, obj.btf?.fd), ...(inner ? { innerMap: inner } : {}) };
    try {
      map = KernelMap.create(opts);
    } catch (e) {
      if (opts.btfFd === undefined) throw e;
      // libbpf: "Error in bpf_create_map_xattr(…), retrying without BTF"
      obj.warnings.push(`map '${m.name}': ${(e as Error).message}; retrying without BTF`);
      map = KernelMap.create({ ...opts, btfFd: undefined, btfKeyTypeId: undefined, btfValueTypeId: undefined });
    }
  } catch (e) {
    throw e instanceof TsbpfError ? e.at(loc) : e;
  } finally {
    inner?.close();
  }
  try {
    let data = m.data;
    if (m.source === 'kconfig') {
      data = new Uint8Array(m.valueSize);
      fillKconfig(data, spec.externs, spec.btf!);
    }
    if (data) map.update(new Uint8Array(4), data);
    if (m.frozen) map.freeze();
    if (pinPath) map.pin(pinPath);
    return map;
  } catch (e) {
    map.close();
    throw e instanceof TsbpfError ? e.at(loc) : e;
  }
}

function loadProgram(p: ProgramSpec, spec: ObjectSpec, maps: readonly KernelMap[], obj: KernelObject,
  records: ProgramBtfRecords, o: LoadObjectOptions): KernelProgram {
  const loc = { section: p.section, program: p.name };
  const fail = (msg: string, insn?: number): never => {
    throw new LoadError(msg, { ...loc, ...(insn !== undefined ? { insn } : {}) });
  };
  const override = o.programTypes?.[p.name];
  const type = override === undefined ? p.type : progTypeId(override);
  if (type === 0) fail(`section '${p.section}' does not name a program type (pass programTypes: { ${p.name}: 'xdp' | … })`);
  const insns: Instruction[] = p.insns.map((i) => ({ ...i }));
  for (const r of p.references) {
    const at = insns[r.insn];
    switch (r.kind) {
      case 'map':
        at.src = BPF_PSEUDO.MAP_FD;
        at.imm = maps[r.mapIndex].fd;
        break;
      case 'map_value': case 'kconfig':
        at.src = BPF_PSEUDO.MAP_VALUE;
        at.imm = maps[r.mapIndex].fd;
        insns[r.insn + 1].imm = r.offset;
        break;
      case 'ksym': {
        const ext = spec.externs.find((e) => e.name === r.name);
        const local = spec.btf && ext ? spec.btf.type(ext.btfId) : undefined;
        if (local?.kind === 'VAR' && spec.btf!.skipModifiers(local.type).kind === 'VOID') {
          // typeless (`extern const void x __ksym`): the symbol's address from /proc/kallsyms
          const addr = kallsyms().get(r.name);
          if (addr === undefined && !ext?.weak) fail(`extern (ksym) '${r.name}': not found in /proc/kallsyms`, r.insn);
          at.src = 0;
          at.imm = Number(BigInt.asIntN(32, addr ?? 0n));
          insns[r.insn + 1].imm = Number(BigInt.asIntN(32, (addr ?? 0n) >> 32n));
        } else {
          // typed: the kernel's BTF VAR (per-CPU variables), BPF_PSEUDO_BTF_ID
          const v = vmlinuxBtf().typesByName(r.name).find((t) => t.kind === 'VAR');
          if (!v && !ext?.weak) fail(`extern (ksym) '${r.name}': not found in kernel BTF`, r.insn);
          at.src = v ? BPF_PSEUDO.BTF_ID : 0;
          at.imm = v?.id ?? 0;
          insns[r.insn + 1].imm = 0;
        }
        break;
      }
      case 'kfunc': {
        const f = vmlinuxBtf().typesByName(r.name).find((t) => t.kind === 'FUNC');
        if (!f) fail(`extern (kfunc) '${r.name}': not found in kernel BTF`, r.insn);
        at.src = BPF_PSEUDO_KFUNC_CALL;
        at.imm = f!.id;
        at.off = 0;
        break;
      }
      case 'unresolved':
        fail(`unresolved symbol '${r.name}' (neither a map, global data, .kconfig nor .ksyms extern)`, r.insn);
        break;
      case 'subprog':
        break;
    }
  }
  let attachBtfId: number | undefined;
  const target = ATTACH_BTF_TARGET.get(p.expectedAttachType);
  if (target && p.attachTo) {
    const name = target.prefix + p.attachTo;
    const t = vmlinuxBtf().typesByName(name).find((x) => x.kind === target.kind);
    if (!t) fail(`${progTypeName(type)} program: attach target ${target.kind} '${name}' not found in kernel BTF`);
    attachBtfId = t!.id;
  }
  let flags = 0;
  if (p.sleepable) flags |= BPF_PROG_F.SLEEPABLE;
  if (p.xdpFrags) flags |= BPF_PROG_F.XDP_HAS_FRAGS;
  try {
    return KernelProgram.load({
      type, insns, license: p.license || spec.license, name: kernelObjectName(p.name), kernVersion: p.kernVersion || spec.kernVersion,
      expectedAttachType: p.expectedAttachType, flags, attachBtfId,
      ...(obj.btf ? { btfFd: obj.btf.fd, ...records } : {}),
      logLevel: o.logLevel, logSize: o.logSize,
    });
  } catch (e) {
    throw e instanceof TsbpfError ? e.at(loc) : e;
  }
}
