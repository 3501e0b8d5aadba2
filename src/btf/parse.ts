/**
 * Decoder of the `.BTF` section (and of /sys/kernel/btf/vmlinux): header, string table and every
 * type record. Offsets, string references and type ids are checked; a violation is a
 * {@link BtfError} with the byte offset inside the BTF blob.
 *
 * {@link scanBtf} validates the whole blob in one pass without allocating per type: it records
 * where each type record starts and leaves names and members encoded. {@link BtfLayout.decode}
 * then builds the object of one type on demand, so a large BTF (vmlinux: ~130,000 types) costs
 * only what its users look at.
 */
import { BtfError, type Location } from '../errors.js';
import { BTF_KIND, BTF_KIND_NAMES, type BtfMember, type BtfParam, type BtfType, type BtfVarSecinfo, type BtfEnumValue } from './types.js';

export const BTF_MAGIC = 0xeb9f;
const utf8 = new TextDecoder();
const HDR_MIN = 24;
const TYPE_HDR = 12;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Header fields of a BTF blob. */
export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

/** Decoded BTF: `types[id]` (index 0 is void) plus the string table. */
export interface RawBtf {
  header: BtfHeader;
  types: BtfType[];
  /** Returns the string at an offset of the string section. */
  string(off: number): string;
}

/** Decodes a BTF blob, every type at once. `loc` (file, section) is attached to errors. */
export function parseBtf(bytes: Uint8Array, loc: Location = {}): RawBtf {
  const layout = scanBtf(bytes, loc);
  const types: BtfType[] = new Array(layout.count);
  for (let id = 0; id < layout.count; id++) types[id] = layout.decode(id);
  return { header: layout.header, types, string: (off) => layout.string(off) };
}

/** Bytes of the fixed part and of one vlen entry of each kind (by kind number). */
const EXTRA = new Uint8Array(20);
const VLEN_SIZE = new Uint8Array(20);
EXTRA[BTF_KIND.INT] = 4;
EXTRA[BTF_KIND.ARRAY] = 12;
EXTRA[BTF_KIND.VAR] = 4;
EXTRA[BTF_KIND.DECL_TAG] = 4;
VLEN_SIZE[BTF_KIND.STRUCT] = VLEN_SIZE[BTF_KIND.UNION] = 12;
VLEN_SIZE[BTF_KIND.ENUM] = 8;
VLEN_SIZE[BTF_KIND.ENUM64] = 12;
VLEN_SIZE[BTF_KIND.FUNC_PROTO] = 8;
VLEN_SIZE[BTF_KIND.DATASEC] = 12;
/** What the vlen entries are called in truncation errors. */
const VLEN_WHAT: Record<number, string> = {
  [BTF_KIND.STRUCT]: 'STRUCT members', [BTF_KIND.UNION]: 'UNION members', [BTF_KIND.ENUM]: 'ENUM values',
  [BTF_KIND.ENUM64]: 'ENUM64 values', [BTF_KIND.FUNC_PROTO]: 'FUNC_PROTO parameters', [BTF_KIND.DATASEC]: 'DATASEC variables',
};

/**
 * A validated BTF blob whose types are still encoded: `count` types (id 0 is void), each decoded
 * by {@link decode} on request, and the string table decoded by {@link string}.
 */
export class BtfLayout {
  /** Number of types, void included. */
  readonly count: number;
  /** The type section as little-endian 32-bit words. */
  private readonly words: Uint32Array;
  /** Word index of each type's record in `words` (entry 0 unused). */
  private readonly recs: Uint32Array;
  private readonly strBytes: Uint8Array;
  private readonly ascii: boolean;
  /** The whole string section, decoded on first use when it is ASCII. */
  private table?: string;

