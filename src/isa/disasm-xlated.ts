/**
 * Disassembler in the style of `bpftool prog dump xlated` (the kernel's kernel/bpf/disasm.c with
 * bpftool's callbacks): `   0: (b7) r0 = 2`, `(85) call bpf_map_lookup_elem#1`,
 * `(18) r1 = map[id:5]`, `(18) r1 = map[id:5][0]+16`, `(85) call pc+3`, `(15) if r1 == 0x0 goto pc+1`,
 * `(79) r1 = *(u64 *)(r10 -8)`.
 *
 * Names the instruction bytes do not hold (kernel symbols of rewritten helper calls, JIT symbols
 * of subprograms, map names) come from a caller-supplied {@link XlatedResolver}. v4 instructions
 * print as the current kernel prints them (`r0 s/= r1`, `w1 = (s8)w2`, `r0 = bswap16 r0`,
 * `gotol pc+3`, `*(s8 *)`); bpftool 7.1 predates them.
 */
import type { Instruction } from './instruction.js';
import { ldImm64Value } from './instruction.js';
import { helperName } from '../uapi/index.js';
import { CALL_KIND, lookup, PSEUDO, OPERATOR, type Kind, type OpcodeInfo } from './table.js';
import { OP_LDDW } from './opcodes.js';

export interface XlatedResolver {
  /**
   * Name of the callee of the `call` at `insns[index]`: for helper and kfunc calls the name
   * printed before `#imm` (e.g. `__htab_map_lookup_elem` from the kernel symbol at
   * `__bpf_call_base + imm`); for BPF-to-BPF calls the text after `pc` (bpftool prints
   * `+2#bpf_prog_<tag>_<name>`). Undefined keeps the kernel's default.
   */
  call?(insns: readonly Instruction[], index: number): string | undefined;
  /** Text of the value of the `lddw` at `insns[index]` (e.g. `map[id:5]`); undefined keeps bpftool's. */
  imm?(insns: readonly Instruction[], index: number, value: bigint): string | undefined;
}


const reg = (n: number, w: boolean): string => (w ? 'w' : 'r') + n;
const plus = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (type: string, r: number, off: number): string => `*(${type} *)(r${r} ${plus(off)})`;
const u = (e: OpcodeInfo): string => `u${e.width * 8}`;

/** bpftool's text of an lddw value (print_imm in bpftool's xlated_dumper.c). */
function defaultImm(insns: readonly Instruction[], i: number, value: bigint): string {
  const x = insns[i];
  const next = insns[i + 1]?.imm ?? 0;
  switch (x.src) {
    case PSEUDO.MAP_FD: return `map[id:${x.imm >>> 0}]`;
    case PSEUDO.MAP_VALUE: return `map[id:${x.imm >>> 0}][0]+${next >>> 0}`;
    case PSEUDO.MAP_IDX_VALUE: return `map[idx:${x.imm >>> 0}]+${next >>> 0}`;
    case PSEUDO.FUNC: return `subprog[${plus(x.imm)}]`;
    default: return `0x${value.toString(16)}`;
  }
}

/** The kernel's name of a call target (`__func_get_name` in kernel/bpf/disasm.c). */
function callee(insns: readonly Instruction[], i: number, resolver: XlatedResolver): string {
  const x = insns[i];
  const helper = x.src === CALL_KIND.HELPER && x.imm >= 0 ? helperName(x.imm) : undefined;
  if (helper) return `bpf_${helper}`;
  const resolved = resolver.call?.(insns, i);
  if (resolved !== undefined) return resolved;
  if (x.src === CALL_KIND.PSEUDO_CALL) return plus(x.imm);
  return x.src === CALL_KIND.KFUNC ? 'kernel-function' : 'unknown';
}

type Formatter = (x: Instruction, e: OpcodeInfo, insns: readonly Instruction[], i: number, resolver: XlatedResolver) => string;

