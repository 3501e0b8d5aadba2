/**
 * CO-RE access specifications (libbpf relo_core.c `struct bpf_core_spec`): an access string such
 * as `0:1:2` parsed against the local BTF, and matched against a candidate target type. A spec
 * keeps the raw indices (every level, anonymous members included), the high-level accessors
 * (named fields and array indices only) and the resulting bit offset.
 */
import { BtfError } from '../errors.js';
import type { CoreRelo, CoreReloKind } from './ext.js';
import type { BtfSpec } from './spec.js';
import type { BtfArray, BtfType } from './types.js';
import { essentialNameLength, fieldsAreCompat, typesAreCompat, typesMatch } from './core-compat.js';

/** libbpf's BPF_CORE_SPEC_MAX_LEN. */
export const CORE_SPEC_MAX_LEN = 64;

/** Which family a relocation kind belongs to. */
export type CoreReloClass = 'field' | 'type' | 'enumval';
const KIND_CLASS: Record<CoreReloKind, CoreReloClass> = {
  field_byte_offset: 'field', field_byte_size: 'field', field_exists: 'field', field_signed: 'field',
  field_lshift_u64: 'field', field_rshift_u64: 'field',
  type_id_local: 'type', type_id_target: 'type', type_exists: 'type', type_matches: 'type', type_size: 'type',
  enumval_exists: 'enumval', enumval_value: 'enumval',
};
export const coreReloClass = (kind: CoreReloKind): CoreReloClass => KIND_CLASS[kind];

/** libbpf's short kind names as printed in its log (`core_relo_kind_str`). */
export const CORE_KIND_STR: Record<CoreReloKind, string> = {
  field_byte_offset: 'byte_off', field_byte_size: 'byte_sz', field_exists: 'field_exists', field_signed: 'signed',
  field_lshift_u64: 'lshift_u64', field_rshift_u64: 'rshift_u64', type_id_local: 'local_type_id',
  type_id_target: 'target_type_id', type_exists: 'type_exists', type_matches: 'type_matches', type_size: 'type_size',
  enumval_exists: 'enumval_exists', enumval_value: 'enumval_value',
};

/** One high-level step: a named member (`name` set) or an array index. */
export interface CoreAccessor {
  /** For a member: the struct/union containing it; for an index: the element type (modifiers skipped). */
  typeId: number;
  idx: number;
  /** Member or enumerator name; undefined for an array index. */
  name?: string;
}

export interface CoreSpec {
  btf: BtfSpec;
  rootTypeId: number;
  kind: CoreReloKind;
  accessors: CoreAccessor[];
  raw: number[];
  bitOffset: number;
}

/** A CO-RE relocation that libbpf refuses (the whole load fails): bad spec, ambiguity, bad instruction… */
export class CoreReloError extends BtfError {}

const fail = (msg: string): never => {
  throw new CoreReloError(msg);
};

/** btf__resolve_size, as a CoreReloError on failure. */
export function resolveSize(btf: BtfSpec, id: number): number {
  try {
    return btf.size(id);
  } catch (e) {
    return fail(`cannot resolve the size of type [${id}]: ${(e as Error).message}`);
  }
}

/** is_flex_arr: a zero-length array that is the last member of the struct the accessor names. */
function isFlexArray(btf: BtfSpec, acc: CoreAccessor | undefined, arr: BtfArray): boolean {
  if (!acc || acc.name === undefined || arr.nelems > 0) return false;
  const t = btf.type(acc.typeId);
  return (t.kind === 'STRUCT' || t.kind === 'UNION') && acc.idx === t.members.length - 1;
}

const ACCESS_RE = /^\d+(?::\d+)*$/;

