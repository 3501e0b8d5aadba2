/**
 * One 8-byte BPF instruction slot, as the kernel sees it: `lddw` occupies two slots, the second
 * with op 0 carrying the upper 32 bits of the constant in `imm`. Indices (jump targets, verifier
 * messages, fault reports) therefore count slots, like the kernel and llvm-objdump.
 */
import { IsaError } from '../errors.js';
import { OP_LDDW } from './opcodes.js';

export interface Instruction {
  /** Opcode byte. */
  op: number;
  /** Destination register 0..15 (valid: 0..10). */
  dst: number;
  /** Source register 0..15 (valid: 0..10), or a pseudo source for lddw/call. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

export const INSN_SIZE = 8;

/** Decodes little-endian instruction bytes (length must be a multiple of 8). */
export function decodeInstructions(bytes: Uint8Array): Instruction[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new IsaError(`program length ${bytes.length} is not a multiple of ${INSN_SIZE}`, { offset: bytes.length - (bytes.length % INSN_SIZE) });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = new Array(bytes.length / INSN_SIZE);
  for (let i = 0, o = 0; o < bytes.length; i++, o += INSN_SIZE) {
    const regs = bytes[o + 1];
    out[i] = { op: bytes[o], dst: regs & 0x0f, src: regs >> 4, off: dv.getInt16(o + 2, true), imm: dv.getInt32(o + 4, true) };
  }
  return out;
}

/** Encodes instructions to little-endian bytes; the inverse of {@link decodeInstructions}. */
export function encodeInstructions(insns: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    const o = i * INSN_SIZE;
    bytes[o] = insn.op & 0xff;
    bytes[o + 1] = (insn.dst & 0x0f) | ((insn.src & 0x0f) << 4);
    dv.setInt16(o + 2, insn.off, true);
    dv.setInt32(o + 4, insn.imm, true);
  });
  return bytes;
}

/** True when the slot is the first half of an `lddw`. */
export const isLdImm64 = (insn: Instruction): boolean => insn.op === OP_LDDW;

/** The 64-bit constant of the `lddw` at slot `i` (unsigned). */
export function ldImm64Value(insns: readonly Instruction[], i: number): bigint {
  const hi = insns[i + 1]?.imm ?? 0;
  return (BigInt(hi >>> 0) << 32n) | BigInt(insns[i].imm >>> 0);
}

/** Sets the 64-bit constant of the `lddw` at slot `i`. */
export function setLdImm64Value(insns: Instruction[], i: number, value: bigint): void {
  const v = BigInt.asUintN(64, value);
  insns[i].imm = Number(BigInt.asIntN(32, v & 0xffffffffn));
  insns[i + 1].imm = Number(BigInt.asIntN(32, v >> 32n));
}
