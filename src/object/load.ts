/**
 * ELF → {@link ObjectSpec}, following libbpf 1.x's `bpf_object__open`: programs by section and
 * function symbol, maps (BTF `.maps`, legacy `maps`, struct_ops, global data, `.kconfig`), externs,
 * and the classification of every relocation; link.ts then builds each program with its
 * subprograms.
 *
 * Relaxations of libbpf, for objects built for older loaders (documented, deterministic):
 * - code sections without STT_FUNC symbols (old clang) hold one program per global symbol, or
 *   one program named after the section when it has none;
 * - static functions in non-`.text` sections are subprograms of that section instead of errors;
 * - ELF files with e_machine EM_NONE are accepted, as libbpf does for old LLVM.
 * iproute2 conventions are followed too: legacy `maps` with `struct bpf_elf_map`, and programs in
 * `<id>/<key>` sections as initial slots of the prog-array map with that id.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectError, type Location, type TsbpfError } from '../errors.js';
import { decodeName, readElf, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/reader.js';
import {
  SHF_EXECINSTR, SHN_UNDEF, SHT_NOBITS, SHT_PROGBITS, SHT_REL, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_FUNC, STT_NOTYPE,
  STT_OBJECT, STT_SECTION, STV_HIDDEN, STV_INTERNAL,
} from '../elf/constants.js';
import type { BtfType } from '../btf/types.js';
import { loadBtf, type BtfSpec } from '../btf/spec.js';
import { parseBtfExt, type BtfExt } from '../btf/ext.js';
import { OP_CALL, OP_LDDW } from '../isa/opcodes.js';
import { BPF_MAP_TYPE, BPF_PSEUDO, BPF_PSEUDO_CALL } from '../uapi/index.js';
import { btfMaps, dataMap, legacyMaps, structOpsMaps, BPF_OBJ_NAME_LEN, type BtfMapDef } from './maps.js';
import { sectionInfo, type SectionInfo } from './sections.js';
import type { ExternSpec, MapSpec, ObjectSpec, ProgramSpec } from './types.js';
import { INSN, insnAt, linkProgram, type CodeSection, type LinkContext, type Reloc } from './link.js';

export interface LoadOptions {
  /** File name, used in error locations and (its basename) as the object name. */
  file?: string;
  /** Object name for map naming; default: the file's basename up to the first '.', else `bpf`. */
  name?: string;
}


/** Parses a BPF ELF object into an {@link ObjectSpec}. Throws only {@link TsbpfError} subclasses. */
export function loadObjectSpec(bytes: Uint8Array, opts: LoadOptions = {}): ObjectSpec {
  return new Loader(bytes, opts).load();
}

/** Reads and parses an object file. */
export async function readObjectFile(file: string, opts: Omit<LoadOptions, 'file'> = {}): Promise<ObjectSpec> {
  const bytes = await readFile(file);
  return loadObjectSpec(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { ...opts, file });
}

/** libbpf's object name: basename up to the first '.', at most BPF_OBJ_NAME_LEN - 1 chars. */
export function objectName(file: string | undefined): string {
  if (!file) return 'bpf';
  return path.basename(file).split('.')[0].slice(0, BPF_OBJ_NAME_LEN - 1);
}

class Loader {
  private readonly elf: ElfFile;
  private readonly file?: string;
  private readonly name: string;
  private btf?: BtfSpec;
  private btfExt?: BtfExt;
  private readonly maps: MapSpec[] = [];
  private readonly externs: ExternSpec[] = [];
  private readonly code = new Map<number, CodeSection>();
  /** Section index → how lddw relocations against it resolve. */
  private legacyMapSecs: ElfSection[] = [];
  /** `<section index>:<offset>` of each map definition (legacy and BTF) → map index. */
  private readonly mapAt = new Map<string, number>();
  /** iproute2 prog-array maps by their `bpf_elf_map.id`, for `<id>/<key>` tail-call sections. */
  private readonly tailCallMaps = new Map<number, MapSpec>();
  /** struct_ops sections by index → their map definitions. */
  private readonly structOps = new Map<number, BtfMapDef[]>();
  private btfMapsSec?: ElfSection;
  private btfMapDefs: BtfMapDef[] = [];
  private readonly dataMaps = new Map<number, number>();
  private kconfigMap = -1;
  private license = '';
  private kernVersion = 0;

