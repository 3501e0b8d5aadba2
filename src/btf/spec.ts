/**
 * A parsed BTF type graph with lookups by id and name, and size/alignment resolution that
 * detects reference loops (a typedef chain that comes back to itself, an array of itself…).
 */
import { BtfError, type Location } from '../errors.js';
import { scanBtf, type BtfHeader, type BtfLayout } from './parse.js';
import { MODIFIER_KINDS, type BtfType } from './types.js';

/** Longest chain of modifiers/arrays followed before a loop is reported (libbpf uses 32). */
export const MAX_RESOLVE_DEPTH = 32;

export class BtfSpec {
  private all?: readonly BtfType[];
  /** Type ids by name, built on the first lookup. */
  private byName?: Map<string, number | number[]>;

  /** @internal use {@link loadBtf}. */
  constructor(
    private readonly layout: BtfLayout,
    private readonly loc: Location,
    /** Types that replace the encoded ones (same ids). */
    private readonly replaced: ReadonlyMap<number, BtfType> = new Map(),
    /** Decoded types by id, filled on demand; shared with the specs made by {@link withTypes}. */
    private readonly decoded: (BtfType | undefined)[] = new Array(layout.count),
  ) {}

  /** Header fields of the blob. */
  get header(): BtfHeader {
    return this.layout.header;
  }

  /** All types; `types[0]` is void. Decodes every type on first use: prefer {@link type} and {@link typesByName}. */
  get types(): readonly BtfType[] {
    if (!this.all) {
      const all: BtfType[] = new Array(this.layout.count);
      for (let id = 0; id < all.length; id++) all[id] = this.type(id);
      this.all = all;
    }
    return this.all;
  }

  /** Number of types, void included (`types.length`, without decoding them). */
  get typeCount(): number {
    return this.layout.count;
  }

  /** A copy of this spec with some types replaced (same ids); used for libbpf's DATASEC fix-ups. */
  withTypes(replacements: readonly BtfType[]): BtfSpec {
    const replaced = new Map(this.replaced);
    for (const t of replacements) replaced.set(t.id, t);
    return new BtfSpec(this.layout, this.loc, replaced, this.decoded);
  }

  /** The string at `off` in the string section (used by .BTF.ext records). */
  string(off: number): string {
    return this.layout.string(off);
  }

  /** The type with `id`, or a BtfError. */
  type(id: number): BtfType {
    if (this.replaced.size !== 0) {
      const r = this.replaced.get(id);
      if (r !== undefined) return r;
    }
    const t = this.decoded[id];
    if (t !== undefined) return t;
    if (!(id >= 0 && id < this.layout.count && Number.isInteger(id))) throw this.error(`type id ${id} out of range (${this.layout.count - 1} types)`);
    return (this.decoded[id] = this.layout.decode(id));
  }

  /** Name of type `id` ('' when anonymous), without decoding the rest of the type. */
  typeName(id: number): string {
    const t = this.replaced.get(id) ?? this.decoded[id];
    if (t !== undefined) return t.name;
    if (!(id >= 0 && id < this.layout.count && Number.isInteger(id))) throw this.error(`type id ${id} out of range (${this.layout.count - 1} types)`);
    return this.layout.name(id);
  }

  /** Ids of the types called `name` (any kind), in id order. */
  typeIdsByName(name: string): readonly number[] {
    const ids = this.nameIndex().get(name);
    return ids === undefined ? [] : typeof ids === 'number' ? [ids] : ids;
  }

  /** Every type called `name` (any kind), in id order. */
  typesByName(name: string): readonly BtfType[] {
    return this.typeIdsByName(name).map((id) => this.type(id));
  }

  /** The distinct names of the types (anonymous ones excluded). */
  typeNames(): IterableIterator<string> {
    return this.nameIndex().keys();
  }

  /** Name → id (one type) or ids (several), built from the names alone on first use. */
  private nameIndex(): Map<string, number | number[]> {
    if (!this.byName) {
      const index = new Map<string, number | number[]>();
      for (let id = 1; id < this.layout.count; id++) {
        const n = this.typeName(id);
        if (!n) continue;
        const l = index.get(n);
        if (l === undefined) index.set(n, id);
        else if (typeof l === 'number') index.set(n, [l, id]);
        else l.push(id);
      }
      this.byName = index;
    }
    return this.byName;
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
  return new BtfSpec(scanBtf(bytes, loc), loc);
}
