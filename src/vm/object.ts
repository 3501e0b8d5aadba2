/**
 * Loading an ObjectSpec into the VM: maps created with the kernel's checks (global data with its
 * initial contents, `.rodata` read-only to programs), lddw map/global references resolved to VM
 * map pointers and value pointers, every program decoded with the helpers its type may call,
 * then prog-array and map-in-map initialisers written — the VM's bpf_object__load.
 *
 * ```ts
 * const obj = await openObject('examples/xdp_counter.o', { cpus: 2 });
 * const r = obj.program('xdp_count').run({ dataIn: frame });
 * obj.map('proto_stats').dump();
 * ```
 */
import { LoadError, VerifierRejectError } from '../errors.js';
import { applyCoreRelocations, kernelBtf } from '../btf/core.js';
import type { BtfSpec } from '../btf/spec.js';
import { verify } from '../verifier/verifier.js';
import { verifierInputFromSpec } from '../verifier/spec-input.js';
import { decodeInstructions, type Instruction } from '../isa/instruction.js';
import { readObjectFile } from '../object/load.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import { BPF_MAP_TYPE, BPF_PROG_TYPE, helperName, progTypeByName, progTypeName } from '../uapi/index.js';
import { HelperRegistry, RunEnv, vmProgTypeHelpers, type RunEnvOptions } from './helpers/index.js';
import type { HelperDeps } from './helpers/deps.js';
import { Vm } from './interpreter.js';
import { RegionKind } from './memory.js';
import { VmMaps } from './map-helpers.js';
import { createMap } from './maps/factory.js';
import { ArrayOfMapsMap, FdArrayMap, ProgArrayMap } from './maps/fdarray.js';
import { HashOfMapsMap } from './maps/hashofmaps.js';
import type { BpfMap, MapValue } from './maps/map.js';
import { defaultCpuCount, type MapDescription } from './maps/spec.js';
import type { VmProgram } from './program.js';
import { canTestRun, testRun, type TestRunOptions, type VmTestRunResult } from './testrun.js';

/** Options of {@link loadVmObject}. */
export interface VmObjectOptions extends RunEnvOptions {
  /** CPUs of the VM (per-CPU maps; default: the machine's possible CPUs, like the kernel). */
  cpus?: number;
  /** Program type (id or bpftool name) for programs whose section names none, by program name. */
  programTypes?: Readonly<Record<string, number | string>>;
  /** Load only these programs (default: every program). */
  programs?: readonly string[];
  /** Instruction budget of one run (default: the interpreter's). */
  budget?: number;
  /**
   * Run the verifier on every program before loading it, as the kernel does (default true). With
   * `false` programs the kernel would refuse can run — for experiments only: the VM's run-time
   * memory checks still stop every unsafe access.
   */
  verify?: boolean;
  /** Target BTF for CO-RE relocations (default: the running kernel's /sys/kernel/btf/vmlinux). */
  targetBtf?: BtfSpec;
}

/** A program loaded in the VM. */
export class VmProgramHandle {
  constructor(
    readonly name: string, readonly type: number, readonly section: string, readonly code: VmProgram,
    private readonly vm: Vm, private readonly deps: HelperDeps,
  ) {}

  /** bpftool's name of the program type (`xdp`, `sched_cls`…). */
  get typeName(): string {
    return progTypeName(this.type) ?? String(this.type);
  }

  /**
   * Runs the program like BPF_PROG_TEST_RUN (same options and result names as the kernel
   * backend's testRun). Throws TestRunError for inputs the kernel refuses, VmFault for faults.
   */
  run(o: TestRunOptions = {}): VmTestRunResult {
    return testRun(this.vm, this.deps, this.code, this.type, o);
  }

  /** The environment the program runs in (simulated task, clock, trace pipe). */
  get env(): RunEnv {
    return this.deps.env;
  }

  /** Alias of {@link run}, named like KernelProgram.testRun. */
  testRun(o: TestRunOptions = {}): VmTestRunResult {
    return this.run(o);
  }
}

/** An object loaded into the VM: its programs and maps by name, its environment (trace pipe, task). */
export class VmObject {
  readonly programs = new Map<string, VmProgramHandle>();
  readonly maps = new Map<string, BpfMap<MapValue>>();

  constructor(readonly spec: ObjectSpec, readonly env: RunEnv, readonly vm: Vm, readonly cpus: number) {}