  constructor(bytes: Uint8Array, opts: LoadOptions) {
    this.file = opts.file;
    this.name = opts.name ?? objectName(opts.file);
    this.elf = readElf(bytes, opts.file);
  }

  private loc(section?: string, offset?: number): Location {
    return { file: this.file, ...(section !== undefined ? { section } : {}), ...(offset !== undefined ? { offset } : {}) };
  }

  private fail(msg: string, section?: string, offset?: number): never {
    throw new ObjectError(msg, this.loc(section, offset));
  }

  load(): ObjectSpec {
    const { elf } = this;
    for (const sec of elf.sections) {
      if (sec.name === 'license') this.license = cString(sec.data);
      else if (sec.name === 'version') {
        if (sec.data.length !== 4) this.fail(`invalid kernel version section size ${sec.data.length}`, sec.name);
        this.kernVersion = new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(0, true);
      }
    }
    const btfSec = elf.section('.BTF');
    if (btfSec) this.btf = fixupDatasecs(loadBtf(btfSec.data, this.loc('.BTF')), elf, this.loc('.BTF'));
    const extSec = elf.section('.BTF.ext');
    if (extSec && this.btf) this.btfExt = parseBtfExt(extSec.data, this.btf, this.loc('.BTF.ext'));

    this.collectCode();
    this.collectMaps();
    this.collectExterns();
    this.collectStructOps();
    for (const sec of elf.sections) {
      if (sec.type !== SHT_REL) continue;
      const code = this.code.get(sec.info);
      if (code) this.collectCodeRelocs(sec, code);
      else if (this.btfMapsSec && sec.info === this.btfMapsSec.index) this.collectMapSlots(sec);
      else if (this.structOps.has(sec.info)) this.collectStructOpsRelocs(sec, this.structOps.get(sec.info)!);
    }
    const programs: ProgramSpec[] = [];
    const ctx: LinkContext = {
      code: this.code, maps: this.maps, kconfigMap: this.kconfigMap, btfExt: this.btfExt,
      license: this.license, kernVersion: this.kernVersion,
      sectionInfo: (name) => this.sectionInfo(name), fail: (msg, section, offset) => this.fail(msg, section, offset),
    };
    for (const code of [...this.code.values()].sort((a, b) => a.sec.index - b.sec.index)) {
      for (const f of code.funcs) if (f.entry) programs.push(linkProgram(ctx, f));
    }
    this.tailCallSlots(programs);
    for (const m of this.maps) m.slots?.sort((a, b) => a.key - b.key);
    return {
      ...(this.file !== undefined ? { file: this.file } : {}),
      name: this.name, license: this.license, kernVersion: this.kernVersion,
      programs, maps: this.maps, externs: this.externs,
      ...(this.btf ? { btf: this.btf } : {}), ...(this.btfExt ? { btfExt: this.btfExt } : {}),
    };
  }