/** bpf_core_parse_spec: the local spec of a relocation. */
export function parseCoreSpec(btf: BtfSpec, relo: CoreRelo): CoreSpec {
  const spec: CoreSpec = { btf, rootTypeId: relo.typeId, kind: relo.kind, accessors: [], raw: [], bitOffset: 0 };
  const str = relo.access;
  if (!ACCESS_RE.test(str)) fail(`malformed access string '${str}'`);
  const cls = coreReloClass(relo.kind);
  if (cls === 'type') {
    if (str !== '0') fail(`type-based relocation with access string '${str}' (must be '0')`);
    return spec;
  }
  spec.raw = str.split(':').map(Number);
  if (spec.raw.length > CORE_SPEC_MAX_LEN) fail(`access string '${str}' longer than ${CORE_SPEC_MAX_LEN}`);
  if (spec.raw.some((n) => n > 0x7fffffff)) fail(`access string '${str}' index overflows`);
  let t = btf.skipModifiers(relo.typeId);
  let id = t.id;
  spec.accessors.push({ typeId: id, idx: spec.raw[0] });

  if (cls === 'enumval') {
    const values = t.kind === 'ENUM' || t.kind === 'ENUM64' ? t.values : undefined;
    if (!values || spec.raw.length > 1 || spec.raw[0] >= values.length) fail(`enum value relocation '${str}' does not name an enumerator of [${id}] ${t.kind}`);
    spec.accessors[0].name = values![spec.raw[0]].name;
    return spec;
  }

  spec.bitOffset = spec.raw[0] * resolveSize(btf, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    t = btf.skipModifiers(id);
    id = t.id;
    const idx = spec.raw[i];
    if (t.kind === 'STRUCT' || t.kind === 'UNION') {
      if (idx >= t.members.length) fail(`access index ${idx} beyond the ${t.members.length} members of [${id}]`);
      const m = t.members[idx];
      spec.bitOffset += m.bitsOffset;
      if (m.name) spec.accessors.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === 'ARRAY') {
      const elem = btf.skipModifiers(t.type);
      id = elem.id;
      const flex = isFlexArray(btf, spec.accessors[spec.accessors.length - 1], t);
      if (!flex && idx >= t.nelems) fail(`array index ${idx} beyond the ${t.nelems} elements of [${t.id}]`);
      spec.accessors.push({ typeId: id, idx });
      spec.bitOffset += idx * resolveSize(btf, id) * 8;
    } else {
      fail(`relo for [${relo.typeId}] ${str} (at idx ${i}) captures type [${id}] of unexpected kind ${kindStr(t)}`);
    }
  }
  return spec;
}

/**
 * bpf_core_match_member: finds the local accessor's member (by exact name) in the target
 * composite `targId`, descending into anonymous members; extends `spec` and returns the member's
 * type id, or undefined when there is no compatible member.
 */
function matchMember(local: BtfSpec, acc: CoreAccessor, targ: BtfSpec, targId: number, spec: CoreSpec): number | undefined {
  const tt = targ.skipModifiers(targId);
  if (tt.kind !== 'STRUCT' && tt.kind !== 'UNION') return undefined;
  const lt = local.type(acc.typeId) as Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;
  const lm = lt.members[acc.idx];
  for (let i = 0; i < tt.members.length; i++) {
    const m = tt.members[i];
    if (spec.raw.length === CORE_SPEC_MAX_LEN) fail(`target spec deeper than ${CORE_SPEC_MAX_LEN}`);
    spec.bitOffset += m.bitsOffset;
    spec.raw.push(i);
    if (m.name === '') {
      const found = matchMember(local, acc, targ, m.type, spec);
      if (found !== undefined) return found;
    } else if (m.name === lm.name) {
      if (!fieldsAreCompat(local, lm.type, targ, m.type)) return undefined;
      spec.accessors.push({ typeId: tt.id, idx: i, name: m.name });
      return m.type;
    }
    spec.bitOffset -= m.bitsOffset;
    spec.raw.pop();
  }
  return undefined;
}

/**
 * bpf_core_spec_match: matches a local spec against candidate `targId`. `matched` is false when
 * the candidate does not match; `spec` is then as far as matching got (libbpf logs it). Throws
 * CoreReloError on libbpf's hard errors.
 */
