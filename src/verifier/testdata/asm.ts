/**
 * Test support: instruction builders in the style of the kernel selftests' BPF_* macros, for the
 * verifier corpus. (Programs are plain Instruction arrays; no assembler needed.)
 */
import type { Instruction } from '../../isa/index.js';

const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
const SZ = { b: 0x10, h: 0x08, w: 0x00, dw: 0x18 } as const;
type Size = keyof typeof SZ;
const ALU = { add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70, neg: 0x80, mod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0 } as const;
type Alu = keyof typeof ALU;
const J = { eq: 0x10, gt: 0x20, ge: 0x30, set: 0x40, ne: 0x50, sgt: 0x60, sge: 0x70, lt: 0xa0, le: 0xb0, slt: 0xc0, sle: 0xd0 } as const;
type Cond = keyof typeof J;

export const mov = (dst: number, imm: number): Instruction => I(0xb7, dst, 0, 0, imm);
export const mov32 = (dst: number, imm: number): Instruction => I(0xb4, dst, 0, 0, imm);
export const movr = (dst: number, src: number): Instruction => I(0xbf, dst, src);
export const alu = (op: Alu, dst: number, imm: number): Instruction => I(0x07 | ALU[op], dst, 0, 0, imm);
export const alur = (op: Alu, dst: number, src: number): Instruction => I(0x0f | ALU[op], dst, src);
export const alu32 = (op: Alu, dst: number, imm: number): Instruction => I(0x04 | ALU[op], dst, 0, 0, imm);
export const ldx = (size: Size, dst: number, src: number, off: number): Instruction => I(0x61 | SZ[size], dst, src, off);
export const stx = (size: Size, dst: number, off: number, src: number): Instruction => I(0x63 | SZ[size], dst, src, off);
export const st = (size: Size, dst: number, off: number, imm: number): Instruction => I(0x62 | SZ[size], dst, 0, off, imm);
export const jmp = (cond: Cond, dst: number, imm: number, off: number): Instruction => I(0x05 | J[cond], dst, 0, off, imm);
export const jmpr = (cond: Cond, dst: number, src: number, off: number): Instruction => I(0x0d | J[cond], dst, src, off);
export const ja = (off: number): Instruction => I(0x05, 0, 0, off);
export const call = (id: number): Instruction => I(0x85, 0, 0, 0, id);
export const callLocal = (off: number): Instruction => I(0x85, 0, 1, 0, off);
export const exit = (): Instruction => I(0x95);
export const raw = I;
/** lddw of map `idx` (BPF_PSEUDO_MAP_IDX). */
export const ldMap = (dst: number, idx: number): Instruction[] => [I(0x18, dst, 5, 0, idx), I(0)];
/** lddw of a callback subprogram at relative offset (BPF_PSEUDO_FUNC). */
export const ldFunc = (dst: number, off: number): Instruction[] => [I(0x18, dst, 4, 0, off), I(0)];
export const ld64 = (dst: number, lo: number, hi = 0): Instruction[] => [I(0x18, dst, 0, 0, lo), I(0, 0, 0, 0, hi)];
