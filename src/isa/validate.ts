/**
 * Static well-formedness of a program, instruction by instruction, as the kernel checks it before
 * verification: known opcode forms, registers r0..r10, reserved fields zero, complete `lddw`
 * pairs, jump and call targets inside the program and not into the second half of an `lddw`.
 */
import { IsaError } from '../errors.js';
import type { Instruction } from './instruction.js';
import { lookup, slotCount, type OpcodeInfo } from './table.js';

/** Highest valid register number (r10 is the read-only frame pointer). */
export const MAX_REG = 10;

const FIELDS = ['dst', 'src', 'off', 'imm'] as const;

/** The slot index an instruction at `i` transfers control to, or undefined when it does not jump. */
export function jumpTarget(e: OpcodeInfo, insn: Instruction, i: number): number | undefined {
  switch (e.kind) {
    case 'ja': case 'jcond': return i + 1 + insn.off;
    case 'gotol': return i + 1 + insn.imm;
    case 'call': return e.match.src === 1 ? i + 1 + insn.imm : undefined;
    case 'lddw': return e.match.src === 4 ? i + 1 + insn.imm : undefined;
    default: return undefined;
  }
}

/**
 * Checks every instruction of `insns` and returns the table entry of each slot (undefined for the
 * second half of an lddw). Throws {@link IsaError} naming the instruction index of the first
 * problem.
 */
export function validateProgram(insns: readonly Instruction[]): (OpcodeInfo | undefined)[] {
  if (insns.length === 0) throw new IsaError('empty program');
  const entries: (OpcodeInfo | undefined)[] = new Array(insns.length);
  const isSecondHalf = new Uint8Array(insns.length);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    const e = lookup(insn);
    if (!e) throw new IsaError(`unknown opcode 0x${insn.op.toString(16).padStart(2, '0')}${describeVariant(insn)}`, { insn: i });
    entries[i] = e;
    for (const f of FIELDS) {
      if (!e.uses[f] && e.match[f as 'off' | 'imm' | 'src'] === undefined && insn[f] !== 0) {
        throw new IsaError(`${e.mnemonic} uses reserved field ${f} (${insn[f]})`, { insn: i });
      }
    }
    if (e.uses.dst && insn.dst > MAX_REG) throw new IsaError(`invalid register r${insn.dst}`, { insn: i });
    if (e.uses.src && insn.src > MAX_REG) throw new IsaError(`invalid register r${insn.src}`, { insn: i });
    if (slotCount(e) === 2) {
      const next = insns[i + 1];
      if (!next) throw new IsaError('lddw is missing its second half', { insn: i });
      if (next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw new IsaError('lddw second half must have op, registers and offset zero', { insn: i + 1 });
      }
      isSecondHalf[++i] = 1;
    }
  }
  for (let i = 0; i < insns.length; i++) {
    const e = entries[i];
    if (!e) continue;
    const target = jumpTarget(e, insns[i], i);
    if (target === undefined) continue;
    if (target < 0 || target >= insns.length) throw new IsaError(`jump out of range: target ${target} of ${insns.length} instructions`, { insn: i });
    if (isSecondHalf[target]) throw new IsaError(`jump into the middle of lddw at ${target - 1}`, { insn: i });
  }
  return entries;
}

function describeVariant(insn: Instruction): string {
  return ` (dst ${insn.dst}, src ${insn.src}, off ${insn.off}, imm ${insn.imm})`;
}