  /** Code sections and the functions in them. */
  private collectCode(): void {
    const syms = this.elf.symbols();
    const text = this.elf.section('.text');
    const bySection = new Map<number, ElfSymbol[]>();
    for (const s of syms) {
      const l = bySection.get(s.shndx);
      if (l) l.push(s);
      else bySection.set(s.shndx, [s]);
    }
    for (const sec of this.elf.sections) {
      if (sec.type !== SHT_PROGBITS || !(sec.flags & SHF_EXECINSTR) || sec.size === 0) continue;
      if (sec.size % INSN) this.fail(`code section size ${sec.size} is not a multiple of ${INSN}`, sec.name, sec.offset);
      const code: CodeSection = { sec, count: sec.size / INSN, dv: new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength), funcs: [], relocs: new Map() };
      const inSec = bySection.get(sec.index) ?? [];
      let funcSyms = inSec.filter((s) => s.type === STT_FUNC);
      const legacy = funcSyms.length === 0;
      if (legacy) funcSyms = inSec.filter((s) => s.type === STT_NOTYPE && s.bind !== STB_LOCAL && s.name);
      const sorted = [...funcSyms].sort((a, b) => a.value - b.value || a.index - b.index);
      sorted.forEach((s, i) => {
        if (s.value % INSN) this.fail(`function '${s.name}' at offset ${s.value} is not instruction-aligned`, sec.name, s.value);
        let size = s.size;
        if (legacy) size = (i + 1 < sorted.length ? sorted[i + 1].value : sec.size) - s.value;
        if (s.value > sec.size || size > sec.size - s.value) this.fail(`function '${s.name}' [${s.value}, +${size}) crosses the section boundary (${sec.size} bytes)`, sec.name, s.value);
        if (size === 0 || size % INSN) this.fail(`function '${s.name}' has invalid size ${size}`, sec.name, s.value);
        code.funcs.push({ name: s.name, code, start: s.value / INSN, count: size / INSN, entry: sec !== text && s.bind !== STB_LOCAL });
      });
      if (code.funcs.length === 0 && sec !== text) {
        code.funcs.push({ name: sec.name, code, start: 0, count: code.count, entry: true });
      }
      code.funcs.sort((a, b) => a.start - b.start);
      for (let i = 1; i < code.funcs.length; i++) {
        const a = code.funcs[i - 1], b = code.funcs[i];
        if (b.start < a.start + a.count) this.fail(`functions '${a.name}' and '${b.name}' overlap`, sec.name, b.start * INSN);
      }
      this.code.set(sec.index, code);
    }
    // An object whose only code is `.text` (built for a loader that takes a function name): its
    // global functions are the programs.
    const textCode = text && this.code.get(text.index);
    if (textCode && ![...this.code.values()].some((c) => c.funcs.some((f) => f.entry))) {
      const syms = this.elf.symbols();
      for (const f of textCode.funcs) f.entry = syms.some((s) => s.shndx === text.index && s.name === f.name && s.bind !== STB_LOCAL);
    }
  }

  private collectMaps(): void {
    const { elf } = this;
    const syms = elf.symbols();
    // `maps` (libbpf 0.x, iproute2) and `maps/<name>` (one map per section, older loaders).
    this.legacyMapSecs = elf.sections.filter((s) => s.name === 'maps' || s.name.startsWith('maps/'));
    for (const s of this.legacyMapSecs) if (s.type !== SHT_PROGBITS) this.fail(`map section has type ${s.type}, not SHT_PROGBITS`, s.name);
    const legacy = this.legacyMapSecs.map((sec) => ({
      sec, symbols: syms.filter((x) => x.shndx === sec.index && x.type !== STT_SECTION && x.type !== STT_FILE && x.name),
    }));
    for (const { map, sec, offset, id } of legacyMaps(legacy, this.loc())) {
      this.mapAt.set(`${sec.index}:${offset}`, this.maps.length);
      if (id !== undefined && map.type === BPF_MAP_TYPE.PROG_ARRAY) this.tailCallMaps.set(id, map);
      this.maps.push(map);
    }
    this.btfMapsSec = elf.section('.maps');
    if (this.btfMapsSec) {
      if (this.btfMapsSec.type !== SHT_PROGBITS) this.fail(`section has type ${this.btfMapsSec.type}, not SHT_PROGBITS`, '.maps');
      if (!this.btf) this.fail('section .maps needs BTF, but the object has no .BTF section', '.maps');
      this.btfMapDefs = btfMaps(this.btf, this.btfMapsSec, this.loc('.maps'));
      for (const d of this.btfMapDefs) {
        this.mapAt.set(`${this.btfMapsSec.index}:${d.offset}`, this.maps.length);
        this.maps.push(d.map);
      }
    }
    for (const sec of elf.sections) {
      const kind = dataKind(sec);
      if (!kind || sec.size === 0) continue;
      this.dataMaps.set(sec.index, this.maps.length);
      this.maps.push(dataMap(this.name, sec.name, sec.name, sec.size, kind === 'bss' ? undefined : sec.data, this.btf, kind));
    }
  }

  /** `.kconfig` / `.ksyms` externs (undefined global symbols described by BTF). */
  private collectExterns(): void {
    const btf = this.btf;
    if (!btf) return;
    const secOf = new Map<number, string>();
    for (const t of btf.types) {
      if (t.kind === 'DATASEC' && (t.name === '.kconfig' || t.name === '.ksyms')) for (const v of t.vars) secOf.set(v.type, t.name);
    }
    if (secOf.size === 0) return;
    const found: ExternSpec[] = [];
    for (const s of this.elf.symbols()) {
      if (s.shndx !== SHN_UNDEF || s.index === 0 || !s.name || s.bind === STB_LOCAL) continue;
      const t = btf.typesByName(s.name).find((x) => (x.kind === 'VAR' || x.kind === 'FUNC') && secOf.has(x.id));
      if (!t) continue;
      const kind = secOf.get(t.id) === '.kconfig' ? 'kconfig' : 'ksym';
      if (t.kind === 'VAR' && t.linkage !== 2) this.fail(`extern '${s.name}': BTF VAR linkage ${t.linkage} is not extern`, secOf.get(t.id));
      const ext: ExternSpec = { name: s.name, kind, isFunc: t.kind === 'FUNC', weak: s.bind === 2, btfId: t.id };
      if (kind === 'kconfig') {
        if (t.kind !== 'VAR') this.fail(`extern '${s.name}' in .kconfig is not a variable`, '.kconfig');
        ext.size = btf.size(t.type);
      }
      found.push(ext);
    }
    // libbpf's cmp_externs: kconfig first (alignment desc, size asc), then by name.
    const align = (e: ExternSpec) => (e.kind === 'kconfig' ? btf.alignment((btf.type(e.btfId) as { type: number }).type) : 0);
    found.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'kconfig' ? -1 : 1) || align(b) - align(a) || (a.size ?? 0) - (b.size ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let off = 0;
    for (const e of found) {
      if (e.kind !== 'kconfig') continue;
      const a = align(e);
      off = Math.ceil(off / a) * a;
      e.offset = off;
      off += e.size!;
    }
    this.externs.push(...found);
    if (off > 0) {
      // Lay the .kconfig DATASEC out like libbpf does, then make its map.
      const ds = btf.typeByName('.kconfig', 'DATASEC')!;
      const vars = ds.vars.map((v) => ({ ...v, offset: found.find((e) => e.btfId === v.type)?.offset ?? v.offset }));
      this.btf = btf.withTypes([{ ...ds, size: off, vars: vars.sort((a, b) => a.offset - b.offset) }]);
      this.kconfigMap = this.maps.length;
      this.maps.push(dataMap(this.name, '.kconfig', '.kconfig', off, undefined, this.btf, 'kconfig'));
    }
  }

  /** Classifies the relocations of one code section (libbpf's bpf_program__record_reloc). */
  private collectCodeRelocs(rel: ElfSection, code: CodeSection): void {
    const secName = code.sec.name;
    const relocs = this.elf.relocations(rel);
    const syms = this.elf.symbols();
    for (let i = 0; i < relocs.length; i++) {
      const r = relocs[i];
      const at = rel.offset + i * 16;
      if (r.offset % INSN || r.offset >= code.sec.size) this.fail(`relocation #${i} offset ${r.offset} is not an instruction of ${secName}`, rel.name, at);
      const idx = r.offset / INSN;
      const insn = insnAt(code, idx);
      // The location is built only for the error (this runs once per relocation).
      const sym = r.symbol > 0 && r.symbol < syms.length ? syms[r.symbol] : this.elf.symbolAt(r.symbol, this.loc(rel.name, at));
      const where = new Where(idx, sym);
      const isCall = insn.op === OP_CALL;
      const isLddw = insn.op === OP_LDDW;
      if (isLddw && idx + 1 >= code.count) this.fail(`${where}: lddw has no second slot`, secName, r.offset);
      if (sym.shndx === SHN_UNDEF) {
        let ext = this.externs.find((e) => e.name === sym.name);
        if (!ext) {
          // Neither .kconfig nor .ksyms (e.g. a call to a libc function that was not inlined):
          // recorded, and refused by whichever backend loads the program.
          ext = { name: sym.name, kind: 'unresolved', isFunc: isCall, weak: sym.bind === 2, btfId: 0 };
          this.externs.push(ext);
        }
        if (ext.kind !== 'unresolved' && (isCall ? !ext.isFunc : !isLddw || ext.isFunc)) this.fail(`${where}: extern ${ext.isFunc ? 'function' : 'variable'} used by opcode 0x${insn.op.toString(16)}`, secName, r.offset);
        code.relocs.set(idx, { type: 'extern', ext });
        continue;
      }
      if (isCall) {
        if (insn.src !== BPF_PSEUDO_CALL) this.fail(`${where}: call relocation on a helper call (src ${insn.src})`, secName, r.offset);
        if (!this.code.has(sym.shndx)) this.fail(`${where}: call target is not in a code section`, secName, r.offset);
        if (sym.value % INSN) this.fail(`${where}: call target offset ${sym.value} is not instruction-aligned`, secName, r.offset);
        code.relocs.set(idx, { type: 'call', section: sym.shndx, symOff: sym.value });
        continue;
      }
      if (!isLddw) this.fail(`${where}: relocation on opcode 0x${insn.op.toString(16)} (expected lddw or call)`, secName, r.offset);
      // A function address (bpf_loop callbacks…): clang marks it src = BPF_PSEUDO_FUNC; some
      // objects leave src 0, the code-section target says the same.
      if (insn.src === BPF_PSEUDO.FUNC || this.code.has(sym.shndx)) {
        if (!this.code.has(sym.shndx)) this.fail(`${where}: function address target is not in a code section`, secName, r.offset);
        if (sym.value % INSN || insn.imm % INSN) this.fail(`${where}: function address is not instruction-aligned`, secName, r.offset);
        code.relocs.set(idx, { type: 'func_addr', section: sym.shndx, symOff: sym.value });
        continue;
      }
      code.relocs.set(idx, this.dataReloc(sym, where, secName, r.offset));
    }
  }

  private dataReloc(sym: ElfSymbol, where: Where, secName: string, offset: number): Reloc {
    const isMapSec = this.legacyMapSecs.some((x) => x.index === sym.shndx) || sym.shndx === this.btfMapsSec?.index;
    if (isMapSec) {
      const mapIndex = this.mapAt.get(`${sym.shndx}:${sym.value}`);
      if (mapIndex === undefined) this.fail(`${where}: no map at offset ${sym.value} of section ${this.elf.sections[sym.shndx].name}`, secName, offset);
      return { type: 'map', mapIndex };
    }
    const dataIndex = this.dataMaps.get(sym.shndx);
    if (dataIndex !== undefined) return { type: 'data', mapIndex: dataIndex, symOff: sym.value };
    const target = sym.shndx < this.elf.sections.length ? this.elf.sections[sym.shndx].name : `#${sym.shndx}`;
    return this.fail(`${where}: section '${target}' holds neither maps nor global data`, secName, offset);
  }

  /** `.rel.maps`: static initialisers of prog-array and map-in-map slots. */
  private collectMapSlots(rel: ElfSection): void {
    for (const [i, r] of this.elf.relocations(rel).entries()) {
      const at = rel.offset + i * 16;
      const sym = this.elf.symbolAt(r.symbol, this.loc(rel.name, at));
      const d = this.btfMapDefs.find((x) => x.offset <= r.offset && r.offset + 8 <= x.offset + x.size);
      if (!d) this.fail(`relocation at .maps+${r.offset} is outside every map definition`, rel.name, at);
      const m = d.map;
      if (d.valuesOffset === undefined) this.fail(`map '${m.name}': initialiser relocation but no 'values' member`, rel.name, at);
      const moff = r.offset - d.offset - d.valuesOffset;
      if (moff < 0 || moff % 8) this.fail(`map '${m.name}': initialiser relocation at bad offset ${r.offset}`, rel.name, at);
      const key = moff / 8;
      if (key >= m.maxEntries) this.fail(`map '${m.name}': initialiser slot ${key} >= max_entries ${m.maxEntries}`, rel.name, at);
      m.slots ??= [];
      if (m.type === BPF_MAP_TYPE.PROG_ARRAY) {
        const code = this.code.get(sym.shndx);
        const f = code?.funcs.find((x) => x.start * INSN === sym.value && x.name === sym.name);
        if (!f || !f.entry) this.fail(`map '${m.name}': slot ${key}: '${sym.name}' is not an entry program`, rel.name, at);
        m.slots.push({ key, program: f.name });
      } else {
        const target = this.btfMapDefs.find((x) => x.map.name === sym.name);
        if (!target) this.fail(`map '${m.name}': slot ${key}: '${sym.name}' is not a map`, rel.name, at);
        m.slots.push({ key, map: target.map.name });
      }
    }
  }

  private readonly sectionInfos = new Map<string, SectionInfo>();
  private sectionInfo(name: string): SectionInfo {
    let i = this.sectionInfos.get(name);
    if (!i) this.sectionInfos.set(name, (i = sectionInfo(name)));
    return i;
  }

  /**
   * iproute2's convention: a program in section `<id>/<key>` goes into slot `key` of the
   * prog-array map whose `bpf_elf_map.id` is `id`.
   */
  private tailCallSlots(programs: ProgramSpec[]): void {
    for (const p of programs) {
      const m = /^(\d+)\/(\d+)$/.exec(p.section);
      const map = m && this.tailCallMaps.get(Number(m[1]));
      if (!map) continue;
      const key = Number(m[2]);
      if (key >= map.maxEntries) this.fail(`tail-call section ${p.section}: key ${key} >= max_entries ${map.maxEntries} of map '${map.name}'`, p.section);
      (map.slots ??= []).push({ key, program: p.name });
    }
  }

  /** struct_ops maps, after all others like libbpf. */
  private collectStructOps(): void {
    for (const sec of this.elf.sections) {
      if (sec.name !== '.struct_ops' && sec.name !== '.struct_ops.link') continue;
      if (!this.btf) this.fail(`section ${sec.name} needs BTF`, sec.name);
      if (sec.type !== SHT_PROGBITS) this.fail(`section has type ${sec.type}, not SHT_PROGBITS`, sec.name);
      const defs = structOpsMaps(this.btf, sec, this.loc(sec.name));
      this.structOps.set(sec.index, defs);
      this.maps.push(...defs.map((d) => d.map));
    }
  }

  /** `.rel.struct_ops*`: which program each function-pointer member holds. */
  private collectStructOpsRelocs(rel: ElfSection, defs: BtfMapDef[]): void {
    const btf = this.btf!;
    const relocs = this.elf.relocations(rel);
    for (let i = 0; i < relocs.length; i++) {
      const r = relocs[i];
      const at = rel.offset + i * 16;
      const sym = this.elf.symbolAt(r.symbol, this.loc(rel.name, at));
      const d = defs.find((x) => x.offset <= r.offset && r.offset < x.offset + x.size);
      if (!d) this.fail(`relocation at offset ${r.offset} is outside every struct_ops variable`, rel.name, at);
      const st = btf.type(d.map.btfValueTypeId) as Extract<BtfType, { kind: 'STRUCT' }>;
      const member = st.members.find((m) => m.bitsOffset === (r.offset - d.offset) * 8);
      if (!member) this.fail(`struct_ops '${d.map.name}': no member at offset ${r.offset - d.offset}`, rel.name, at);
      const code = this.code.get(sym.shndx);
      const f = code?.funcs.find((x) => x.start * INSN === sym.value && x.entry);
      if (!f) this.fail(`struct_ops '${d.map.name}': member '${member.name}' points to '${sym.name}', which is not a program`, rel.name, at);
      (d.map.structOps ??= []).push({ member: member.name, program: f.name });
    }
  }

}