  /** The program called `name`; LoadError naming the loaded ones otherwise. */
  program(name: string): VmProgramHandle {
    const p = this.programs.get(name);
    if (!p) throw new LoadError(`no program '${name}' (programs: ${this.spec.programs.map((p) => p.name).join(', ') || 'none'})`);
    return p;
  }

  /** The map called `name` (libbpf's names: `<obj>.rodata`, `<obj>.bss`…, or the section name `.rodata`). */
  map(name: string): BpfMap<MapValue> {
    const m = this.maps.get(name) ?? [...this.maps.entries()].find(([, v]) => this.spec.maps.find((s) => s.name === v.name)?.realName === name)?.[1];
    if (!m) throw new LoadError(`no map '${name}' (maps: ${[...this.maps.keys()].join(', ') || 'none'})`);
    return m;
  }

  /**
   * Registers `bytes` as memory programs may read with bpf_probe_read* (e.g. the user memory a
   * tracepoint's pointers point at) and returns its address, to put in a context.
   */
  addMemory(bytes: Uint8Array, o: { writable?: boolean; name?: string } = {}): bigint {
    const id = this.vm.mem.addRegion(bytes, o.writable ?? false, { kind: RegionKind.Global, name: o.name ?? 'user memory' });
    return BigInt(this.vm.mem.pointer(id, 0));
  }

  /** Lines bpf_trace_printk wrote since the last call (the trace pipe). */
  readTrace(): string[] {
    return this.env.readTrace();
  }

