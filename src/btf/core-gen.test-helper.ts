/**
 * Test helper (not part of the package): writes a BPF C program full of CO-RE relocations on the
 * running kernel's types, for comparing tsbpf with libbpf on thousands of relocations. For a
 * deterministic sample of kernel structs it declares a local flavor `struct X___tsbpf` with the
 * members in reverse order (anonymous-union members hoisted to the top level, some unsigned ints
 * widened to 64 bits, some fields given an incompatible kind), then relocates a direct load and
 * every FIELD_* kind of each member, and the TYPE_* kinds of the struct; for a sample of enums, a
 * local flavor whose enumerators are renamed `X___tsbpf` (plus one that does not exist).
 */
import type { BtfSpec } from './spec.js';
import type { BtfMember, BtfType } from './types.js';
import { BTF_INT } from './types.js';

const FLAVOR = '___tsbpf';
/** __builtin_preserve_field_info kinds (FIELD_BYTE_OFFSET … FIELD_RSHIFT_U64). */
const FIELD_KINDS = [0, 1, 2, 3, 4, 5];

interface LocalMember {
  decl: string;
  name: string;
  /** A direct load of it compiles (scalar or pointer, not a bitfield). */
  loadable: boolean;
  /** An integer, enum or bitfield: FIELD_SIGNED and the shifts apply. */
  scalar: boolean;
}

/** Named members, anonymous struct/union members flattened (as C lets one name them). */
function namedMembers(btf: BtfSpec, t: BtfType, depth = 0): BtfMember[] {
  if ((t.kind !== 'STRUCT' && t.kind !== 'UNION') || depth > 3) return [];
  return t.members.flatMap((m) => (m.name ? [m] : namedMembers(btf, btf.skipModifiers(m.type), depth + 1)));
}

function localMember(btf: BtfSpec, m: BtfMember, n: number): LocalMember | undefined {
  const t = btf.skipModifiers(m.type);
  const intType = (size: number, signed: boolean) => `__${signed ? 's' : 'u'}${size * 8}`;
  if (m.bitfieldSize) {
    if (t.kind !== 'INT' && t.kind !== 'ENUM') return undefined;
    return { decl: `${intType(t.size, false)} ${m.name}: ${m.bitfieldSize};`, name: m.name, loadable: false, scalar: true };
  }
  switch (t.kind) {
    case 'INT': {
      if (![1, 2, 4, 8].includes(t.size)) return undefined;
      const signed = (t.encoding & BTF_INT.SIGNED) !== 0;
      // Every third unsigned int is declared 64-bit (load size adjusted); every fifth signed one too (poisoned load).
      const size = (!signed && n % 3 === 0) || (signed && n % 5 === 0) ? 8 : t.size;
      return { decl: `${intType(size, signed)} ${m.name};`, name: m.name, loadable: true, scalar: true };
    }
    case 'PTR':
      return { decl: `void *${m.name};`, name: m.name, loadable: true, scalar: false };
    case 'ENUM': case 'ENUM64':
      // Named enums keep their kind; anonymous ones become ints: an incompatible field kind.
      return { decl: t.name ? `enum ${t.name} ${m.name};` : `${intType(t.size, false)} ${m.name};`, name: m.name, loadable: true, scalar: true };
    case 'STRUCT': case 'UNION':
      return t.name ? { decl: `${t.kind.toLowerCase()} ${t.name} ${m.name};`, name: m.name, loadable: false, scalar: false } : undefined;
    case 'ARRAY': {
      const e = btf.skipModifiers(t.type);
      if (e.kind !== 'INT' || ![1, 2, 4, 8].includes(e.size) || t.nelems === 0) return undefined;
      return { decl: `${intType(e.size, (e.encoding & BTF_INT.SIGNED) !== 0)} ${m.name}[${t.nelems}];`, name: m.name, loadable: false, scalar: false };
    }
    default:
      return undefined;
  }
}

/** Names used once in the BTF (vmlinux.h renames duplicates `X___2`). */
function uniqueNames(btf: BtfSpec, kinds: readonly string[]): BtfType[] {
  const count = new Map<string, number>();
  for (const t of btf.types) if (t.name && kinds.includes(t.kind)) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  return btf.types.filter((t) => t.name && kinds.includes(t.kind) && count.get(t.name) === 1 && !t.name.includes('___'));
}

