/**
 * ELF64 little-endian reader for BPF relocatable objects (EM_BPF). Every offset, size and index
 * read from the file is checked against the file before use; a violation is an {@link ElfError}
 * naming the file offset and the section. Section contents are views into the input (no copies).
 */
import { ElfError, type Location } from '../errors.js';
import {
  EI_NIDENT, EM_NONE, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, EM_BPF, ET_REL, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX,
  SHT_NOBITS, SHT_REL, SHT_RELA, SHT_SYMTAB, STT_NAMES, STB_NAMES,
} from './constants.js';

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;

/** One section header plus a view of its contents. */
export interface ElfSection {
  /** Index in the section header table. */
  readonly index: number;
  readonly name: string;
  /** `sh_type` (SHT_*). */
  readonly type: number;
  /** `sh_flags` (SHF_*). */
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The contents (a view into the file; empty for SHT_NOBITS, whose `size` still counts). */
  readonly data: Uint8Array;
}

/** One entry of `.symtab`. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly bind: number;
  /** STV_* (`st_other & 3`) */
  readonly visibility: number;
  /** Section index (`st_shndx`, extended through SHT_SYMTAB_SHNDX is not used by BPF objects). */
  readonly shndx: number;
}

/** One REL or RELA entry. */
export interface ElfRelocation {
  /** `r_offset`: byte offset in the target section. */
  readonly offset: number;
  /** `ELF64_R_TYPE(r_info)` (R_BPF_*). */
  readonly type: number;
  /** `ELF64_R_SYM(r_info)`: index into the symbol table. */
  readonly symbol: number;
  /** `r_addend` of RELA entries, 0 for REL. */
  readonly addend: number;
}

/** A parsed ELF64 BPF object. */
export class ElfFile {
  /** All sections, indexed by section number (index 0 is the null section). */
  readonly sections: readonly ElfSection[];
  readonly type: number;
  readonly flags: number;
  private symbolCache?: readonly ElfSymbol[];
  private readonly dv: DataView;

