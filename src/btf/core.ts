/**
 * The CO-RE engine: applies a program's `.BTF.ext` CO-RE relocations against a target BTF (the
 * running kernel's) exactly like libbpf 1.x (relo_core.c + bpf_object__relocate_core):
 * candidates by essential name, spec matching, per-kind value computation, ambiguity detection,
 * then instruction patching (ALU imm, LDX/ST/STX off and memory size, LDDW imm64). A relocation
 * that cannot be satisfied poisons its instruction (`call 0xbad2310`) instead of failing, so a
 * guarded dead branch still loads; real errors (ambiguity, unexpected instruction) throw.
 */
import { readFileSync } from 'node:fs';
import { BtfError, type Location } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import type { ObjectSpec, ProgramSpec } from '../object/types.js';
import type { CoreRelo } from './ext.js';
import { loadBtf, type BtfSpec } from './spec.js';
import { essentialName, kindsCoreCompat } from './core-compat.js';
import { CoreReloError, formatCoreSpec, kindStr, matchCoreSpec, parseCoreSpec, type CoreSpec } from './core-spec.js';
import { calcRelo, type CoreRawResult } from './core-values.js';
import { patchInsn } from './core-patch.js';

export { CoreReloError } from './core-spec.js';
export { CORE_POISON_IMM } from './core-patch.js';

/** What happened to one relocation. */
export interface CoreReloResult {
  /** Index in `program.coreRelos`. */
  relo: number;
  /** Patched instruction slot. */
  insn: number;
  kind: CoreRelo['kind'];
  /** Local root type, and the local spec as libbpf prints it. */
  local: { typeId: number; spec: string };
  /** The first matching target candidate, when one matched. */
  target?: { typeId: number; spec: string };
  /** Every matching candidate's type id. */
  candidates: number[];
  /** The value the compiler assumed, and the value for the target. */
  origValue: bigint;
  newValue: bigint;
  /** The instruction was replaced by `call 0xbad2310`. */
  poisoned: boolean;
  /** New memory size of a load/store whose field size differs on the target. */
  memSize?: { from: number; to: number };
}

export interface CoreRelocation {
  /** A relocated copy of `program.insns`. */
  insns: Instruction[];
  results: CoreReloResult[];
  /** libbpf-style debug log, one line per entry. */
  log: string[];
}

/** Candidate type ids per local type id; shared by the relocations of one object, pruned like libbpf's. */
export type CoreCandidateCache = Map<number, number[]>;

export interface CoreOptions {
  /** Share between the programs of one object, as libbpf does (pruned candidate lists). */
  cache?: CoreCandidateCache;
  /** Name of the target BTF in log lines (default `vmlinux`). */
  targetName?: string;
}

const flavoredIndex = new WeakMap<BtfSpec, Map<string, number[]>>();

/**
 * Ids of the target types whose name has a flavor suffix (`name___flavor`), by essential name
 * (built once per target BTF from its distinct names; vmlinux has a few dozen).
 */
function flavoredByEssentialName(targ: BtfSpec): Map<string, number[]> {
  let idx = flavoredIndex.get(targ);
  if (!idx) {
    idx = new Map();
    for (const name of targ.typeNames()) {
      if (!name.includes('___')) continue;
      const key = essentialName(name);
      if (key === name) continue;
      const l = idx.get(key) ?? [];
      l.push(...targ.typeIdsByName(name));
      idx.set(key, l);
    }
    flavoredIndex.set(targ, idx);
  }
  return idx;
}

/** Target type ids whose essential name is `key`, in id order. */
function targetsByEssentialName(targ: BtfSpec, key: string): readonly number[] {
  const exact = essentialName(key) === key ? targ.typeIdsByName(key) : [];
  const flavored = flavoredByEssentialName(targ).get(key);
  return flavored ? [...exact, ...flavored].sort((a, b) => a - b) : exact;
}

