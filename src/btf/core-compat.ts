/**
 * CO-RE type-compatibility rules (libbpf relo_core.c semantics): essential names (flavor suffixes
 * `___xxx` ignored), which target types are candidates for a local type, and the three relations
 * CO-RE uses — "types are compatible" (type-based relocations), "fields are compatible" (field
 * matching) and "types match" (TYPE_MATCHES). Each returns true/false, or throws a BtfError when
 * the type graph is too deep (libbpf's -EINVAL).
 */
import type { BtfSpec } from './spec.js';
import { BTF_INT, type BtfType } from './types.js';

/** libbpf's recursion limit for the compatibility checks. */
const MAX_DEPTH = 32;

/** True for `X___Y` at `i`, where X and Y are not underscores (a flavor separator). */
function isFlavorSep(name: string, i: number): boolean {
  return name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_';
}

/** Length of `name` without its last flavor suffix (`task_struct___v1` → 11), like bpf_core_essential_name_len. */
export function essentialNameLength(name: string): number {
  if (!name.includes('___')) return name.length;
  for (let i = name.length - 5; i >= 0; i--) if (isFlavorSep(name, i)) return i + 1;
  return name.length;
}

/** `name` without its flavor suffix. */
export const essentialName = (name: string): string => name.slice(0, essentialNameLength(name));

/** Same kind, or ENUM vs ENUM64 (btf_kind_core_compat). */
export function kindsCoreCompat(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

export const isAnyEnum = (t: BtfType): boolean => t.kind === 'ENUM' || t.kind === 'ENUM64';
export const isComposite = (t: BtfType): boolean => t.kind === 'STRUCT' || t.kind === 'UNION';

/** The id reached by skipping modifiers and typedefs from `id`. */
export function skipModsId(btf: BtfSpec, id: number): number {
  return btf.skipModifiers(id).id;
}

/** Names equal modulo flavor; an anonymous target only matches an anonymous local (bpf_core_names_match). */
export function namesMatch(local: string, targ: string): boolean {
  if (targ === '') return local === '';
  return essentialName(local) === essentialName(targ);
}

function tooDeep(btf: BtfSpec, localId: number): never {
  throw btf.error(`CO-RE: type [${localId}] nests deeper than ${MAX_DEPTH} levels`);
}

/**
 * bpf_core_types_are_compat: the rule for TYPE_ID_TARGET / TYPE_EXISTS / TYPE_SIZE candidates.
 * Structs, unions, enums and fwds are compatible by (already matched) name; ints unless they are
 * legacy bitfield ints; pointers, arrays and function prototypes recursively.
 */
export function typesAreCompat(local: BtfSpec, localId: number, targ: BtfSpec, targId: number, level = MAX_DEPTH): boolean {
  if (!kindsCoreCompat(local.type(localId), targ.type(targId))) return false;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) tooDeep(local, localId);
    const lt = local.skipModifiers(localId);
    const tt = targ.skipModifiers(targId);
    if (!kindsCoreCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'VOID': case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'FWD':
        return true;
      case 'INT':
        return lt.bitsOffset === 0 && (tt as typeof lt).bitsOffset === 0;
      case 'PTR': case 'ARRAY':
        localId = lt.type;
        targId = (tt as typeof lt).type;
        continue;
      case 'FUNC_PROTO': {
        const tp = tt as typeof lt;
        if (lt.params.length !== tp.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (level <= 0) tooDeep(local, localId);
          if (!typesAreCompat(local, skipModsId(local, lt.params[i].type), targ, skipModsId(targ, tp.params[i].type), level - 1)) return false;
        }
        localId = skipModsId(local, lt.returnType);
        targId = skipModsId(targ, tp.returnType);
        continue;
      }
      default:
        return false;
    }
  }
}

/**
 * bpf_core_fields_are_compat: whether a local field's type can be relocated to a target field's
 * type (any two composites; pointers; floats; fwd/enum by essential name or anonymity; ints
 * unless legacy bitfield ints; arrays by element type).
 */
