/**
 * Decoder of the `.BTF` section (and of /sys/kernel/btf/vmlinux): header, string table and every
 * type record. Offsets, string references and type ids are checked; a violation is a
 * {@link BtfError} with the byte offset inside the BTF blob.
 */
import { BtfError, type Location } from '../errors.js';
import { BTF_KIND_NAMES, type BtfMember, type BtfParam, type BtfType, type BtfVarSecinfo, type BtfEnumValue } from './types.js';

export const BTF_MAGIC = 0xeb9f;
const utf8 = new TextDecoder();
const HDR_MIN = 24;
const TYPE_HDR = 12;

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

/** Decodes a BTF blob. `loc` (file, section) is attached to errors. */
export function parseBtf(bytes: Uint8Array, loc: Location = {}): RawBtf {
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
  if (header.strLen > 0 && (bytes[strStart] !== 0 || bytes[strEnd - 1] !== 0)) {
    fail('BTF string section must start and end with NUL', strStart);
  }

  // Strings are UTF-8. When the section is all ASCII (the usual case) it is decoded once and
  // names are slices of that string; otherwise each string is decoded on its own.
  const strBytes = bytes.subarray(strStart, strEnd);
  let ascii = true;
  for (let i = 0; i < strBytes.length && ascii; i++) ascii = strBytes[i] < 0x80;
  const table = ascii ? utf8.decode(strBytes) : '';
  const string = (off: number, at = strStart): string => {
    if (off >= header.strLen) {
      if (off === 0) return '';
      fail(`string offset ${off} outside string section (${header.strLen} bytes)`, at);
    }
    if (ascii) return table.slice(off, table.indexOf('\0', off));
    return utf8.decode(strBytes.subarray(off, strBytes.indexOf(0, off)));
  };

  const types: BtfType[] = [{ id: 0, kind: 'VOID', name: '' }];
  const start = header.hdrLen + header.typeOff;
  const end = start + header.typeLen;
  let o = start;
  const need = (n: number, what: string) => {
    if (n > end - o) fail(`truncated ${what} of type [${types.length}] (need ${n} bytes, ${end - o} left)`, o);
  };
  while (o < end) {
    const id = types.length;
    need(TYPE_HDR, 'header');
    const name = string(dv.getUint32(o, true), o);
    const info = dv.getUint32(o + 4, true);
    const sizeOrType = dv.getUint32(o + 8, true);
    const vlen = info & 0xffff;
    const kindNo = (info >>> 24) & 0x1f;
    const kflag = info >>> 31 === 1;
    const kind = BTF_KIND_NAMES[kindNo];
    if (kind === undefined || kind === 'UNKN') fail(`type [${id}]: unknown BTF kind ${kindNo}`, o + 4);
    const at = o;
    o += TYPE_HDR;
    let t: BtfType;
    switch (kind) {
      case 'INT': {
        need(4, 'INT data');
        const v = dv.getUint32(o, true);
        o += 4;
        t = { id, kind, name, size: sizeOrType, encoding: (v >>> 24) & 0xf, bitsOffset: (v >>> 16) & 0xff, bits: v & 0xff };
        break;
      }
      case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
        t = { id, kind, name, type: sizeOrType };
        break;
      case 'FUNC':
        t = { id, kind, name, type: sizeOrType, linkage: vlen };
        break;
      case 'ARRAY':
        need(12, 'ARRAY data');
        t = { id, kind, name, type: dv.getUint32(o, true), indexType: dv.getUint32(o + 4, true), nelems: dv.getUint32(o + 8, true) };
        o += 12;
        break;
      case 'STRUCT': case 'UNION': {
        need(12 * vlen, `${kind} members`);
        const members: BtfMember[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 12) {
          const off = dv.getUint32(o + 8, true);
          members[i] = {
            name: string(dv.getUint32(o, true), o), type: dv.getUint32(o + 4, true),
            bitsOffset: kflag ? off & 0xffffff : off, bitfieldSize: kflag ? off >>> 24 : 0,
          };
        }
        t = { id, kind, name, size: sizeOrType, kindFlag: kflag, members };
        break;
      }
      case 'ENUM': {
        need(8 * vlen, 'ENUM values');
        const values: BtfEnumValue[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 8) {
          values[i] = { name: string(dv.getUint32(o, true), o), value: BigInt(kflag ? dv.getInt32(o + 4, true) : dv.getUint32(o + 4, true)) };
        }
        t = { id, kind, name, size: sizeOrType, signed: kflag, values };
        break;
      }
      case 'ENUM64': {
        need(12 * vlen, 'ENUM64 values');
        const values: BtfEnumValue[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 12) {
          const v = (BigInt(dv.getUint32(o + 8, true)) << 32n) | BigInt(dv.getUint32(o + 4, true));
          values[i] = { name: string(dv.getUint32(o, true), o), value: kflag ? BigInt.asIntN(64, v) : v };
        }
        t = { id, kind, name, size: sizeOrType, signed: kflag, values };
        break;
      }
      case 'FWD':
        t = { id, kind, name, union: kflag };
        break;
      case 'FUNC_PROTO': {
        need(8 * vlen, 'FUNC_PROTO parameters');
        const params: BtfParam[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 8) params[i] = { name: string(dv.getUint32(o, true), o), type: dv.getUint32(o + 4, true) };
        t = { id, kind, name, returnType: sizeOrType, params };
        break;
      }
      case 'VAR':
        need(4, 'VAR data');
        t = { id, kind, name, type: sizeOrType, linkage: dv.getUint32(o, true) };
        o += 4;
        break;
      case 'DATASEC': {
        need(12 * vlen, 'DATASEC variables');
        const vars: BtfVarSecinfo[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, o += 12) vars[i] = { type: dv.getUint32(o, true), offset: dv.getUint32(o + 4, true), size: dv.getUint32(o + 8, true) };
        t = { id, kind, name, size: sizeOrType, vars };
        break;
      }
      case 'FLOAT':
        t = { id, kind, name, size: sizeOrType };
        break;
      case 'DECL_TAG':
        need(4, 'DECL_TAG data');
        t = { id, kind, name, type: sizeOrType, componentIdx: dv.getInt32(o, true) };
        o += 4;
        break;
      default:
        return fail(`type [${id}]: unknown BTF kind ${kindNo}`, at + 4);
    }
    types.push(t);
  }
  checkReferences(types, (msg) => fail(msg, start));
  return { header, types, string: (off) => string(off) };
}

/** Every type id a record refers to must exist. */
function checkReferences(types: BtfType[], fail: (msg: string) => never): void {
  const n = types.length;
  const check = (from: BtfType, id: number, what: string) => {
    if (id >= n) fail(`type [${from.id}] ${from.kind}: ${what} type id ${id} out of range (${n - 1} types)`);
  };
  for (const t of types) {
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
}