/** `insn N: relocation against 'sym'`, formatted only when an error needs it. */
class Where {
  constructor(private readonly idx: number, private readonly sym: ElfSymbol) {}
  toString(): string {
    return `insn ${this.idx}: relocation against '${this.sym.name || `#${this.sym.index}`}'`;
  }
}

/** libbpf's classification of global data sections. */
function dataKind(sec: ElfSection): 'data' | 'rodata' | 'bss' | undefined {
  const is = (p: string) => sec.name === p || sec.name.startsWith(p + '.');
  if (sec.type === SHT_PROGBITS && !(sec.flags & SHF_EXECINSTR)) {
    if (is('.data')) return 'data';
    if (is('.rodata')) return 'rodata';
  }
  if (sec.type === SHT_NOBITS && is('.bss')) return 'bss';
  return undefined;
}

/** A NUL-terminated string (or the whole buffer when there is no NUL). */
function cString(d: Uint8Array): string {
  const end = d.indexOf(0);
  return decodeName(d, 0, end < 0 ? d.length : end);
}

/**
 * libbpf's btf_fixup_datasec: clang leaves the size and variable offsets of data DATASECs at 0 in
 * objects; they are taken from the ELF section and symbols, global variables of hidden visibility
 * become static, and variables are sorted by offset (which orders `.maps` definitions).
 */