export function matchCoreSpec(local: CoreSpec, targ: BtfSpec, targId: number): { spec: CoreSpec; matched: boolean } {
  const spec: CoreSpec = { btf: targ, rootTypeId: targId, kind: local.kind, accessors: [], raw: [], bitOffset: 0 };
  return { spec, matched: fillTargetSpec(local, targ, targId, spec) };
}

function fillTargetSpec(local: CoreSpec, targ: BtfSpec, targId: number, spec: CoreSpec): boolean {
  const cls = coreReloClass(local.kind);
  if (cls === 'type') {
    return local.kind === 'type_matches'
      ? typesMatch(local.btf, local.rootTypeId, targ, targId)
      : typesAreCompat(local.btf, local.rootTypeId, targ, targId);
  }
  if (cls === 'enumval') {
    const tt = targ.skipModifiers(targId);
    if (tt.kind !== 'ENUM' && tt.kind !== 'ENUM64') return false;
    const name = local.accessors[0].name!;
    const len = essentialNameLength(name);
    for (let i = 0; i < tt.values.length; i++) {
      const tn = tt.values[i].name;
      if (essentialNameLength(tn) === len && tn.slice(0, len) === name.slice(0, len)) {
        spec.accessors.push({ typeId: tt.id, idx: i, name: tn });
        spec.raw.push(i);
        return true;
      }
    }
    return false;
  }
  let id = targId;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i];
    const tt = targ.skipModifiers(id);
    id = tt.id;
    if (acc.name !== undefined) {
      const next = matchMember(local.btf, acc, targ, id, spec);
      if (next === undefined) return false;
      id = next;
      continue;
    }
    if (i > 0) {
      if (tt.kind !== 'ARRAY') return false;
      const flex = isFlexArray(targ, spec.accessors[i - 1], tt);
      if (!flex && acc.idx >= tt.nelems) return false;
      id = targ.skipModifiers(tt.type).id;
    }
    if (spec.raw.length === CORE_SPEC_MAX_LEN) fail(`target spec deeper than ${CORE_SPEC_MAX_LEN}`);
    spec.accessors.push({ typeId: id, idx: acc.idx });
    spec.raw.push(acc.idx);
    spec.bitOffset += acc.idx * resolveSize(targ, id) * 8;
  }
  return true;
}

/** libbpf's btf_kind_str. */
export function kindStr(t: BtfType): string {
  return t.kind.toLowerCase();
}

/** bpf_core_format_spec: `<byte_off> [12] struct s.a[3] (0:1:3 @ offset 16)`. */
export function formatCoreSpec(spec: CoreSpec): string {
  const t = spec.btf.type(spec.rootTypeId);
  let s = `<${CORE_KIND_STR[spec.kind]}> [${spec.rootTypeId}] ${kindStr(t)} ${t.name || '<anon>'}`;
  const cls = coreReloClass(spec.kind);
  if (cls === 'type') return s;
  if (cls === 'enumval') {
    // Like libbpf, a spec that did not match prints the target's first enumerator.
    const e = spec.btf.skipModifiers(spec.rootTypeId);
    const v = e.kind === 'ENUM' || e.kind === 'ENUM64' ? e.values[spec.raw[0] ?? 0] : undefined;
    if (v) {
      const bits = e.kind === 'ENUM' ? 32 : 64;
      s += `::${v.name} = ${(e as { signed: boolean }).signed ? BigInt.asIntN(bits, v.value) : BigInt.asUintN(bits, v.value)}`;
    }
    return s;
  }
  spec.accessors.forEach((a, i) => {
    if (a.name !== undefined) s += `.${a.name}`;
    else if (i > 0 || a.idx > 0) s += `[${a.idx}]`;
  });
  const off = spec.bitOffset % 8 ? `${Math.floor(spec.bitOffset / 8)}.${spec.bitOffset % 8}` : `${spec.bitOffset / 8}`;
  return `${s} (${spec.raw.join(':')} @ offset ${off})`;
}
