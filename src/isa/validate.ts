/**
 * Static well-formedness of a program, instruction by instruction, as the kernel checks it before
 * verification: known opcode forms, registers r0..r10, reserved fields zero, complete `lddw`
 * pairs, jump and call targets inside the program and not into the second half of an `lddw`.
 */
import { IsaError } from '../errors.js';
import type { Instruction } from './instruction.js';
import { CALL_KIND, encodingProblem, lookup, PSEUDO, slotCount, type OpcodeInfo } from './table.js';

/** The slot index an instruction at `i` transfers control to, or undefined when it does not jump. */
export function jumpTarget(e: OpcodeInfo, insn: Instruction, i: number): number | undefined {
  switch (e.kind) {
    case 'ja': case 'jcond': return i + 1 + insn.off;
    case 'gotol': return i + 1 + insn.imm;
    case 'call': return e.match.src === CALL_KIND.PSEUDO_CALL ? i + 1 + insn.imm : undefined;
    case 'lddw': return e.match.src === PSEUDO.FUNC ? i + 1 + insn.imm : undefined;
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
    const problem = encodingProblem(e, insn);
    if (problem) throw new IsaError(problem, { insn: i });
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
