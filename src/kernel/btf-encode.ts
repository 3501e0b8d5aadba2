/**
 * Writes a BtfSpec back into the raw BTF format for BPF_BTF_LOAD, with libbpf's sanitisation of
 * externs, which the kernel's BTF checker refuses as they are ("Invalid func linkage",
 * "Invalid arg#N"): extern FUNCs become global and their unnamed parameters are named
 * `dummy_ksym`; `.kconfig` and `.ksyms` VARs become allocated globals, `.ksyms` ones of type int;
 * every `.ksyms` DATASEC entry becomes a 4-byte slot, FUNC entries pointing at a placeholder VAR
 * `dummy_ksym` (added, with a 4-byte int when the object has none, after the last type).
 * The string table is rebuilt; records that point into it (line_info, CO-RE access strings)
 * get their offsets from {@link BtfWriter.string}.
 */
import type { BtfSpec } from '../btf/spec.js';
import { BTF_KIND, type BtfType } from '../btf/types.js';

const BTF_MAGIC = 0xeb9f, HDR_LEN = 24;
const BTF_VAR_GLOBAL_ALLOCATED = 1, BTF_FUNC_GLOBAL = 1, BTF_LINKAGE_EXTERN = 2;
const DUMMY = 'dummy_ksym';

export class BtfWriter {
  readonly #strings: number[] = [0];
  readonly #offsets = new Map<string, number>([['', 0]]);
  readonly #types: number[] = [];
  readonly #encoder = new TextEncoder();

  /** Offset of `s` in the string table (added on first use). */
  string(s: string): number {
    let off = this.#offsets.get(s);
    if (off === undefined) {
      off = this.#strings.length;
      this.#strings.push(...this.#encoder.encode(s), 0);
      this.#offsets.set(s, off);
    }
    return off;
  }

  /** Encodes every type of `spec` (ids unchanged), sanitised for the kernel. */
  constructor(spec: BtfSpec) {
    const ksyms = spec.types.find((t) => t.kind === 'DATASEC' && t.name === '.ksyms');
    const ksymVars = new Set(ksyms?.kind === 'DATASEC' ? ksyms.vars.map((v) => v.type) : []);
    const externProtos = new Set(spec.types.flatMap((t) => (t.kind === 'FUNC' && t.linkage === BTF_LINKAGE_EXTERN ? [t.type] : [])));
    // A 4-byte int for .ksyms slots, and the placeholder VAR, appended after the last type.
    const existingInt = spec.types.find((t) => t.kind === 'INT' && t.size === 4 && t.bits === 32)?.id;
    const intId = existingInt ?? spec.types.length;
    const dummyId = existingInt === undefined ? intId + 1 : spec.types.length;
    for (const t of spec.types.slice(1)) {
      if (t === ksyms && t.kind === 'DATASEC') {
        const vars = t.vars.map((v, i) => ({ type: spec.type(v.type).kind === 'FUNC' ? dummyId : v.type, offset: 4 * i, size: 4 }));
        this.#type({ ...t, size: 4 * vars.length, vars });
      } else if (t.kind === 'VAR' && ksymVars.has(t.id)) {
        this.#type({ ...t, type: intId, linkage: BTF_VAR_GLOBAL_ALLOCATED });
      } else if (t.kind === 'VAR' && t.linkage === BTF_LINKAGE_EXTERN) {
        this.#type({ ...t, linkage: BTF_VAR_GLOBAL_ALLOCATED });
      } else if (t.kind === 'FUNC' && t.linkage === BTF_LINKAGE_EXTERN) {
        this.#type({ ...t, linkage: BTF_FUNC_GLOBAL });
      } else if (t.kind === 'FUNC_PROTO' && externProtos.has(t.id)) {
        this.#type({ ...t, params: t.params.map((p) => (p.type && !p.name ? { ...p, name: DUMMY } : p)) });
      } else this.#type(t);
    }
    if (!ksyms) return;
    if (existingInt === undefined) this.#type({ id: intId, kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 });
    this.#type({ id: dummyId, kind: 'VAR', name: DUMMY, type: intId, linkage: BTF_VAR_GLOBAL_ALLOCATED });
  }

  /** Header, types, strings. */
  bytes(): Uint8Array {
    const typeLen = this.#types.length * 4, strLen = this.#strings.length;
    const out = new Uint8Array(HDR_LEN + typeLen + strLen);
    const v = new DataView(out.buffer);
    v.setUint16(0, BTF_MAGIC, true);
    v.setUint8(2, 1);
    v.setUint32(4, HDR_LEN, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, strLen, true);
    this.#types.forEach((w, i) => v.setUint32(HDR_LEN + i * 4, w >>> 0, true));
    out.set(this.#strings, HDR_LEN + typeLen);
    return out;
  }

  #head(t: BtfType, vlen: number, kindFlag: boolean, sizeOrType: number): void {
    const kind = BTF_KIND[t.kind as keyof typeof BTF_KIND];
    this.#types.push(this.string(t.name), (vlen & 0xffff) | (kind << 24) | (kindFlag ? 1 << 31 : 0), sizeOrType);
  }

  #type(t: BtfType): void {
    const w = this.#types;
    switch (t.kind) {
      case 'VOID':
        return;
      case 'INT':
        this.#head(t, 0, false, t.size);
        w.push((t.encoding << 24) | (t.bitsOffset << 16) | t.bits);
        return;
      case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
        this.#head(t, 0, false, t.type);
        return;
      case 'FUNC':
        this.#head(t, t.linkage, false, t.type);
        return;
      case 'ARRAY':
        this.#head(t, 0, false, 0);
        w.push(t.type, t.indexType, t.nelems);
        return;
      case 'STRUCT': case 'UNION':
        this.#head(t, t.members.length, t.kindFlag, t.size);
        for (const m of t.members) w.push(this.string(m.name), m.type, t.kindFlag ? (m.bitfieldSize << 24) | m.bitsOffset : m.bitsOffset);
        return;
      case 'ENUM':
        this.#head(t, t.values.length, t.signed, t.size);
        for (const e of t.values) w.push(this.string(e.name), Number(BigInt.asIntN(32, e.value)));
        return;
      case 'ENUM64':
        this.#head(t, t.values.length, t.signed, t.size);
        for (const e of t.values) {
          const u = BigInt.asUintN(64, e.value);
          w.push(this.string(e.name), Number(u & 0xffffffffn), Number(u >> 32n));
        }
        return;
      case 'FWD':
        this.#head(t, 0, t.union, 0);
        return;
      case 'FUNC_PROTO':
        this.#head(t, t.params.length, false, t.returnType);
        for (const p of t.params) w.push(this.string(p.name), p.type);
        return;
      case 'VAR':
        this.#head(t, 0, false, t.type);
        w.push(t.linkage);
        return;
      case 'DATASEC':
        this.#head(t, t.vars.length, false, t.size);
        for (const v of t.vars) w.push(v.type, v.offset, v.size);
        return;
      case 'FLOAT':
        this.#head(t, 0, false, t.size);
        return;
      case 'DECL_TAG':
        this.#head(t, 0, false, t.type);
        w.push(t.componentIdx);
        return;
    }
  }
}
