/** ELF constants (elf.h) used by BPF objects. */

export const EI_NIDENT = 16;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const ET_REL = 1;
export const EM_NONE = 0;
/** `e_machine` of BPF objects. */
export const EM_BPF = 247;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

/** Section types. */
export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_NOBITS = 8, SHT_REL = 9;
/** Section flags. */
export const SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;

/** Symbol bindings. */
export const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
/** Symbol types. */
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
/** Symbol visibility. */
export const STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2;

export const STT_NAMES: Record<number, string> = { 0: 'NOTYPE', 1: 'OBJECT', 2: 'FUNC', 3: 'SECTION', 4: 'FILE' };
export const STB_NAMES: Record<number, string> = { 0: 'LOCAL', 1: 'GLOBAL', 2: 'WEAK' };

/** BPF relocation types (llvm BPFELFObjectWriter / kernel Documentation/bpf/llvm_reloc.rst). */
export const R_BPF = {
  NONE: 0,
  /** 64-bit immediate of an lddw (map or global data address). */
  R_BPF_64_64: 1,
  /** 64-bit absolute value in a data section. */
  R_BPF_64_ABS64: 2,
  /** 32-bit absolute value in a data section (DWARF, BTF). */
  R_BPF_64_ABS32: 3,
  /** 32-bit non-absolute: DWARF / BTF.ext records. */
  R_BPF_64_NODYLD32: 4,
  /** 32-bit pc-relative call immediate (in instructions). */
  R_BPF_64_32: 10,
} as const;
