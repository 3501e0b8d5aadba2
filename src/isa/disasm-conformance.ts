/**
 * Disassembler in the bpf_conformance suite syntax (`mov32 %r0, 1`, `ldxw %r0, [%r1+2]`,
 * `jeq %r1, 0xb, +2`, `lock fetch add [%r10-8], %r1`, `call local +3`), the inverse of
 * ./asm-conformance.ts: `assemble(formatProgramConformance(insns))` gives back the same bytes.
 */
import { IsaError } from '../errors.js';
import type { Instruction } from './instruction.js';
import { ldImm64Value } from './instruction.js';
import { lookup, slotCount, type Kind, type OpcodeInfo } from './table.js';

const r = (n: number): string => `%r${n}`;
const mem = (reg: number, off: number): string => `[%r${reg}${off < 0 ? '-' : '+'}${Math.abs(off)}]`;
const rel = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

type Formatter = (x: Instruction, e: OpcodeInfo, insns: readonly Instruction[], i: number) => string;

const OPERANDS: Readonly<Record<Kind, Formatter>> = {
  alu: (x, e) => `${r(x.dst)}, ${e.uses.src ? r(x.src) : x.imm}`,
  movsx: (x) => `${r(x.dst)}, ${r(x.src)}`,
  neg: (x) => r(x.dst),
  end: (x) => r(x.dst),
  bswap: (x) => r(x.dst),
  ldx: (x) => `${r(x.dst)}, ${mem(x.src, x.off)}`,
  ldsx: (x) => `${r(x.dst)}, ${mem(x.src, x.off)}`,
  st: (x) => `${mem(x.dst, x.off)}, ${x.imm}`,
  stx: (x) => `${mem(x.dst, x.off)}, ${r(x.src)}`,
  atomic: (x) => `${mem(x.dst, x.off)}, ${r(x.src)}`,
  lddw: (x, _e, insns, i) => `${r(x.dst)}, 0x${ldImm64Value(insns, i).toString(16)}`,
  ldabs: (x) => `${x.imm}`,
  ldind: (x) => `${r(x.src)}, ${x.imm}`,
  ja: (x) => rel(x.off),
  gotol: (x) => rel(x.imm),
  jcond: (x, e) => `${r(x.dst)}, ${e.uses.src ? r(x.src) : hex(x.imm)}, ${rel(x.off)}`,
  call: (x, e) => (e.match.src === 1 ? rel(x.imm) : `${x.imm}`),
  callx: (x) => r(x.dst),
  exit: () => '',
};

/** The conformance-syntax text of the instruction at slot `i`; throws {@link IsaError} for an invalid encoding. */
export function formatInstructionConformance(insns: readonly Instruction[], i: number): string {
  const e = lookup(insns[i]);
  if (!e || (e.kind === 'lddw' && i + 1 >= insns.length)) throw new IsaError('not a valid instruction', { insn: i });
  if (e.kind === 'lddw' && e.match.src !== 0) throw new IsaError('lddw with a pseudo source has no conformance syntax', { insn: i });
  if (e.kind === 'call' && insns[i].off !== 0) throw new IsaError('a kfunc call with a module offset has no conformance syntax', { insn: i });
  return `${e.mnemonic} ${OPERANDS[e.kind](insns[i], e, insns, i)}`.trimEnd();
}

/** A whole program in conformance syntax, one instruction per line. */
export function formatProgramConformance(insns: readonly Instruction[]): string {
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i += slotCount(lookup(insns[i]) ?? ({ kind: 'exit' } as OpcodeInfo))) {
    lines.push(formatInstructionConformance(insns, i));
  }
  return lines.join('\n') + '\n';
}