function fixupDatasecs(btf: BtfSpec, elf: ElfFile, loc: Location): BtfSpec {
  const fixed: BtfType[] = [];
  let globals: Map<string, ElfSymbol> | undefined;
  /** The first global or weak data symbol called `name` (the index is built on first use). */
  const globalSymbol = (name: string): ElfSymbol | undefined => {
    if (!globals) {
      globals = new Map();
      for (const s of elf.symbols()) {
        if (s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && !globals.has(s.name)) globals.set(s.name, s);
      }
    }
    return globals.get(name);
  };
  for (const t of btf.types) {
    if (t.kind !== 'DATASEC' || t.name === '.kconfig' || t.name === '.ksyms') continue;
    let { size, vars } = t;
    if (size === 0) {
      const sec = elf.section(t.name);
      if (!sec || sec.size === 0) throw new ObjectError(`DATASEC '${t.name}': no ELF section to take its size from`, loc);
      size = sec.size;
      vars = t.vars.map((v) => {
        const vt = btf.type(v.type);
        if (vt.kind !== 'VAR') throw new ObjectError(`DATASEC '${t.name}': entry [${v.type}] is ${vt.kind}, not VAR`, loc);
        if (vt.linkage === 0 || vt.linkage === 2) return v;
        const sym = globalSymbol(vt.name);
        if (!sym) throw new ObjectError(`DATASEC '${t.name}': no ELF symbol for variable '${vt.name}'`, loc);
        if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) fixed.push({ ...vt, linkage: 0 });
        return { ...v, offset: sym.value };
      });
    }
    const sorted = [...vars].sort((a, b) => a.offset - b.offset);
    if (size !== t.size || sorted.some((v, i) => v !== t.vars[i])) fixed.push({ ...t, size, vars: sorted });
  }
  return fixed.length ? btf.withTypes(fixed) : btf;
}