export function fieldsAreCompat(local: BtfSpec, localId: number, targ: BtfSpec, targId: number): boolean {
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) tooDeep(local, localId);
    const lt = local.skipModifiers(localId);
    const tt = targ.skipModifiers(targId);
    if (isComposite(lt) && isComposite(tt)) return true;
    if (!kindsCoreCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'PTR': case 'FLOAT':
        return true;
      case 'FWD': case 'ENUM': case 'ENUM64': {
        const ll = essentialNameLength(lt.name);
        const tl = essentialNameLength(tt.name);
        return ll === 0 || tl === 0 || (ll === tl && lt.name.slice(0, ll) === tt.name.slice(0, tl));
      }
      case 'INT':
        return lt.bitsOffset === 0 && (tt as typeof lt).bitsOffset === 0;
      case 'ARRAY':
        localId = lt.type;
        targId = (tt as typeof lt).type;
        continue;
      default:
        return false;
    }
  }
}

function enumNames(t: BtfType): readonly { name: string }[] {
  return t.kind === 'ENUM' || t.kind === 'ENUM64' ? t.values : [];
}

/**
 * bpf_core_types_match (TYPE_MATCHES): stricter than compatibility — same kinds after skipping
 * modifiers (struct/union behind a pointer may match a fwd of the same flavor), int size and
 * signedness equal, array lengths equal, every local member/enumerator present in the target by
 * name (members recursively matched), function prototypes argument by argument.
 */
export function typesMatch(local: BtfSpec, localId: number, targ: BtfSpec, targId: number, behindPtr = false, level = MAX_DEPTH): boolean {
  if (level <= 0) tooDeep(local, localId);
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) tooDeep(local, localId);
    const lt = local.skipModifiers(localId);
    const tt = targ.skipModifiers(targId);
    if (!namesMatch(lt.name, tt.name)) return false;
    switch (lt.kind) {
      case 'VOID':
        return tt.kind === 'VOID';
      case 'FWD':
        if (behindPtr) {
          if (tt.kind === 'FWD') return lt.union === tt.union;
          return (tt.kind === 'STRUCT' && !lt.union) || (tt.kind === 'UNION' && lt.union);
        }
        return tt.kind === 'FWD' && lt.union === tt.union;
      case 'ENUM': case 'ENUM64': {
        if (!isAnyEnum(tt)) return false;
        const te = tt as typeof lt;
        if (lt.size !== te.size || lt.values.length > te.values.length) return false;
        return lt.values.every((v) => enumNames(te).some((w) => namesMatch(v.name, w.name)));
      }
      case 'STRUCT': case 'UNION':
        if (behindPtr) {
          if (lt.kind === tt.kind) return true;
          return tt.kind === 'FWD' && (lt.kind === 'UNION') === tt.union;
        }
        if (lt.kind !== tt.kind) return false;
        return compositesMatch(local, lt, targ, tt as typeof lt, behindPtr, level);
      case 'INT':
        if (tt.kind !== 'INT') return false;
        return lt.size === tt.size && (lt.encoding & BTF_INT.SIGNED) === (tt.encoding & BTF_INT.SIGNED);
      case 'PTR':
        if (tt.kind !== 'PTR') return false;
        behindPtr = true;
        localId = lt.type;
        targId = tt.type;
        continue;
      case 'ARRAY':
        if (tt.kind !== 'ARRAY' || lt.nelems !== tt.nelems) return false;
        localId = lt.type;
        targId = tt.type;
        continue;
      case 'FUNC_PROTO': {
        if (tt.kind !== 'FUNC_PROTO' || lt.params.length !== tt.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (!typesMatch(local, lt.params[i].type, targ, tt.params[i].type, behindPtr, level - 1)) return false;
        }
        localId = lt.returnType;
        targId = tt.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}

function compositesMatch(
  local: BtfSpec, lt: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>,
  targ: BtfSpec, tt: Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>, behindPtr: boolean, level: number,
): boolean {
  if (lt.members.length > tt.members.length) return false;
  return lt.members.every((lm) =>
    tt.members.some((tm) => namesMatch(lm.name, tm.name) && typesMatch(local, lm.type, targ, tm.type, behindPtr, level - 1)));
}
