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
import { ldImm64Value, setLdImm64Value } from '../isa/instruction.js';
import { CLASS, OP_CALL, OP_LDDW, SIZE, SIZE_BYTES, SRC, opClass, opMode, opSize, opSource } from '../isa/opcodes.js';
import type { ObjectSpec, ProgramSpec } from '../object/types.js';
import type { CoreRelo } from './ext.js';
import { loadBtf, type BtfSpec } from './spec.js';
import { BTF_INT, type BtfType } from './types.js';
import { essentialName, kindsCoreCompat } from './core-compat.js';
import { CORE_KIND_STR, coreReloClass, formatCoreSpec, kindStr, matchCoreSpec, parseCoreSpec, resolveSize, type CoreSpec } from './core-spec.js';

/** Immediate of the call libbpf substitutes for a failed relocation ("bad relo"). */
export const CORE_POISON_IMM = 0xbad2310;

/** A relocation that libbpf refuses (the whole load fails). */
export class CoreReloError extends BtfError {}

/** libbpf's `struct bpf_core_relo_res`. */
interface RawResult {
  origVal: bigint;
  newVal: bigint;
  poison: boolean;
  validate: boolean;
  failMemszAdjust: boolean;
  origSz: number;
  newSz: number;
  origTypeId: number;
  newTypeId: number;
}

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

const essentialIndex = new WeakMap<BtfSpec, Map<string, BtfType[]>>();

/** Target types by essential name, in id order (built once per target BTF). */
function targetsByEssentialName(targ: BtfSpec): Map<string, BtfType[]> {
  let idx = essentialIndex.get(targ);
  if (!idx) {
    idx = new Map();
    for (const t of targ.types) {
      if (!t.name) continue;
      const key = essentialName(t.name);
      const l = idx.get(key);
      if (l) l.push(t);
      else idx.set(key, [t]);
    }
    essentialIndex.set(targ, idx);
  }
  return idx;
}

/** bpf_core_find_cands (vmlinux only): target types of a compatible kind with the same essential name. */
export function findCoreCandidates(local: BtfSpec, localId: number, targ: BtfSpec, log?: string[], targetName = 'vmlinux'): number[] {
  const lt = local.type(localId);
  if (!lt.name) throw new CoreReloError('anonymous types have no candidates');
  const out: number[] = [];
  for (const t of targetsByEssentialName(targ).get(essentialName(lt.name)) ?? []) {
    if (!kindsCoreCompat(t, lt)) continue;
    log?.push(`CO-RE relocating [${localId}] ${kindStr(lt)} ${lt.name}: found target candidate [${t.id}] ${kindStr(t)} ${t.name} in [${targetName}]`);
    out.push(t.id);
  }
  return out;
}

const isInt = (t: BtfType): t is Extract<BtfType, { kind: 'INT' }> => t.kind === 'INT';

/** bpf_core_calc_field_relo for one side; `spec` undefined = no target. Returns undefined to request poisoning. */
function fieldValue(relo: CoreRelo, spec: CoreSpec | undefined): { val: bigint; sz: number; typeId: number; validate: boolean } | undefined {
  if (relo.kind === 'field_exists') return { val: spec ? 1n : 0n, sz: 0, typeId: 0, validate: true };
  if (!spec) return undefined;
  const { btf } = spec;
  const acc = spec.accessors[spec.accessors.length - 1];
  if (acc.name === undefined) {
    const sz = resolveSize(btf, acc.typeId);
    if (relo.kind === 'field_byte_offset') return { val: BigInt(spec.bitOffset >>> 3), sz, typeId: acc.typeId, validate: true };
    if (relo.kind === 'field_byte_size') return { val: BigInt(sz), sz: 0, typeId: 0, validate: true };
    throw new CoreReloError(`relo ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn} can't be applied to array access`);
  }
  const t = btf.type(acc.typeId) as Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;
  const m = t.members[acc.idx];
  const mt = btf.skipModifiers(m.type);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    byteSz = (mt as { size?: number }).size ?? 0;
    if (byteSz === 0) throw new CoreReloError(`bitfield member ${m.name} of [${t.id}] has a type without size`);
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreReloError(`relo ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn} can't be satisfied for bitfield`);
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = resolveSize(btf, mt.id);
    byteOff = bitOff >>> 3;
    bitSz = byteSz * 8;
  }
  const res = { val: 0n, sz: 0, typeId: 0, validate: !bitfield };
  switch (relo.kind) {
    case 'field_byte_offset':
      res.val = BigInt(byteOff);
      if (!bitfield) {
        res.sz = byteSz;
        res.typeId = mt.id;
      }
      break;
    case 'field_byte_size':
      res.val = BigInt(byteSz);
      break;
    case 'field_signed':
      res.val = (mt.kind === 'ENUM' || mt.kind === 'ENUM64') ? (mt.signed ? 1n : 0n) : isInt(mt) && mt.encoding & BTF_INT.SIGNED ? 1n : 0n;
      res.validate = true;
      break;
    case 'field_lshift_u64':
      res.val = BigInt.asUintN(64, BigInt(64 - (bitOff + bitSz - byteOff * 8)));
      break;
    case 'field_rshift_u64':
      res.val = BigInt(64 - bitSz);
      res.validate = true;
      break;
    default:
      throw new CoreReloError(`unrecognized CO-RE relocation ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn}`);
  }
  return res;
}

