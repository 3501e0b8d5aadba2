/** Plain-data input and output of the verifier (no dependency on the object layer). */
import type { Instruction } from '../isa/index.js';

/** A map as the verifier needs it (lddw map references index into the input's `maps`). */
export interface VerifierMap {
  name: string;
  /** BPF_MAP_TYPE_* */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** Inner map template of an array/hash of maps (what a lookup returns, after the null check). */
  innerMap?: VerifierMap;
  /**
   * Contents of a frozen single-element array map that programs may only read (BPF_F_RDONLY_PROG,
   * like libbpf's `.rodata`): loads at constant offsets give known scalars (bpf_map_direct_read).
   * Whoever runs the program must keep the map frozen (BPF_MAP_FREEZE).
   */
  frozenValue?: Uint8Array;
}

/** One `bpf_func_info` record: a function starts at `insnOff`. */
export interface FuncInfo {
  insnOff: number;
  typeId?: number;
  name?: string;
}

/**
 * How a global function's argument is typed from its BTF prototype (btf_prepare_func_args): an
 * int or enum is any scalar, a pointer to the program type's context struct (or tagged `arg:ctx`)
 * is the context, any other pointer is `size` bytes of memory (the pointee's size) that may be
 * NULL, or not when tagged `arg:nonnull`.
 */
export interface FuncArg {
  kind: 'scalar' | 'ctx' | 'mem' | 'mem_or_null';
  /** Bytes of memory (`mem`, `mem_or_null`). */
  size?: number;
}

/**
 * A function of the program as its BTF describes it. A global (non-static) function is verified
 * once on its own, with arguments typed from its prototype, and its callers only check the
 * arguments they pass against that prototype.
 */
export interface FuncProto {
  insnOff: number;
  name: string;
  global: boolean;
  args: readonly FuncArg[];
  /** The kernel's message when the prototype cannot be used for a global function (e.g. a void return). */
  unsupported?: string;
}

/** One `bpf_line_info` record resolved to its source text. */
export interface LineInfo {
  insnOff: number;
  /** The source line text (as BTF's string table holds it). */
  line: string;
  fileName?: string;
  lineNum?: number;
  column?: number;
}

export interface VerifierInput {
  /** BPF_PROG_TYPE_* */
  progType: number;
  /** BPF_ATTACH_TYPE_* (selects e.g. the cgroup_skb direction). */
  expectedAttachType?: number;
  insns: readonly Instruction[];
  maps: readonly VerifierMap[];
  funcInfo?: readonly FuncInfo[];
  lineInfo?: readonly LineInfo[];
  /** The program's functions from BTF; without them every bpf-to-bpf call is verified inline (as static). */
  funcs?: readonly FuncProto[];
  /** Root-like (CAP_SYS_ADMIN + CAP_BPF + CAP_PERFMON) verification; default true. */
  privileged?: boolean;
  /** 0: no log, 1: error trail, 2: every instruction's state. */
  logLevel?: 0 | 1 | 2;
  /** The kernel's processed-instruction limit (default 1,000,000). */
  insnLimit?: number;
}

export interface VerifierError {
  /** The kernel's wording of the first error, without the trailing newline. */
  message: string;
  /** Instruction (slot) index where it was found, or -1 for whole-program errors. */
  insn: number;
}

export interface VerifierResult {
  accepted: boolean;
  /** The verifier log in the kernel 6.18 format (empty at logLevel 0). */
  log: string;
  error?: VerifierError;
  processedInsns: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  /** Maximum stack depth of each subprogram, in bytes. */
  stackDepth: number[];
}
