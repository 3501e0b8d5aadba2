/**
 * `.BTF.ext`: per-section func_info, line_info and CO-RE relocation records. Strings refer to the
 * `.BTF` string table. Instruction offsets are converted from bytes (as in the ELF) to
 * instruction-slot indices within their section. CO-RE records are decoded here, applied by the
 * backends.
 */
import { BtfError, type Location } from '../errors.js';
import type { BtfSpec } from './spec.js';

/** `struct bpf_func_info`: the function starting at `insn` has BTF FUNC type `typeId`. */
export interface FuncInfo {
  insn: number;
  typeId: number;
}

/** `struct bpf_line_info`, with its strings resolved. */
export interface LineInfo {
  insn: number;
  fileName: string;
  /** The source line text, as clang recorded it. */
  line: string;
  lineNumber: number;
  column: number;
  /** Raw string offsets, for backends that pass records to the kernel. */
  fileNameOff: number;
  lineOff: number;
}

/** `enum bpf_core_relo_kind`. */
export const CORE_RELO_KIND = [
  'field_byte_offset', 'field_byte_size', 'field_exists', 'field_signed', 'field_lshift_u64', 'field_rshift_u64',
  'type_id_local', 'type_id_target', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
] as const;
export type CoreReloKind = (typeof CORE_RELO_KIND)[number];

/** `struct bpf_core_relo`. */
export interface CoreRelo {
  insn: number;
  /** Local BTF type id the access string starts from. */
  typeId: number;
  /** Access string, e.g. `0:1:2`. */
  access: string;
  accessOff: number;
  kind: CoreReloKind;
}

/** Records of one ELF section. */
export interface BtfExtSection<T> {
  section: string;
  records: T[];
}

export interface BtfExt {
  funcInfo: BtfExtSection<FuncInfo>[];
  lineInfo: BtfExtSection<LineInfo>[];
  coreRelos: BtfExtSection<CoreRelo>[];
  /** Record sizes as found in the file (the kernel wants them). */
  funcInfoRecSize: number;
  lineInfoRecSize: number;
}

const MAGIC = 0xeb9f;

/** Decodes `.BTF.ext` against its `.BTF`. */
export function parseBtfExt(bytes: Uint8Array, btf: BtfSpec, loc: Location = {}): BtfExt {
  const fail = (msg: string, offset: number): never => {
    throw new BtfError(msg, { ...loc, offset });
  };
  if (bytes.length < 24) fail(`.BTF.ext too small (${bytes.length} bytes)`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== MAGIC) fail(`bad .BTF.ext magic 0x${magic.toString(16)}`, 0);
  if (bytes[2] !== 1) fail(`unsupported .BTF.ext version ${bytes[2]}`, 2);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > bytes.length) fail(`bad .BTF.ext header length ${hdrLen}`, 4);
  const str = (off: number, at: number): string => {
    try {
      return btf.string(off);
    } catch {
      return fail(`string offset ${off} outside the .BTF string table`, at);
    }
  };

  /** Walks one info block: rec_size, then {sec_name_off, num_info, records…}*. */
  function blocks<T extends { insn: number }>(offField: number, what: string, minRec: number, decode: (o: number) => T): [BtfExtSection<T>[], number] {
    if (offField + 8 > hdrLen) return [[], 0];
    const off = dv.getUint32(offField, true);
    const len = dv.getUint32(offField + 4, true);
    if (len === 0) return [[], 0];
    const start = hdrLen + off;
    if (start > bytes.length || len > bytes.length - start) fail(`${what} [${off}, +${len}) outside .BTF.ext`, offField);
    const end = start + len;
    if (len < 4) fail(`${what} too short`, start);
    const recSize = dv.getUint32(start, true);
    if (recSize < minRec || recSize % 4) fail(`${what} record size ${recSize} (need at least ${minRec}, multiple of 4)`, start);
    const out: BtfExtSection<T>[] = [];
    let o = start + 4;
    while (o < end) {
      if (end - o < 8) fail(`truncated ${what} section header`, o);
      const section = str(dv.getUint32(o, true), o);
      const n = dv.getUint32(o + 4, true);
      o += 8;
      if (n === 0) fail(`${what} for section '${section}' has no records`, o - 4);
      if (n > (end - o) / recSize) fail(`${what} for section '${section}': ${n} records of ${recSize} bytes exceed the block`, o - 4);
      const records: T[] = new Array(n);
      for (let i = 0; i < n; i++, o += recSize) {
        const byteOff = dv.getUint32(o, true);
        if (byteOff % 8) fail(`${what} for section '${section}': instruction offset ${byteOff} is not a multiple of 8`, o);
        records[i] = decode(o);
      }
      // Kept in instruction order (clang emits them so; programs are cut out by binary search).
      if (records.some((r, i) => i > 0 && r.insn < records[i - 1].insn)) records.sort((a, b) => a.insn - b.insn);
      out.push({ section, records });
    }
    return [out, recSize];
  }

  const [funcInfo, funcInfoRecSize] = blocks<FuncInfo>(8, 'func_info', 8, (o) => ({ insn: dv.getUint32(o, true) / 8, typeId: dv.getUint32(o + 4, true) }));
  const [lineInfo, lineInfoRecSize] = blocks<LineInfo>(16, 'line_info', 16, (o) => {
    const fileNameOff = dv.getUint32(o + 4, true);
    const lineOff = dv.getUint32(o + 8, true);
    const lc = dv.getUint32(o + 12, true);
    return { insn: dv.getUint32(o, true) / 8, fileName: str(fileNameOff, o + 4), line: str(lineOff, o + 8), lineNumber: lc >>> 10, column: lc & 0x3ff, fileNameOff, lineOff };
  });
  const [coreRelos] = blocks<CoreRelo>(24, 'core_relo', 16, (o) => {
    const kindNo = dv.getUint32(o + 12, true);
    const kind = CORE_RELO_KIND[kindNo];
    if (kind === undefined) fail(`unknown CO-RE relocation kind ${kindNo}`, o + 12);
    const accessOff = dv.getUint32(o + 8, true);
    return { insn: dv.getUint32(o, true) / 8, typeId: dv.getUint32(o + 4, true), access: str(accessOff, o + 8), accessOff, kind };
  });
  for (const s of funcInfo) for (const r of s.records) btf.type(r.typeId);
  return { funcInfo, lineInfo, coreRelos, funcInfoRecSize, lineInfoRecSize };
}

