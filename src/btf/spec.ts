/**
 * A parsed BTF type graph with lookups by id and name, and size/alignment resolution that
 * detects reference loops (a typedef chain that comes back to itself, an array of itself…).
 */
import { BtfError, type Location } from '../errors.js';
import { parseBtf, type BtfHeader } from './parse.js';
import { MODIFIER_KINDS, type BtfType } from './types.js';

/** Longest chain of modifiers/arrays followed before a loop is reported (libbpf uses 32). */
export const MAX_RESOLVE_DEPTH = 32;

export class BtfSpec {
  private byName?: Map<string, BtfType[]>;

  /** @internal use {@link loadBtf}. */
  constructor(
    /** All types; `types[0]` is void. */
    readonly types: readonly BtfType[],
    readonly header: BtfHeader,
    private readonly strings: (off: number) => string,
    private readonly loc: Location,
  ) {}

  /** A copy of this spec with some types replaced (same ids); used for libbpf's DATASEC fix-ups. */
  withTypes(replacements: readonly BtfType[]): BtfSpec {
    const types = [...this.types];
    for (const t of replacements) types[t.id] = t;
    return new BtfSpec(types, this.header, this.strings, this.loc);
  }

  /** The string at `off` in the string section (used by .BTF.ext records). */
  string(off: number): string {
    return this.strings(off);
  }

  /** The type with `id`, or a BtfError. */
  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw this.error(`type id ${id} out of range (${this.types.length - 1} types)`);
    return t;
  }

  /** Every type called `name` (any kind), in id order. */
  typesByName(name: string): readonly BtfType[] {
    if (!this.byName) {
      this.byName = new Map();
      for (const t of this.types) {
        if (!t.name) continue;
        const l = this.byName.get(t.name);
        if (l) l.push(t);
        else this.byName.set(t.name, [t]);
      }
    }
    return this.byName.get(name) ?? [];
  }

  /** The first type called `name` of `kind` (e.g. `STRUCT`), if any. */
  typeByName<K extends BtfType['kind']>(name: string, kind: K): Extract<BtfType, { kind: K }> | undefined {
    return this.typesByName(name).find((t) => t.kind === kind) as Extract<BtfType, { kind: K }> | undefined;
  }

  /** Follows TYPEDEF/VOLATILE/CONST/RESTRICT/TYPE_TAG to the underlying type. */
  skipModifiers(id: number): BtfType {
    let t = this.type(id);
    for (let depth = 0; MODIFIER_KINDS.has(t.kind); depth++) {
      if (depth >= MAX_RESOLVE_DEPTH) throw this.error(`type [${id}]: modifier chain loops or is deeper than ${MAX_RESOLVE_DEPTH}`);
      t = this.type((t as { type: number }).type);
    }
    return t;
  }

  /** Byte size of a type as the C compiler sees it (like btf__resolve_size). */
  size(id: number): number {
    let t = this.type(id);
    let mul = 1;
    for (let depth = 0; ; depth++) {
      if (depth > MAX_RESOLVE_DEPTH) throw this.error(`type [${id}]: size resolution loops or is deeper than ${MAX_RESOLVE_DEPTH}`);
      switch (t.kind) {
        case 'INT': case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'DATASEC': case 'FLOAT':
          return checkSize(t.size * mul, id, this);
        case 'PTR':
          return checkSize(8 * mul, id, this);
        case 'ARRAY':
          mul *= t.nelems;
          t = this.type(t.type);
          break;
        case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'VAR': case 'DECL_TAG':
          t = this.type(t.type);
          break;
        default:
          throw this.error(`type [${id}]: ${t.kind} has no size`);
      }
    }
  }

  /** Alignment in bytes (like btf__align_of). */
  alignment(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw this.error(`type [${id}]: alignment resolution loops or is deeper than ${MAX_RESOLVE_DEPTH}`);
    const t = this.type(id);
    switch (t.kind) {
      case 'INT': case 'ENUM': case 'ENUM64': case 'FLOAT':
        return Math.min(8, Math.max(1, t.size));
      case 'PTR':
        return 8;
      case 'ARRAY': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'VAR':
        return this.alignment(t.type, depth + 1);
      case 'STRUCT': case 'UNION': {
        let align = 1;
        for (const m of t.members) {
          const a = this.alignment(m.type, depth + 1);
          // A member at an offset its natural alignment does not divide means the struct is packed.
          if (m.bitfieldSize === 0 && m.bitsOffset % (8 * a) !== 0) return 1;
          align = Math.max(align, a);
        }
        if (t.size % align !== 0) return 1;
        return align;
      }
      default:
        throw this.error(`type [${id}]: ${t.kind} has no alignment`);
    }
  }

  /** A BtfError located in this BTF. */
  error(message: string): BtfError {
    return new BtfError(message, this.loc);
  }
}

function checkSize(n: number, id: number, spec: BtfSpec): number {
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw spec.error(`type [${id}]: size ${n} overflows`);
  return n;
}

/** Parses a `.BTF` blob (or /sys/kernel/btf/vmlinux) into a {@link BtfSpec}. */
export function loadBtf(bytes: Uint8Array, loc: Location = {}): BtfSpec {
  const raw = parseBtf(bytes, loc);
  return new BtfSpec(raw.types, raw.header, raw.string, loc);
}