/** bpf_core_find_cands (vmlinux only): target types of a compatible kind with the same essential name. */
export function findCoreCandidates(local: BtfSpec, localId: number, targ: BtfSpec, log?: string[], targetName = 'vmlinux'): number[] {
  const lt = local.type(localId);
  if (!lt.name) throw new CoreReloError('anonymous types have no candidates');
  const out: number[] = [];
  for (const id of targetsByEssentialName(targ, essentialName(lt.name))) {
    const t = targ.type(id);
    if (!kindsCoreCompat(t, lt)) continue;
    log?.push(`CO-RE relocating [${localId}] ${kindStr(lt)} ${lt.name}: found target candidate [${t.id}] ${kindStr(t)} ${t.name} in [${targetName}]`);
    out.push(t.id);
  }
  return out;
}

/** Outcome of resolving one relocation (before patching). */
interface Resolved {
  res: CoreRawResult;
  local: CoreSpec;
  target?: CoreSpec;
  candidates: number[];
}

/**
 * bpf_core_resolve_relo + bpf_core_calc_relo_insn: the relocation's values against the target.
 * Prunes the cached candidate list of the local type like libbpf.
 */
function resolveRelo(prog: string, idx: number, relo: CoreRelo, local: BtfSpec, targ: BtfSpec, cache: CoreCandidateCache, log: string[], targetName: string): Resolved {
  const lt = local.type(relo.typeId);
  let cands = cache.get(relo.typeId);
  if (!cands && relo.kind !== 'type_id_local') {
    try {
      cands = findCoreCandidates(local, relo.typeId, targ, log, targetName);
    } catch (e) {
      throw new CoreReloError(`prog '${prog}': relo #${idx}: target candidate search failed for [${relo.typeId}] ${kindStr(lt)} ${lt.name || '<anon>'}: ${(e as Error).message}`);
    }
    cache.set(relo.typeId, cands);
  }
  let localSpec: CoreSpec;
  try {
    localSpec = parseCoreSpec(local, relo);
  } catch (e) {
    throw new CoreReloError(`prog '${prog}': relo #${idx}: parsing [${relo.typeId}] ${kindStr(lt)} ${lt.name || '<anon>'} + ${relo.access} failed: ${(e as Error).message}`);
  }
  log.push(`prog '${prog}': relo #${idx}: ${formatCoreSpec(localSpec)}`);
  if (relo.kind === 'type_id_local' || !cands) {
    const id = BigInt(localSpec.rootTypeId);
    return { local: localSpec, candidates: [], res: { origVal: id, newVal: id, poison: false, validate: false, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 } };
  }
  let targRes: CoreRawResult | undefined;
  let targSpec: CoreSpec | undefined;
  const matched: number[] = [];
  for (let i = 0; i < cands.length; i++) {
    let m: ReturnType<typeof matchCoreSpec>;
    try {
      m = matchCoreSpec(localSpec, targ, cands[i]);
    } catch (e) {
      throw new CoreReloError(`prog '${prog}': relo #${idx}: error matching candidate #${i} [${cands[i]}]: ${(e as Error).message}`);
    }
    const { spec: candSpec, matched: ok } = m;
    log.push(`prog '${prog}': relo #${idx}: ${ok ? 'matching' : 'non-matching'} candidate #${i} ${formatCoreSpec(candSpec)}`);
    if (!ok) continue;
    const candRes = calcRelo(relo, localSpec, candSpec);
    if (!targRes || !targSpec) {
      targRes = candRes;
      targSpec = candSpec;
    } else if (candSpec.bitOffset !== targSpec.bitOffset) {
      throw new CoreReloError(`prog '${prog}': relo #${idx}: field offset ambiguity: ${candSpec.bitOffset} != ${targSpec.bitOffset}`);
    } else if (candRes.poison !== targRes.poison || candRes.newVal !== targRes.newVal) {
      const s = (r: CoreRawResult) => `${r.poison ? 'failure' : 'success'} ${r.newVal}`;
      throw new CoreReloError(`prog '${prog}': relo #${idx}: relocation decision ambiguity: ${s(candRes)} != ${s(targRes)}`);
    }
    matched.push(cands[i]);
  }
  if (matched.length > 0) cache.set(relo.typeId, matched);
  if (!targRes) {
    log.push(`prog '${prog}': relo #${idx}: no matching targets found`);
    targRes = calcRelo(relo, localSpec, undefined);
  }
  return { res: targRes, local: localSpec, target: targSpec, candidates: matched };
}