const FORMAT: Readonly<Record<Kind, Formatter>> = {
  alu: (x, e) => `${reg(x.dst, e.is32)} ${OPERATOR[e.operation]} ${e.uses.src ? reg(x.src, e.is32) : x.imm}`,
  movsx: (x, e) => `${reg(x.dst, e.is32)} = (s${e.width})${reg(x.src, e.is32)}`,
  neg: (x, e) => `${reg(x.dst, e.is32)} = -${reg(x.dst, e.is32)}`,
  end: (x, e) => `r${x.dst} = ${e.operation}${e.width} r${x.dst}`,
  bswap: (x, e) => `r${x.dst} = bswap${e.width} r${x.dst}`,
  ldx: (x, e) => `r${x.dst} = ${mem(u(e), x.src, x.off)}`,
  ldsx: (x, e) => `r${x.dst} = ${mem(`s${e.width * 8}`, x.src, x.off)}`,
  st: (x, e) => `${mem(u(e), x.dst, x.off)} = ${x.imm}`,
  stx: (x, e) => `${mem(u(e), x.dst, x.off)} = r${x.src}`,
  atomic: (x, e) => {
    const at = `(${u(e)} *)(r${x.dst} ${plus(x.off)})`;
    const bits = e.width === 8 ? '64' : '';
    if (OPERATOR[e.operation]) return `lock *${at} ${OPERATOR[e.operation]} r${x.src}`;
    if (e.operation === 'cmpxchg') return `r0 = atomic${bits}_cmpxchg(${at}, r0, r${x.src})`;
    if (e.operation === 'xchg') return `r${x.src} = atomic${bits}_xchg(${at}, r${x.src})`;
    return `r${x.src} = atomic${bits}_${e.operation}(${at}, r${x.src})`;
  },
  lddw: (x, _e, insns, i, resolver) => {
    const value = ldImm64Value(insns, i);
    return `r${x.dst} = ${resolver.imm?.(insns, i, value) ?? defaultImm(insns, i, value)}`;
  },
  ldabs: (x, e) => `r0 = *(${u(e)} *)skb[${x.imm}]`,
  ldind: (x, e) => `r0 = *(${u(e)} *)skb[r${x.src} + ${x.imm}]`,
  ja: (x) => `goto pc${plus(x.off)}`,
  gotol: (x) => `gotol pc${plus(x.imm)}`,
  jcond: (x, e) =>
    `if ${reg(x.dst, e.is32)} ${OPERATOR[e.operation]} ${e.uses.src ? reg(x.src, e.is32) : `0x${(x.imm >>> 0).toString(16)}`} goto pc${plus(x.off)}`,
  call: (x, e, insns, i, resolver) =>
    e.match.src === CALL_KIND.PSEUDO_CALL ? `call pc${callee(insns, i, resolver)}` : `call ${callee(insns, i, resolver)}#${x.imm}`,
  // The kernel knows no callx; its disassembler prints BPF_CALL|BPF_X like any call.
  callx: (x, _e, insns, i, resolver) => `call ${callee(insns, i, resolver)}#${x.imm}`,
  exit: () => 'exit',
};

/** `(op) text` of the instruction at slot `i`, e.g. `(b7) r0 = 2`; invalid encodings print `(op) unknown`. */
export function formatInstructionXlated(insns: readonly Instruction[], i: number, resolver: XlatedResolver = {}): string {
  const x = insns[i];
  const code = `(${x.op.toString(16).padStart(2, '0')})`;
  const e = lookup(x);
  if (!e || (e.kind === 'lddw' && i + 1 >= insns.length)) return `${code} unknown`;
  return `${code} ${FORMAT[e.kind](x, e, insns, i, resolver)}`;
}

/** The whole program as `bpftool prog dump xlated` lists it: `% 4d: (op) text` per instruction. */
export function formatProgramXlated(insns: readonly Instruction[], resolver: XlatedResolver = {}): string {
  const lines: string[] = [];
  for (let i = 0; i < insns.length; ) {
    lines.push(`${String(i).padStart(4)}: ${formatInstructionXlated(insns, i, resolver)}`);
    i += insns[i].op === OP_LDDW ? 2 : 1;
  }
  return lines.join('\n') + '\n';
}
