/**
 * Test support: builds instructions by bpf_conformance mnemonic from isa's opcode table, so
 * tests read like assembly (`ins('add32', { dst: 0, imm: 1 })`). Not part of the published API.
 */
import type { Instruction } from '../isa/instruction.js';
import { OPCODES, make } from '../isa/table.js';

/**
 * One instruction (two slots for lddw, whose 64-bit value is `value`, or `imm` for pseudo
 * sources). For forms that exist with an immediate and a register operand, the register form is
 * chosen when `src` is given; `call` with `dst` is callx.
 */
export function ins(mnemonic: string, fields: Partial<Instruction> & { value?: bigint } = {}): Instruction[] {
  const wantsReg = fields.src !== undefined;
  const e = OPCODES.find((o) => o.mnemonic === mnemonic && (
    o.kind === 'alu' || o.kind === 'jcond' ? o.uses.src === wantsReg
      : o.kind === 'lddw' ? o.match.src === (fields.src ?? 0)
        : o.mnemonic === 'call' ? (o.kind === 'callx') === (fields.dst !== undefined)
          : true));
  if (!e) throw new Error(`no instruction '${mnemonic}'`);
  if (e.kind === 'lddw') {
    const v = BigInt.asUintN(64, fields.value ?? BigInt(fields.imm ?? 0));
    const lo = Number(BigInt.asIntN(32, v)), hi = Number(BigInt.asIntN(32, v >> 32n));
    return [make(e, { ...fields, imm: lo }), { op: 0, dst: 0, src: 0, off: 0, imm: hi }];
  }
  return [make(e, fields)];
}

/** Concatenates instruction lists. */
export const prog = (...parts: Instruction[][]): Instruction[] => parts.flat();