/** The C source; `structs`/`enums` bound the sample sizes. */
export function generateCoreProgram(btf: BtfSpec, structs = 60, enums = 30): string {
  const out: string[] = [
    '#include "vmlinux.h"', '#include <bpf/bpf_helpers.h>', '#include <bpf/bpf_core_read.h>', '',
    'char LICENSE[] SEC("license") = "GPL";', '__u64 out[64];', '',
  ];
  const composites = uniqueNames(btf, ['STRUCT']).filter((t) => namedMembers(btf, t).length >= 2);
  const step = Math.max(1, Math.floor(composites.length / structs));
  let n = 0;
  for (let i = 0; i < composites.length && i / step < structs; i += step) {
    const s = composites[i];
    const members = namedMembers(btf, s).map((m) => localMember(btf, m, n++)).filter((m): m is LocalMember => !!m).slice(0, 12).reverse();
    if (members.length === 0) continue;
    const local = `${s.name}${FLAVOR}`;
    out.push(`struct ${local} {`, ...members.map((m) => `\t${m.decl}`), '} __attribute__((preserve_access_index));', '');
    out.push('SEC("raw_tp/sys_enter")', `int f_${s.name}(void *ctx)`, '{', `\tstruct ${local} *p = ctx;`, '\tint i = 0;', '');
    for (const m of members) {
      if (m.loadable) out.push(`\tout[i++ & 63] = (__u64)p->${m.name};`);
      for (const k of FIELD_KINDS) {
        // Signedness and shifts only exist for integers, enums and bitfields.
        if (k >= 3 && !m.scalar) continue;
        out.push(`\tout[i++ & 63] = __builtin_preserve_field_info(p->${m.name}, ${k});`);
      }
    }
    out.push(`\tout[i++ & 63] = bpf_core_type_exists(struct ${local});`, `\tout[i++ & 63] = bpf_core_type_size(struct ${local});`,
      `\tout[i++ & 63] = bpf_core_type_id_kernel(struct ${local});`, `\tout[i++ & 63] = bpf_core_type_size(struct ${s.name});`,
      '\treturn 0;', '}', '');
  }
  const enumTypes = uniqueNames(btf, ['ENUM', 'ENUM64']).filter((t) => (t.kind === 'ENUM' || t.kind === 'ENUM64') && t.values.length > 0);
  const estep = Math.max(1, Math.floor(enumTypes.length / enums));
  const body: string[] = [];
  for (let i = 0; i < enumTypes.length && i / estep < enums; i += estep) {
    const e = enumTypes[i] as Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>;
    const vals = e.values.filter((_, k) => k % Math.max(1, Math.floor(e.values.length / 4)) === 0).slice(0, 4);
    const local = `${e.name}${FLAVOR}`;
    out.push(`enum ${local} {`, ...vals.map((v, k) => `\t${v.name}${FLAVOR} = ${k + 1000},`), `\tNO_SUCH_VALUE_${i}${FLAVOR} = 999,`, '};', '');
    for (const v of vals) {
      body.push(`\tout[i++ & 63] = bpf_core_enum_value(enum ${local}, ${v.name}${FLAVOR});`, `\tout[i++ & 63] = bpf_core_enum_value_exists(enum ${local}, ${v.name}${FLAVOR});`);
    }
    body.push(`\tout[i++ & 63] = bpf_core_enum_value_exists(enum ${local}, NO_SUCH_VALUE_${i}${FLAVOR});`,
      `\tout[i++ & 63] = bpf_core_enum_value(enum ${local}, NO_SUCH_VALUE_${i}${FLAVOR});`);
  }
  out.push('SEC("raw_tp/sys_exit")', 'int enums(void *ctx)', '{', '\tint i = 0;', '', ...body, '\treturn 0;', '}', '');
  return out.join('\n');
}

/**
 * Programs on the kernel's duplicate struct names (several BTF types called the same, which
 * libbpf all takes as candidates): one source per member found at different offsets in two
 * duplicates (libbpf refuses: field offset ambiguity), and one source reading members found at
 * the same offset in all duplicates (no ambiguity). Only members whose type is an int or a
 * pointer in every duplicate are used.
 */
export function generateDuplicatePrograms(btf: BtfSpec, max = 3): { source: string; ambiguous: boolean }[] {
  const byName = new Map<string, Extract<BtfType, { kind: 'STRUCT' }>[]>();
  for (const t of btf.types) {
    if (t.kind !== 'STRUCT' || !t.name || t.name.includes('___')) continue;
    const l = byName.get(t.name);
    if (l) l.push(t);
    else byName.set(t.name, [t]);
  }
  const header = ['#include "vmlinux.h"', '#include <bpf/bpf_helpers.h>', '', 'char LICENSE[] SEC("license") = "GPL";', '__u64 out[8];', ''];
  const program = (struct: string, member: string, decl: string, fn: string) => [
    `struct ${struct}${FLAVOR} {`, `\t${decl};`, '} __attribute__((preserve_access_index));', '',
    'SEC("raw_tp/sys_enter")', `int ${fn}(void *ctx)`, '{', `\tstruct ${struct}${FLAVOR} *p = ctx;`, '',
    `\tout[0] = __builtin_preserve_field_info(p->${member}, 0);`, '\treturn 0;', '}', ''];
  const ambiguous: { source: string; ambiguous: boolean }[] = [];
  const agreeing: string[] = [];
  for (const [name, types] of byName) {
    if (types.length < 2) continue;
    for (const m of types[0].members) {
      if (!m.name || m.bitfieldSize) continue;
      const all = types.map((t) => t.members.find((x) => x.name === m.name && !x.bitfieldSize));
      if (all.some((x) => !x)) continue;
      const kinds = all.map((x) => btf.skipModifiers(x!.type).kind);
      const decl = kinds.every((k) => k === 'PTR') ? `void *${m.name}` : kinds.every((k) => k === 'INT') ? `__u64 ${m.name}` : undefined;
      if (!decl) continue;
      const same = all.every((x) => x!.bitsOffset === m.bitsOffset);
      if (!same && ambiguous.length < max) ambiguous.push({ source: [...header, ...program(name, m.name, decl, `amb_${ambiguous.length}`)].join('\n'), ambiguous: true });
      if (same && agreeing.length < max) agreeing.push(...program(name, m.name, decl, `dup_${agreeing.length}`));
    }
  }
  return [...ambiguous, ...(agreeing.length ? [{ source: [...header, ...agreeing].join('\n'), ambiguous: false }] : [])];
}