/** bpf_core_calc_type_relo: value of a type-based relocation (0 without target). */
function typeValue(relo: CoreRelo, spec: CoreSpec | undefined): bigint {
  if (!spec) return 0n;
  switch (relo.kind) {
    case 'type_id_target': return BigInt(spec.rootTypeId);
    case 'type_exists': case 'type_matches': return 1n;
    case 'type_size': return BigInt(resolveSize(spec.btf, spec.rootTypeId));
    default: throw new CoreReloError(`unrecognized CO-RE relocation ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn}`);
  }
}

/** bpf_core_calc_enumval_relo; undefined requests poisoning. */
function enumValue(relo: CoreRelo, spec: CoreSpec | undefined): bigint | undefined {
  if (relo.kind === 'enumval_exists') return spec ? 1n : 0n;
  if (!spec) return undefined;
  const acc = spec.accessors[0];
  const t = spec.btf.type(acc.typeId) as Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>;
  const v = t.values[acc.idx].value;
  // An ENUM value is a __s32 widened to u64 whatever the enum's signedness; ENUM64 is a u64.
  return t.kind === 'ENUM' ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : BigInt.asUintN(64, v);
}

/** bpf_core_calc_relo: original and target values for one candidate (or none). */
function calcRelo(relo: CoreRelo, local: CoreSpec, targ: CoreSpec | undefined): RawResult {
  const res: RawResult = { origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
  switch (coreReloClass(relo.kind)) {
    case 'field': {
      const o = fieldValue(relo, local)!;
      const n = fieldValue(relo, targ);
      res.origVal = o.val;
      res.origSz = o.sz;
      res.origTypeId = o.typeId;
      res.validate = o.validate;
      if (!n) {
        res.poison = true;
        break;
      }
      res.newVal = n.val;
      res.newSz = n.sz;
      res.newTypeId = n.typeId;
      if (res.origSz !== res.newSz) {
        const ot = local.btf.type(res.origTypeId);
        const nt = targ!.btf.type(res.newTypeId);
        const unsignedInt = (t: BtfType) => isInt(t) && t.encoding !== BTF_INT.SIGNED;
        res.failMemszAdjust = !((ot.kind === 'PTR' && nt.kind === 'PTR') || (unsignedInt(ot) && unsignedInt(nt)));
      }
      break;
    }
    case 'type':
      res.origVal = typeValue(relo, local);
      res.newVal = typeValue(relo, targ);
      res.validate = relo.kind !== 'type_id_target';
      break;
    case 'enumval': {
      res.origVal = enumValue(relo, local)!;
      const n = enumValue(relo, targ);
      if (n === undefined) res.poison = true;
      else res.newVal = n;
      break;
    }
  }
  // libbpf leaves new_val 0 when poisoning.
  if (res.poison) res.newVal = 0n;
  return res;
}

/** Outcome of resolving one relocation (before patching). */
interface Resolved {
  res: RawResult;
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
  let targRes: RawResult | undefined;
  let targSpec: CoreSpec | undefined;
  const matched: number[] = [];
  for (let i = 0; i < cands.length; i++) {
    const { spec: candSpec, matched: ok } = matchCoreSpec(localSpec, targ, cands[i]);
    log.push(`prog '${prog}': relo #${idx}: ${ok ? 'matching' : 'non-matching'} candidate #${i} ${formatCoreSpec(candSpec)}`);
    if (!ok) continue;
    const candRes = calcRelo(relo, localSpec, candSpec);
    if (!targRes || !targSpec) {
      targRes = candRes;
      targSpec = candSpec;
    } else if (candSpec.bitOffset !== targSpec.bitOffset) {
      throw new CoreReloError(`prog '${prog}': relo #${idx}: field offset ambiguity: ${candSpec.bitOffset} != ${targSpec.bitOffset}`);
    } else if (candRes.poison !== targRes.poison || candRes.newVal !== targRes.newVal) {
      const s = (r: RawResult) => `${r.poison ? 'failure' : 'success'} ${r.newVal}`;
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

const BYTES_TO_SIZE: Record<number, number> = { 1: SIZE.B, 2: SIZE.H, 4: SIZE.W, 8: SIZE.DW };
const INSN_POISON: Instruction = { op: OP_CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM };

type Patched = { poisoned: boolean; memSize?: { from: number; to: number } };
const PATCHED: Patched = { poisoned: false };

/** bpf_core_patch_insn: patches `insns[i]` in place. */
function patchInsn(prog: string, idx: number, insns: Instruction[], i: number, res: RawResult, log: string[]): Patched {
  const insn = insns[i];
  const poison = () => {
    if (insn.op === OP_LDDW && i + 1 < insns.length) {
      log.push(`prog '${prog}': relo #${idx}: substituting insn #${i + 1} w/ invalid insn`);
      insns[i + 1] = { ...INSN_POISON };
    }
    log.push(`prog '${prog}': relo #${idx}: substituting insn #${i} w/ invalid insn`);
    insns[i] = { ...INSN_POISON };
    return { poisoned: true };
  };
  if (res.poison) return poison();
  const { origVal, newVal } = res;
  const bad = (msg: string): never => {
    throw new CoreReloError(`prog '${prog}': relo #${idx}: ${msg}`);
  };
  const cls = opClass(insn.op);
  switch (cls) {
    case CLASS.ALU: case CLASS.ALU64: {
      if (opSource(insn.op) !== SRC.K) bad(`insn #${i} (ALU/ALU64) has a register source`);
      if (res.validate && BigInt.asUintN(64, BigInt(insn.imm)) !== origVal) {
        bad(`unexpected insn #${i} (ALU/ALU64) value: got ${insn.imm >>> 0}, exp ${origVal} -> ${newVal}`);
      }
      const old = BigInt.asUintN(64, BigInt(insn.imm));
      insn.imm = Number(BigInt.asIntN(32, newVal));
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (ALU/ALU64) imm ${old} -> ${newVal}`);
      return PATCHED;
    }
    case CLASS.LDX: case CLASS.ST: case CLASS.STX: {
      if (res.validate && BigInt.asUintN(64, BigInt(insn.off)) !== origVal) {
        bad(`unexpected insn #${i} (LDX/ST/STX) value: got ${insn.off >>> 0}, exp ${origVal} -> ${newVal}`);
      }
      if (newVal > 0x7fffn) bad(`insn #${i} (LDX/ST/STX) value too big: ${newVal}`);
      if (res.failMemszAdjust) {
        log.push(`prog '${prog}': relo #${idx}: insn #${i} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size.`);
        return poison();
      }
      const old = BigInt.asUintN(64, BigInt(insn.off));
      insn.off = Number(newVal);
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDX/ST/STX) off ${old} -> ${newVal}`);
      if (res.newSz === res.origSz) return PATCHED;
      const bytes = SIZE_BYTES[opSize(insn.op) >> 3];
      if (bytes !== res.origSz) bad(`insn #${i} (LDX/ST/STX) unexpected mem size: got ${bytes}, exp ${res.origSz}`);
      const size = BYTES_TO_SIZE[res.newSz];
      if (size === undefined) bad(`insn #${i} (LDX/ST/STX) invalid new mem size: ${res.newSz}`);
      insn.op = opMode(insn.op) | size | cls;
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDX/ST/STX) mem_sz ${res.origSz} -> ${res.newSz}`);
      return { poisoned: false, memSize: { from: res.origSz, to: res.newSz } };
    }
    case CLASS.LD: {
      const hi = insns[i + 1];
      if (insn.op !== OP_LDDW || !hi || insn.src !== 0 || insn.off !== 0 || hi.op !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        bad(`insn #${i} (LDIMM64) has unexpected form`);
      }
      const imm = ldImm64Value(insns, i);
      if (res.validate && imm !== origVal) bad(`unexpected insn #${i} (LDIMM64) value: got ${imm}, exp ${origVal} -> ${newVal}`);
      setLdImm64Value(insns, i, newVal);
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDIMM64) imm64 ${imm} -> ${newVal}`);
      return PATCHED;
    }
    default:
      return bad(`trying to relocate unrecognized insn #${i}, code:0x${insn.op.toString(16)}, src:0x${insn.src.toString(16)}, dst:0x${insn.dst.toString(16)}, off:0x${(insn.off & 0xffff).toString(16)}, imm:0x${(insn.imm >>> 0).toString(16)}`);
  }
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
    targetsByEssentialName(btf);
    kernelBtfCache = { btf, parseMs: performance.now() - t0 };
  }
  return kernelBtfCache;
}
