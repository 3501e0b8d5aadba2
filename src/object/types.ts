/**
 * The Spec layer: everything an object file says, decoded, deterministic and free of any
 * knowledge of the running kernel. Backends turn a spec into loaded programs and maps.
 *
 * How instructions refer to maps (the choice made here, like the kernel's `fd_array` mode):
 * - `lddw rX, map` becomes `src = BPF_PSEUDO_MAP_IDX (5)`, `imm = index into ObjectSpec.maps`;
 * - `lddw rX, &global + off` becomes `src = BPF_PSEUDO_MAP_IDX_VALUE (6)`, `imm = map index`,
 *   the second slot's `imm = off`.
 * A backend replaces the index by an fd (or passes `fd_array`). In addition every such
 * instruction, and every one that needs an extern or kfunc resolved, has an entry in
 * {@link ProgramSpec.references} naming the target, so nothing depends on the index alone.
 */
import type { Instruction } from '../isa/instruction.js';
import type { BtfSpec } from '../btf/spec.js';
import type { BtfExt, CoreRelo, FuncInfo, LineInfo } from '../btf/ext.js';

/** What one instruction refers to. `insn` is the slot index in {@link ProgramSpec.insns}. */
export type InsnReference =
  /** `lddw` of a map (pseudo MAP_IDX). */
  | { insn: number; kind: 'map'; map: string; mapIndex: number }
  /** `lddw` of an address inside a global-data map (pseudo MAP_IDX_VALUE). */
  | { insn: number; kind: 'map_value'; map: string; mapIndex: number; offset: number }
  /** `lddw` of a `.kconfig` extern: pseudo MAP_IDX_VALUE into the `.kconfig` map at the extern's offset. */
  | { insn: number; kind: 'kconfig'; name: string; map: string; mapIndex: number; offset: number }
  /** `lddw` of a `.ksyms` variable (becomes BPF_PSEUDO_BTF_ID in the backend). */
  | { insn: number; kind: 'ksym'; name: string }
  /** `call` of a `.ksyms` function (kfunc; src = BPF_PSEUDO_KFUNC_CALL, imm filled by the backend). */
  | { insn: number; kind: 'kfunc'; name: string }
  /** bpf-to-bpf call or `lddw` of a function address (pseudo FUNC), already linked: imm is final. */
  | { insn: number; kind: 'subprog'; name: string }
  /** `call`/`lddw` of an undefined symbol that is no .kconfig/.ksyms extern: left as is, a backend refuses it. */
  | { insn: number; kind: 'unresolved'; name: string };

/** One entry program with its subprograms linked in. */
export interface ProgramSpec {
  /** Function symbol name (or the section name for symbol-less legacy objects). */
  name: string;
  /** ELF section name (the SEC() string). */
  section: string;
  /** BPF_PROG_TYPE_* from the section name (0 when the name is unknown: the loader must choose). */
  type: number;
  /** BPF_ATTACH_TYPE_* implied by the section (0 when none). */
  expectedAttachType: number;
  /** Target named in the section (tracepoint, kprobe function, BTF name…). */
  attachTo?: string;
  sleepable: boolean;
  /** `xdp.frags` sections: BPF_F_XDP_HAS_FRAGS. */
  xdpFrags: boolean;
  /** Instruction slots: the program, then each called subprogram appended in libbpf's order. */
  insns: Instruction[];
  /** Where each linked function starts (the program itself at 0). */
  functions: { name: string; insn: number }[];
  references: InsnReference[];
  /** func_info / line_info / CO-RE records, re-based to `insns` indices. */
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  coreRelos: CoreRelo[];
  license: string;
  kernVersion: number;
}

/** A static initial value of a prog-array or map-in-map slot. */
export type MapSlot = { key: number; program: string } | { key: number; map: string };

export interface MapSpec {
  /** Name as libbpf names it (`<obj>.rodata` for global data, truncated to 15 chars). */
  name: string;
  /** BPF_MAP_TYPE_*. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  /** `map_extra` (bloom filter hash count, arena address…); `__uint` values are 32-bit. */
  mapExtra: number;
  /** LIBBPF_PIN_* / PIN_* (0 none, 1 object/by-name, 2 global namespace). */
  pinning: number;
  /** Where it came from. */
  source: 'btf' | 'legacy' | 'data' | 'kconfig' | 'struct_ops';
  /** ELF section it was defined in. */
  section: string;
  /** For global data: the ELF section name (`.rodata`, `.data.foo`…). */
  realName?: string;
  /** Inner map definition of array/hash-of-maps. */
  innerMap?: MapSpec;
  /** Initial bytes of `.data*` / `.rodata*` (a view into the file); absent for `.bss` and `.kconfig`, which start zeroed. */
  data?: Uint8Array;
  slots?: MapSlot[];
  /** struct_ops maps: the program set in each function-pointer member (from `.rel.struct_ops*`). */
  structOps?: { member: string; program: string }[];
  /** BTF ids (0 when unknown). For global data, `btfValueTypeId` is the DATASEC. */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** Read-only to programs (`.rodata*`, `.kconfig`): BPF_F_RDONLY_PROG is set in `flags`. */
  frozen: boolean;
}

/** An `extern` of `.kconfig` / `.ksyms`. */
export interface ExternSpec {
  name: string;
  /** `unresolved`: an undefined symbol that no BTF DATASEC describes (libbpf refuses these). */
  kind: 'kconfig' | 'ksym' | 'unresolved';
  /** A function (kfunc) rather than a variable. */
  isFunc: boolean;
  weak: boolean;
  /** BTF VAR or FUNC id in the object's BTF. */
  btfId: number;
  /** `.kconfig` variables: size, and offset in the `.kconfig` map (libbpf's layout). */
  size?: number;
  offset?: number;
}

export interface ObjectSpec {
  file?: string;
  /** Object name used in map names (file basename up to the first '.', 15 chars max). */
  name: string;
  license: string;
  kernVersion: number;
  programs: ProgramSpec[];
  maps: MapSpec[];
  externs: ExternSpec[];
  btf?: BtfSpec;
  btfExt?: BtfExt;
}