/**
 * Applies every CO-RE relocation of `program` against `targetBtf` (see the module doc). Returns
 * new instructions; the spec is not modified. Throws {@link CoreReloError} (located at the
 * program and instruction) where libbpf fails the load.
 */
export function applyCoreRelocations(program: ProgramSpec, localBtf: BtfSpec, targetBtf: BtfSpec, opts: CoreOptions = {}): CoreRelocation {
  const insns = program.insns.map((i) => ({ ...i }));
  const cache = opts.cache ?? new Map();
  const log: string[] = [];
  const results: CoreReloResult[] = [];
  program.coreRelos.forEach((relo, idx) => {
    const loc: Location = { program: program.name, section: program.section, insn: relo.insn };
    try {
      if (relo.insn >= insns.length) throw new CoreReloError(`relo #${idx}: instruction ${relo.insn} outside the program (${insns.length} slots)`);
      const r = resolveRelo(program.name, idx, relo, localBtf, targetBtf, cache, log, opts.targetName ?? 'vmlinux');
      const { poisoned, memSize } = patchInsn(program.name, idx, insns, relo.insn, r.res, log);
      results.push({
        relo: idx, insn: relo.insn, kind: relo.kind,
        local: { typeId: relo.typeId, spec: formatCoreSpec(r.local) },
        ...(r.target ? { target: { typeId: r.target.rootTypeId, spec: formatCoreSpec(r.target) } } : {}),
        candidates: r.candidates, origValue: r.res.origVal, newValue: r.res.newVal, poisoned,
        ...(memSize ? { memSize } : {}),
      });
    } catch (e) {
      if (e instanceof BtfError) throw e instanceof CoreReloError ? e.at(loc) : new CoreReloError(e.message, loc);
      throw e;
    }
  });
  return { insns, results, log };
}

/**
 * Relocates every program of an object against `targetBtf` with one candidate cache, as libbpf
 * shares it across an object. Programs without CO-RE records get a copy of their instructions.
 */
export function applyObjectCoreRelocations(spec: ObjectSpec, targetBtf: BtfSpec, opts: Omit<CoreOptions, 'cache'> = {}): Map<string, CoreRelocation> {
  const cache: CoreCandidateCache = new Map();
  const out = new Map<string, CoreRelocation>();
  for (const p of spec.programs) {
    if (p.coreRelos.length === 0) {
      out.set(p.name, { insns: p.insns.map((i) => ({ ...i })), results: [], log: [] });
      continue;
    }
    if (!spec.btf) throw new CoreReloError('CO-RE relocations without a .BTF section', { file: spec.file, program: p.name });
    out.set(p.name, applyCoreRelocations(p, spec.btf, targetBtf, { ...opts, cache }));
  }
  return out;
}

/** Path of the running kernel's BTF. */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

let kernelBtfCache: { btf: BtfSpec; parseMs: number } | undefined;

/**
 * The running kernel's BTF, read and parsed once per process; `parseMs` is what the first parse
 * (including the candidate index) took. Throws a BtfError when the file is missing or malformed.
 */
export function kernelBtf(): { btf: BtfSpec; parseMs: number } {
  if (!kernelBtfCache) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(VMLINUX_BTF_PATH);
    } catch (e) {
      throw new BtfError(`cannot read kernel BTF: ${(e as Error).message}`, { file: VMLINUX_BTF_PATH });
    }
    const t0 = performance.now();
    const btf = loadBtf(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { file: VMLINUX_BTF_PATH });
    flavoredByEssentialName(btf);
    kernelBtfCache = { btf, parseMs: performance.now() - t0 };
  }
  return kernelBtfCache;
}