  /** @internal use {@link readElf}. */
  constructor(readonly bytes: Uint8Array, readonly file: string | undefined) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = this.header();
    this.type = h.type;
    this.flags = h.flags;
    this.sections = this.readSections(h.shoff, h.shnum, h.shstrndx);
  }

  /** The first section called `name`. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The section at `index`, or an ElfError naming `what` referenced it. */
  sectionAt(index: number, what: Location & { what: string }): ElfSection {
    const s = index > 0 && index < this.sections.length ? this.sections[index] : undefined;
    if (!s) throw this.error(`${what.what}: section index ${index} out of range (${this.sections.length} sections)`, what);
    return s;
  }

  /** The symbols of `.symtab` (empty when there is none). */
  symbols(): readonly ElfSymbol[] {
    if (!this.symbolCache) {
      const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
      this.symbolCache = symtab ? this.readSymbols(symtab) : [];
    }
    return this.symbolCache;
  }

  /** The symbol at `index`, or an ElfError located at the referencing entry. */
  symbolAt(index: number, loc: Location): ElfSymbol {
    const syms = this.symbols();
    if (index <= 0 || index >= syms.length) throw this.error(`symbol index ${index} out of range (${syms.length} symbols)`, loc);
    return syms[index];
  }

  /** The entries of a SHT_REL / SHT_RELA section. */
  relocations(sec: ElfSection): ElfRelocation[] {
    const rela = sec.type === SHT_RELA;
    if (!rela && sec.type !== SHT_REL) throw this.error(`not a relocation section (type ${sec.type})`, { section: sec.name, offset: sec.offset });
    const esize = rela ? RELA_SIZE : REL_SIZE;
    if (sec.entsize !== 0 && sec.entsize !== esize) throw this.error(`relocation entry size ${sec.entsize}, expected ${esize}`, { section: sec.name, offset: sec.offset });
    if (sec.size % esize !== 0) throw this.error(`relocation section size ${sec.size} is not a multiple of ${esize}`, { section: sec.name, offset: sec.offset });
    const out: ElfRelocation[] = new Array(sec.size / esize);
    const base = sec.offset;
    for (let i = 0, o = base; i < out.length; i++, o += esize) {
      out[i] = {
        offset: this.u64(o, sec.name, 'relocation', i, 'r_offset'),
        type: this.dv.getUint32(o + 8, true),
        symbol: this.dv.getUint32(o + 12, true),
        addend: rela ? Number(this.dv.getBigInt64(o + 16, true)) : 0,
      };
    }
    return out;
  }

  /** The NUL-terminated string at `offset` in the string table section `strtab`. */
  string(strtab: ElfSection, offset: number, loc: Location = {}): string {
    if (offset >= strtab.data.length) {
      if (offset === 0 && strtab.data.length === 0) return '';
      throw this.error(`string offset ${offset} outside string table ${strtab.name || `#${strtab.index}`} (${strtab.data.length} bytes)`, { section: strtab.name, ...loc });
    }
    const d = strtab.data;
    let end = offset;
    while (end < d.length && d[end] !== 0) end++;
    if (end === d.length) throw this.error(`unterminated string at offset ${offset} in ${strtab.name}`, { section: strtab.name, offset: strtab.offset + offset, ...loc });
    return decodeName(d, offset, end);
  }

  /** An ElfError located in this file. */
  error(message: string, loc: Location): ElfError {
    return new ElfError(message, { file: this.file, ...loc });
  }

  private header() {
    const b = this.bytes;
    if (b.length < EI_NIDENT || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
      throw this.error('not an ELF file (bad magic)', { offset: 0 });
    }
    if (b[4] !== ELFCLASS64) throw this.error(`unsupported ELF class ${b[4]} (only ELFCLASS64 BPF objects)`, { offset: 4 });
    if (b[5] === ELFDATA2MSB) throw this.error('big-endian ELF is not supported (only little-endian BPF objects)', { offset: 5 });
    if (b[5] !== ELFDATA2LSB) throw this.error(`bad ELF data encoding ${b[5]}`, { offset: 5 });
    if (b.length < EHDR_SIZE) throw this.error(`truncated ELF header (${b.length} bytes, need ${EHDR_SIZE})`, { offset: b.length });
    const dv = this.dv;
    const type = dv.getUint16(16, true);
    const machine = dv.getUint16(18, true);
    // EM_NONE is accepted like libbpf does: LLVM before 3.9 wrote it for BPF objects.
    if (machine !== EM_BPF && machine !== EM_NONE) throw this.error(`ELF machine ${machine} is not EM_BPF (${EM_BPF})`, { offset: 18 });
    if (type !== ET_REL) throw this.error(`ELF type ${type} is not ET_REL (a relocatable object)`, { offset: 16 });
    const shoff = this.u64(40, undefined, 'e_shoff');
    const shentsize = dv.getUint16(58, true);
    let shnum = dv.getUint16(60, true);
    let shstrndx = dv.getUint16(62, true);
    if (shoff === 0) throw this.error('ELF file has no section header table', { offset: 40 });
    if (shentsize !== SHDR_SIZE) throw this.error(`section header size ${shentsize}, expected ${SHDR_SIZE}`, { offset: 58 });
    this.checkRange(shoff, SHDR_SIZE, 'section header table', { offset: 40 });
    // Extended numbering: the real counts live in section header 0.
    if (shnum === 0) shnum = this.u64(shoff + 32, undefined, 'extended section count');
    if (shstrndx === SHN_XINDEX) shstrndx = dv.getUint32(shoff + 40, true);
    this.checkRange(shoff, shnum * SHDR_SIZE, 'section header table', { offset: 40 });
    return { type, flags: dv.getUint32(48, true), shoff, shnum, shstrndx };
  }

  private readSections(shoff: number, shnum: number, shstrndx: number): ElfSection[] {
    if (shstrndx === SHN_UNDEF || shstrndx >= shnum) throw this.error(`section name table index ${shstrndx} out of range (${shnum} sections)`, { offset: 62 });
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * SHDR_SIZE;
      const type = this.dv.getUint32(o + 4, true);
      const offset = this.u64(o + 24, undefined, 'section', i, 'sh_offset');
      const size = this.u64(o + 32, undefined, 'section', i, 'sh_size');
      if (type !== SHT_NOBITS && i !== 0) this.checkRange(offset, size, `section #${i} contents`, { offset: o + 24 });
      raw.push({
        nameOff: this.dv.getUint32(o, true), type, flags: this.u64(o + 8, undefined, 'section', i, 'sh_flags'), offset, size,
        link: this.dv.getUint32(o + 40, true), info: this.dv.getUint32(o + 44, true),
        addralign: this.u64(o + 48, undefined, 'section', i, 'sh_addralign'), entsize: this.u64(o + 56, undefined, 'section', i, 'sh_entsize'),
      });
    }
    const strRaw = raw[shstrndx];
    const strData = strRaw.type === SHT_NOBITS ? new Uint8Array(0) : this.bytes.subarray(strRaw.offset, strRaw.offset + strRaw.size);
    const strtab: ElfSection = { index: shstrndx, name: '.shstrtab', ...strRaw, data: strData };
    return raw.map((r, index) => ({
      index,
      name: index === 0 ? '' : this.string(strtab, r.nameOff, { offset: shoff + index * SHDR_SIZE }),
      type: r.type, flags: r.flags, offset: r.offset, size: r.size, link: r.link, info: r.info,
      addralign: r.addralign, entsize: r.entsize,
      data: r.type === SHT_NOBITS || index === 0 ? new Uint8Array(0) : this.bytes.subarray(r.offset, r.offset + r.size),
    }));
  }

  private readSymbols(symtab: ElfSection): ElfSymbol[] {
    const loc = { section: symtab.name, offset: symtab.offset };
    if (symtab.entsize !== SYM_SIZE) throw this.error(`symbol entry size ${symtab.entsize}, expected ${SYM_SIZE}`, loc);
    if (symtab.size % SYM_SIZE !== 0) throw this.error(`symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`, loc);
    const strtab = this.sectionAt(symtab.link, { ...loc, what: 'symbol string table' });
    const n = symtab.size / SYM_SIZE;
    const out: ElfSymbol[] = new Array(n);
    for (let i = 0, o = symtab.offset; i < n; i++, o += SYM_SIZE) {
      const info = this.bytes[o + 4];
      const shndx = this.dv.getUint16(o + 6, true);
      if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= this.sections.length) {
        throw this.error(`symbol #${i}: section index ${shndx} out of range (${this.sections.length} sections)`, { section: symtab.name, offset: o + 6 });
      }
      out[i] = {
        index: i,
        name: this.string(strtab, this.dv.getUint32(o, true), { offset: o }),
        value: this.u64(o + 8, symtab.name, 'symbol', i, 'st_value'),
        size: this.u64(o + 16, symtab.name, 'symbol', i, 'st_size'),
        type: info & 0xf,
        bind: info >> 4,
        visibility: this.bytes[o + 5] & 3,
        shndx,
      };
    }
    return out;
  }

  private checkRange(offset: number, size: number, what: string, loc: Location): void {
    if (offset > this.bytes.length || size > this.bytes.length - offset) {
      throw this.error(`${what} [0x${offset.toString(16)}, +0x${size.toString(16)}) lies outside the file (${this.bytes.length} bytes)`, loc);
    }
  }

  /**
   * A u64 field as a number; values above 2^53 are refused (no BPF object is that large). The
   * error names it `what`, or `what #entry field` for a field of a table entry (built only on
   * failure: this runs once per relocation).
   */
  private u64(o: number, section: string | undefined, what: string, entry = -1, field = ''): number {
    const lo = this.dv.getUint32(o, true);
    const hi = this.dv.getUint32(o + 4, true);
    if (hi >= 0x200000) {
      const name = entry < 0 ? what : `${what} #${entry} ${field}`;
      throw this.error(`${name} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`, { section, offset: o });
    }
    return hi * 0x100000000 + lo;
  }
}

/** Parses an ELF64 little-endian EM_BPF relocatable object. Throws {@link ElfError}. */
export function readElf(bytes: Uint8Array, file?: string): ElfFile {
  return new ElfFile(bytes, file);
}

/** Human name of a symbol type / binding, for messages. */
export const symbolTypeName = (t: number): string => STT_NAMES[t] ?? `STT_${t}`;
export const symbolBindName = (b: number): string => STB_NAMES[b] ?? `STB_${b}`;

/** Decodes the UTF-8 bytes [start, end) (ASCII, the usual case, without a decoder call). */
export function decodeName(d: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      if (d[i] >= 0x80) return utf8.decode(d.subarray(start, end));
      s += String.fromCharCode(d[i]);
    }
    return s;
  }
  return utf8.decode(d.subarray(start, end));
}
const utf8 = new TextDecoder();