  /** @internal use {@link scanBtf}. */
  constructor(
    readonly header: BtfHeader,
    words: Uint32Array,
    recs: Uint32Array,
    count: number,
    strBytes: Uint8Array,
    private readonly strStart: number,
    private readonly loc: Location,
  ) {
    this.words = words;
    this.recs = recs;
    this.count = count;
    this.strBytes = strBytes;
    let ascii = true;
    for (let i = 0; i < strBytes.length; i++) {
      if (strBytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    this.ascii = ascii;
  }

  /** The string at `off` of the string section (checked). */
  string(off: number): string {
    if (off >= this.header.strLen) {
      if (off === 0) return '';
      throw new BtfError(`string offset ${off} outside string section (${this.header.strLen} bytes)`, { ...this.loc, offset: this.strStart });
    }
    return this.stringAt(off);
  }

  /** Name offset of type `id` (0 for void and anonymous types). */
  nameOffset(id: number): number {
    return id === 0 ? 0 : this.words[this.recs[id]];
  }

  /** Kind number (`BTF_KIND_*`) of type `id`. */
  kindNumber(id: number): number {
    return id === 0 ? 0 : (this.words[this.recs[id] + 1] >>> 24) & 0x1f;
  }

  /** Name of type `id` ('' when anonymous). */
  name(id: number): string {
    const off = this.nameOffset(id);
    return off === 0 ? '' : this.stringAt(off);
  }

  /** The type object of `id` (a new object each call), `0 <= id < count`. */
  decode(id: number): BtfType {
    if (id === 0) return { id: 0, kind: 'VOID', name: '' };
    const w = this.words;
    let o = this.recs[id];
    const name = this.name(id);
    const info = w[o + 1];
    const sizeOrType = w[o + 2];
    const vlen = info & 0xffff;
    const kindNo = (info >>> 24) & 0x1f;
    const kflag = info >>> 31 === 1;
    o += 3;
    switch (kindNo) {
      case BTF_KIND.INT: {
        const v = w[o];
        return { id, kind: 'INT', name, size: sizeOrType, encoding: (v >>> 24) & 0xf, bitsOffset: (v >>> 16) & 0xff, bits: v & 0xff };
      }
      case BTF_KIND.PTR: return { id, kind: 'PTR', name, type: sizeOrType };
      case BTF_KIND.TYPEDEF: return { id, kind: 'TYPEDEF', name, type: sizeOrType };
      case BTF_KIND.VOLATILE: return { id, kind: 'VOLATILE', name, type: sizeOrType };
      case BTF_KIND.CONST: return { id, kind: 'CONST', name, type: sizeOrType };
      case BTF_KIND.RESTRICT: return { id, kind: 'RESTRICT', name, type: sizeOrType };
      case BTF_KIND.TYPE_TAG: return { id, kind: 'TYPE_TAG', name, type: sizeOrType };
      case BTF_KIND.FUNC: return { id, kind: 'FUNC', name, type: sizeOrType, linkage: vlen };
      case BTF_KIND.ARRAY: return { id, kind: 'ARRAY', name, type: w[o], indexType: w[o + 1], nelems: w[o + 2] };
      case BTF_KIND.STRUCT: case BTF_KIND.UNION: {
        const members: BtfMember[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 3) {
          const off = w[o + 2];
          members[i] = {
            name: this.memberName(w[o]), type: w[o + 1],
            bitsOffset: kflag ? off & 0xffffff : off, bitfieldSize: kflag ? off >>> 24 : 0,
          };
        }
        return { id, kind: kindNo === BTF_KIND.STRUCT ? 'STRUCT' : 'UNION', name, size: sizeOrType, kindFlag: kflag, members };
      }
      case BTF_KIND.ENUM: {
        const values: BtfEnumValue[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 2) {
          values[i] = { name: this.memberName(w[o]), value: BigInt(kflag ? w[o + 1] | 0 : w[o + 1]) };
        }
        return { id, kind: 'ENUM', name, size: sizeOrType, signed: kflag, values };
      }
      case BTF_KIND.ENUM64: {
        const values: BtfEnumValue[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 3) {
          const v = (BigInt(w[o + 2]) << 32n) | BigInt(w[o + 1]);
          values[i] = { name: this.memberName(w[o]), value: kflag ? BigInt.asIntN(64, v) : v };
        }
        return { id, kind: 'ENUM64', name, size: sizeOrType, signed: kflag, values };
      }
      case BTF_KIND.FWD: return { id, kind: 'FWD', name, union: kflag };
      case BTF_KIND.FUNC_PROTO: {
        const params: BtfParam[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 2) params[i] = { name: this.memberName(w[o]), type: w[o + 1] };
        return { id, kind: 'FUNC_PROTO', name, returnType: sizeOrType, params };
      }
      case BTF_KIND.VAR: return { id, kind: 'VAR', name, type: sizeOrType, linkage: w[o] };
      case BTF_KIND.DATASEC: {
        const vars: BtfVarSecinfo[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 3) vars[i] = { type: w[o], offset: w[o + 1], size: w[o + 2] };
        return { id, kind: 'DATASEC', name, size: sizeOrType, vars };
      }
      case BTF_KIND.FLOAT: return { id, kind: 'FLOAT', name, size: sizeOrType };
      default: // DECL_TAG: scanBtf admits no other kind
        return { id, kind: 'DECL_TAG', name, type: sizeOrType, componentIdx: w[o] | 0 };
    }
  }

  private memberName(off: number): string {
    return off === 0 ? '' : this.stringAt(off);
  }

  /** The NUL-terminated string at a checked offset. */
  private stringAt(off: number): string {
    if (this.ascii) {
      const table = (this.table ??= utf8.decode(this.strBytes));
      return table.slice(off, table.indexOf('\0', off));
    }
    return utf8.decode(this.strBytes.subarray(off, this.strBytes.indexOf(0, off)));
  }
}

/**
 * Validates a BTF blob (header, string references, record sizes, type ids) in one pass and
 * returns its {@link BtfLayout}. `loc` (file, section) is attached to errors.
 */
export function scanBtf(bytes: Uint8Array, loc: Location = {}): BtfLayout {
  const fail = (msg: string, offset: number): never => {
    throw new BtfError(msg, { ...loc, offset });
  };
  if (bytes.length < HDR_MIN) fail(`BTF blob too small (${bytes.length} bytes)`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic === 0x9feb) fail('big-endian BTF is not supported', 0);
  if (magic !== BTF_MAGIC) fail(`bad BTF magic 0x${magic.toString(16)}`, 0);
  const header: BtfHeader = {
    version: bytes[2], flags: bytes[3], hdrLen: dv.getUint32(4, true),
    typeOff: dv.getUint32(8, true), typeLen: dv.getUint32(12, true),
    strOff: dv.getUint32(16, true), strLen: dv.getUint32(20, true),
  };
  if (header.version !== 1) fail(`unsupported BTF version ${header.version}`, 2);
  if (header.hdrLen < HDR_MIN || header.hdrLen > bytes.length) fail(`bad BTF header length ${header.hdrLen}`, 4);
  const dataLen = bytes.length - header.hdrLen;
  const inData = (off: number, len: number) => off <= dataLen && len <= dataLen - off;
  if (!inData(header.typeOff, header.typeLen)) fail(`type section [${header.typeOff}, +${header.typeLen}) outside BTF data (${dataLen} bytes)`, 8);
  if (!inData(header.strOff, header.strLen)) fail(`string section [${header.strOff}, +${header.strLen}) outside BTF data (${dataLen} bytes)`, 16);
  if (header.typeOff % 4) fail(`type section offset ${header.typeOff} is not 4-byte aligned`, 8);
  const strStart = header.hdrLen + header.strOff;
  const strEnd = strStart + header.strLen;
  const strLen = header.strLen;
  if (strLen > 0 && (bytes[strStart] !== 0 || bytes[strEnd - 1] !== 0)) {
    fail('BTF string section must start and end with NUL', strStart);
  }

  const start = header.hdrLen + header.typeOff;
  const words = typeWords(bytes, start, header.typeLen);
  // Every record is at least one 12-byte header: this bounds the number of types.
  const recs = new Uint32Array(((header.typeLen / TYPE_HDR) | 0) + 1);
  const end = words.length; // whole words; a trailing partial word fails as truncation below
  const tail = header.typeLen % 4;
  let id = 1;
  let o = 0;
  let maxRef = 0;
  const at = (word: number) => start + 4 * word;
  const badString = (off: number, word: number) => fail(`string offset ${off} outside string section (${strLen} bytes)`, at(word));
  const truncated = (what: string, need: number) => fail(`truncated ${what} of type [${id}] (need ${need} bytes, ${4 * (end - o) + tail} left)`, at(o));
  while (o < end || (tail && o === end)) {
    if (end - o < 3) truncated('header', TYPE_HDR);
    const nameOff = words[o];
    if (nameOff >= strLen && nameOff !== 0) badString(nameOff, o);
    const info = words[o + 1];
    const sizeOrType = words[o + 2];
    const vlen = info & 0xffff;
    const kindNo = (info >>> 24) & 0x1f;
    if (kindNo === 0 || kindNo >= BTF_KIND_NAMES.length) fail(`type [${id}]: unknown BTF kind ${kindNo}`, at(o + 1));
    recs[id] = o;
    o += 3;
    const extra = EXTRA[kindNo] >>> 2;
    if (extra) {
      if (end - o < extra) truncated(`${BTF_KIND_NAMES[kindNo]} data`, 4 * extra);
      if (kindNo === BTF_KIND.ARRAY) {
        maxRef = Math.max(maxRef, words[o], words[o + 1]);
      } else if (kindNo !== BTF_KIND.INT) {
        maxRef = Math.max(maxRef, sizeOrType); // VAR, DECL_TAG
      }
      o += extra;
    } else {
      const step = VLEN_SIZE[kindNo] >>> 2;
      if (step) {
        if (end - o < step * vlen) truncated(VLEN_WHAT[kindNo], 4 * step * vlen);
        if (kindNo === BTF_KIND.FUNC_PROTO) maxRef = Math.max(maxRef, sizeOrType);
        const named = kindNo !== BTF_KIND.DATASEC;
        // The referenced type is the second word (members, parameters), the first (DATASEC), or none (enums).
        const ref = kindNo === BTF_KIND.DATASEC ? 0 : kindNo === BTF_KIND.ENUM || kindNo === BTF_KIND.ENUM64 ? -1 : 1;
        for (const stop = o + step * vlen; o < stop; o += step) {
          if (named) {
            const off = words[o];
            if (off >= strLen && off !== 0) badString(off, o);
          }
          if (ref >= 0 && words[o + ref] > maxRef) maxRef = words[o + ref];
        }
      } else if (kindNo !== BTF_KIND.FWD && kindNo !== BTF_KIND.FLOAT) {
        maxRef = Math.max(maxRef, sizeOrType); // PTR, TYPEDEF, modifiers, FUNC
      }
    }
    id++;
  }
  const layout = new BtfLayout(header, words, recs, id, bytes.subarray(strStart, strEnd), strStart, loc);
  if (maxRef >= id) reportBadReference(layout, (msg) => fail(msg, start));
  return layout;
}

/**
 * The type section as 32-bit words in host order: a view of the blob when it is aligned and the
 * host is little-endian, otherwise a copy.
 */
function typeWords(bytes: Uint8Array, start: number, len: number): Uint32Array {
  const n = len >>> 2;
  if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + start) % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset + start, n);
  const words = new Uint32Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, 4 * n);
  for (let i = 0; i < n; i++) words[i] = dv.getUint32(4 * i, true);
  return words;
}

/** Finds the first reference to a missing type id (the blob has one) and reports it. */
function reportBadReference(layout: BtfLayout, fail: (msg: string) => never): never {
  const n = layout.count;
  const check = (from: BtfType, id: number, what: string) => {
    if (id >= n) fail(`type [${from.id}] ${from.kind}: ${what} type id ${id} out of range (${n - 1} types)`);
  };
  for (let id = 1; id < n; id++) {
    const t = layout.decode(id);
    switch (t.kind) {
      case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'FUNC': case 'VAR': case 'DECL_TAG':
        check(t, t.type, 'referenced');
        break;
      case 'ARRAY':
        check(t, t.type, 'element');
        check(t, t.indexType, 'index');
        break;
      case 'STRUCT': case 'UNION':
        for (const m of t.members) check(t, m.type, `member '${m.name}'`);
        break;
      case 'FUNC_PROTO':
        check(t, t.returnType, 'return');
        for (const p of t.params) check(t, p.type, `parameter '${p.name}'`);
        break;
      case 'DATASEC':
        for (const v of t.vars) check(t, v.type, 'variable');
        break;
    }
  }
  return fail('type id out of range');
}