  /** Releases the object (VM memory is garbage-collected; nothing else is held). */
  close(): void {
    this.programs.clear();
    this.maps.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The map to create for a spec, with libbpf's adjustments: the name cut to BPF_OBJ_NAME_LEN - 1
 * characters, perf event arrays without max_entries sized to the CPU count.
 */
function description(m: MapSpec, cpus: number): MapDescription {
  const perCpuSlots = m.type === BPF_MAP_TYPE.PERF_EVENT_ARRAY && m.maxEntries === 0;
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: perCpuSlots ? cpus : m.maxEntries, flags: m.flags,
    mapExtra: m.mapExtra, name: m.name.slice(0, 15), innerMap: m.innerMap ? description(m.innerMap, cpus) : undefined,
  };
}

/** Program type of a spec program, or a LoadError. */
function programType(p: ProgramSpec, o: VmObjectOptions): number {
  const given = o.programTypes?.[p.name];
  const type = given === undefined ? p.type : typeof given === 'number' ? given : progTypeByName(given);
  if (type === undefined || type === BPF_PROG_TYPE.UNSPEC) {
    throw new LoadError(`program '${p.name}' (section ${p.section}): the section names no program type; give one in programTypes`, { program: p.name });
  }
  if (!vmProgTypeHelpers(type) || !canTestRun(type)) {
    throw new LoadError(`program '${p.name}': program type ${progTypeName(type) ?? type} is not supported by the VM`, { program: p.name });
  }
  return type;
}

/** The program's instructions with its CO-RE relocations applied against the target BTF. */
function relocated(spec: ObjectSpec, p: ProgramSpec, o: VmObjectOptions): Instruction[] {
  if (p.coreRelos.length === 0) return p.insns;
  if (!spec.btf) throw new LoadError(`program '${p.name}' has CO-RE relocations but the object has no BTF`, { program: p.name });
  return applyCoreRelocations(p, spec.btf, o.targetBtf ?? kernelBtf().btf).insns;
}

/** Runs the verifier like a kernel load; a rejection throws with the verifier's message and log. */
function verifyOrThrow(spec: ObjectSpec, p: ProgramSpec, type: number): void {
  const r = verify({ ...verifierInputFromSpec(spec, p, true, 1), progType: type });
  if (r.accepted) return;
  throw new VerifierRejectError(`program '${p.name}' rejected by the verifier: ${r.error?.message ?? 'rejected'}`, r.log, { program: p.name, insn: r.error?.insn });
}

/** Loads an ObjectSpec into a new VM. Throws LoadError (or MapCreateError) naming what the VM cannot load. */
export function loadVmObject(spec: ObjectSpec, o: VmObjectOptions = {}): VmObject {
  const cpus = o.cpus ?? defaultCpuCount();
  const env = new RunEnv(o);
  const vm = new Vm({ budget: o.budget });
  const obj = new VmObject(spec, env, vm, cpus);
  const vmMaps = new VmMaps(vm.mem);
  const deps: HelperDeps = { env, maps: vmMaps, cpus, running: { ctx: undefined }, contexts: new Map() };
  const registry = new HelperRegistry(deps);
  const progsById = new Map<number, VmProgram>();

  const maps = spec.maps.map((m) => {
    const map = createMap(description(m, cpus), { cpus, resolveProgram: (id: number) => progsById.get(id) });
    if (m.data) {
      const v = new Uint8Array(m.valueSize);
      v.set(m.data.subarray(0, m.valueSize));
      map.updateElem(new Uint8Array(4), v);
    }
    // Like libbpf: `.rodata` is frozen once filled (the verifier reads it as constants).
    if (m.frozen) map.freeze();
    obj.maps.set(m.name, map);
    return map;
  });
  const resolveLd64 = vmMaps.resolver(maps);

  const wanted = o.programs ? new Set(o.programs) : undefined;
  for (const p of spec.programs) {
    if (wanted && !wanted.has(p.name)) continue;
    const type = programType(p, o);
    const allowed = vmProgTypeHelpers(type)!.allowed;
    p.insns.forEach((insn, i) => {
      if (insn.op === 0x85 && insn.src === 0 && !allowed.has(insn.imm)) {
        const hn = helperName(insn.imm);
        throw new LoadError(`helper ${hn ? `bpf_${hn}` : 'unknown'}#${insn.imm} is not allowed for ${progTypeName(type)} programs`, { program: p.name, insn: i });
      }
    });
    const ref = p.references.find((r) => r.kind === 'kfunc' || r.kind === 'ksym' || r.kind === 'unresolved');
    if (ref) throw new LoadError(`${ref.kind} '${'name' in ref ? ref.name : ''}' is not supported by the VM`, { program: p.name, insn: ref.insn });
    const insns = relocated(spec, p, o);
    if (o.verify !== false) verifyOrThrow(spec, { ...p, insns }, type);
    const code = vm.load(insns, { name: p.name, helpers: registry.forProgType(type), resolveLd64 });
    progsById.set(code.id, code);
    obj.programs.set(p.name, new VmProgramHandle(p.name, type, p.section, code, vm, deps));
  }

  // Static initialisers of prog arrays and maps of maps.
  spec.maps.forEach((m, i) => {
    for (const slot of m.slots ?? []) {
      const map = maps[i];
      if ('program' in slot) {
        const target = obj.programs.get(slot.program)?.code;
        if (!target) continue; // not loaded (libbpf also skips programs it did not load)
        if (map instanceof ProgArrayMap) map.set(slot.key, target);
      } else {
        const inner = obj.maps.get(slot.map);
        if (!inner) throw new LoadError(`map '${m.name}' slot ${slot.key} refers to unknown map '${slot.map}'`);
        if (map instanceof ArrayOfMapsMap) map.set(slot.key, inner);
        else if (map instanceof HashOfMapsMap) {
          const k = new Uint8Array(map.keySize);
          new DataView(k.buffer).setUint32(0, slot.key, true);
          const v = new Uint8Array(4);
          new DataView(v.buffer).setUint32(0, inner.id, true);
          map.updateElem(k, v);
        } else if (!(map instanceof FdArrayMap)) throw new LoadError(`map '${m.name}' has slot initialisers but is not a prog array or map of maps`);
      }
    }
  });
  return obj;
}

/** Options of {@link loadVmProgram}: like KernelProgram.load's. */
export interface VmProgramOptions extends VmObjectOptions {
  /** Program type id or bpftool name (`xdp`, `sched_cls`…). */
  type: number | string;
  /** Instructions: encoded bytes or instruction slots (no map references). */
  insns: Uint8Array | readonly Instruction[];
  name?: string;
}

/** Loads one program without an object (the VM counterpart of KernelProgram.load). */
export function loadVmProgram(o: VmProgramOptions): VmProgramHandle {
  const name = o.name ?? 'prog';
  const spec: ObjectSpec = {
    name: 'prog', license: 'GPL', kernVersion: 0, maps: [], externs: [],
    programs: [{
      name, section: '', type: 0, expectedAttachType: 0, sleepable: false, xdpFrags: false,
      insns: o.insns instanceof Uint8Array ? decodeInstructions(o.insns) : [...o.insns],
      functions: [{ name, insn: 0 }], references: [], funcInfo: [], lineInfo: [], coreRelos: [], license: 'GPL', kernVersion: 0,
    }],
  };
  return loadVmObject(spec, { ...o, programTypes: { [name]: o.type } }).program(name);
}

/** Reads an object file and loads it into the VM (see {@link loadVmObject}). */
export async function openObject(file: string, o: VmObjectOptions = {}): Promise<VmObject> {
  return loadVmObject(await readObjectFile(file), o);
}
