/**
 * CO-RE instruction patching (libbpf bpf_core_patch_insn): writes a relocation's value into an
 * ALU immediate, a LDX/ST/STX offset (adjusting the memory size when the target field's size
 * differs) or an LDDW constant, after checking the instruction holds the value the compiler
 * assumed; or poisons it.
 */
import type { Instruction } from '../isa/instruction.js';
import { ldImm64Value, setLdImm64Value } from '../isa/instruction.js';
import { CLASS, OP_CALL, OP_LDDW, SIZE, SIZE_BYTES, SRC, opClass, opMode, opSize, opSource } from '../isa/opcodes.js';
import { CoreReloError } from './core-spec.js';
import type { CoreRawResult } from './core-values.js';

/** Immediate of the call libbpf substitutes for a failed relocation ("bad relo"). */
export const CORE_POISON_IMM = 0xbad2310;

const BYTES_TO_SIZE: Record<number, number> = { 1: SIZE.B, 2: SIZE.H, 4: SIZE.W, 8: SIZE.DW };
const INSN_POISON: Instruction = { op: OP_CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM };

export type Patched = { poisoned: boolean; memSize?: { from: number; to: number } };
const PATCHED: Patched = { poisoned: false };

/** bpf_core_patch_insn: patches `insns[i]` in place. */
export function patchInsn(prog: string, idx: number, insns: Instruction[], i: number, res: CoreRawResult, log: string[]): Patched {
  const insn = insns[i];
  const poison = () => {
    if (insn.op === OP_LDDW && i + 1 < insns.length) {
      log.push(`prog '${prog}': relo #${idx}: substituting insn #${i + 1} w/ invalid insn`);
      insns[i + 1] = { ...INSN_POISON };
    }
    log.push(`prog '${prog}': relo #${idx}: substituting insn #${i} w/ invalid insn`);
    insns[i] = { ...INSN_POISON };
    return { poisoned: true };
  };
  if (res.poison) return poison();
  const { origVal, newVal } = res;
  const bad = (msg: string): never => {
    throw new CoreReloError(`prog '${prog}': relo #${idx}: ${msg}`);
  };
  const cls = opClass(insn.op);
  switch (cls) {
    case CLASS.ALU: case CLASS.ALU64: {
      if (opSource(insn.op) !== SRC.K) bad(`insn #${i} (ALU/ALU64) has a register source`);
      if (res.validate && BigInt.asUintN(64, BigInt(insn.imm)) !== origVal) {
        bad(`unexpected insn #${i} (ALU/ALU64) value: got ${insn.imm >>> 0}, exp ${origVal} -> ${newVal}`);
      }
      const old = BigInt.asUintN(64, BigInt(insn.imm));
      insn.imm = Number(BigInt.asIntN(32, newVal)) | 0;
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (ALU/ALU64) imm ${old} -> ${newVal}`);
      return PATCHED;
    }
    case CLASS.LDX: case CLASS.ST: case CLASS.STX: {
      if (res.validate && BigInt.asUintN(64, BigInt(insn.off)) !== origVal) {
        bad(`unexpected insn #${i} (LDX/ST/STX) value: got ${insn.off >>> 0}, exp ${origVal} -> ${newVal}`);
      }
      if (newVal > 0x7fffn) bad(`insn #${i} (LDX/ST/STX) value too big: ${newVal}`);
      if (res.failMemszAdjust) {
        log.push(`prog '${prog}': relo #${idx}: insn #${i} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size.`);
        return poison();
      }
      const old = BigInt.asUintN(64, BigInt(insn.off));
      insn.off = Number(newVal);
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDX/ST/STX) off ${old} -> ${newVal}`);
      if (res.newSz === res.origSz) return PATCHED;
      const bytes = SIZE_BYTES[opSize(insn.op) >> 3];
      if (bytes !== res.origSz) bad(`insn #${i} (LDX/ST/STX) unexpected mem size: got ${bytes}, exp ${res.origSz}`);
      const size = BYTES_TO_SIZE[res.newSz];
      if (size === undefined) bad(`insn #${i} (LDX/ST/STX) invalid new mem size: ${res.newSz}`);
      insn.op = opMode(insn.op) | size | cls;
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDX/ST/STX) mem_sz ${res.origSz} -> ${res.newSz}`);
      return { poisoned: false, memSize: { from: res.origSz, to: res.newSz } };
    }
    case CLASS.LD: {
      const hi = insns[i + 1];
      if (insn.op !== OP_LDDW || !hi || insn.src !== 0 || insn.off !== 0 || hi.op !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        bad(`insn #${i} (LDIMM64) has unexpected form`);
      }
      const imm = ldImm64Value(insns, i);
      if (res.validate && imm !== origVal) bad(`unexpected insn #${i} (LDIMM64) value: got ${imm}, exp ${origVal} -> ${newVal}`);
      setLdImm64Value(insns, i, newVal);
      log.push(`prog '${prog}': relo #${idx}: patched insn #${i} (LDIMM64) imm64 ${imm} -> ${newVal}`);
      return PATCHED;
    }
    default:
      return bad(`trying to relocate unrecognized insn #${i}, code:0x${insn.op.toString(16)}, src:0x${insn.src.toString(16)}, dst:0x${insn.dst.toString(16)}, off:0x${(insn.off & 0xffff).toString(16)}, imm:0x${(insn.imm >>> 0).toString(16)}`);
  }
}