/** A CO-RE access string resolved against the object's own BTF (libbpf's bpf_core_parse_spec). */
export interface CoreAccess {
  /** `struct sock.__sk_common.skc_family`, `enum e::VAL`, or the type for type-based relocations. */
  path: string;
  /** Bit offset of the accessed field from the root pointer (field relocations). */
  bitOffset: number;
}

const TYPE_BASED: ReadonlySet<CoreReloKind> = new Set(['type_id_local', 'type_id_target', 'type_exists', 'type_size', 'type_matches']);

/** Resolves a CO-RE record's access string in the local BTF; a BtfError when it does not fit. */
export function resolveCoreAccess(btf: BtfSpec, relo: CoreRelo): CoreAccess {
  const fail = (msg: string): never => {
    throw btf.error(`CO-RE relocation at insn ${relo.insn} (${relo.kind} [${relo.typeId}] "${relo.access}"): ${msg}`);
  };
  if (!/^\d+(:\d+)*$/.test(relo.access)) fail('malformed access string');
  const idx = relo.access.split(':').map(Number);
  let t = btf.skipModifiers(relo.typeId);
  const root = t.kind === 'VOID' ? 'void' : `${t.kind.toLowerCase()} ${t.name || '(anon)'}`;
  if (TYPE_BASED.has(relo.kind)) {
    if (idx.length !== 1 || idx[0] !== 0) fail('type-based relocation needs access string "0"');
    return { path: root, bitOffset: 0 };
  }
  if (relo.kind === 'enumval_exists' || relo.kind === 'enumval_value') {
    if ((t.kind !== 'ENUM' && t.kind !== 'ENUM64') || idx.length !== 1 || idx[0] >= t.values.length) fail('no such enumerator');
    return { path: `${root}::${(t as Extract<typeof t, { kind: 'ENUM' }>).values[idx[0]].name}`, bitOffset: 0 };
  }
  let bitOffset = idx[0] * btf.size(t.id) * 8;
  let path = idx[0] ? `${root}[${idx[0]}]` : root;
  for (const i of idx.slice(1)) {
    t = btf.skipModifiers(t.id);
    if (t.kind === 'STRUCT' || t.kind === 'UNION') {
      const m = t.members[i];
      if (!m) fail(`member index ${i} out of range (${t.members.length} members)`);
      bitOffset += m.bitsOffset;
      path += `.${m.name || '(anon)'}`;
      t = btf.type(m.type);
    } else if (t.kind === 'ARRAY') {
      if (t.nelems && i >= t.nelems) fail(`array index ${i} out of range (${t.nelems})`);
      bitOffset += i * btf.size(t.type) * 8;
      path += `[${i}]`;
      t = btf.type(t.type);
    } else {
      fail(`cannot index into ${t.kind}`);
    }
  }
  return { path, bitOffset };
}
