/**
 * Verifier log writing in the kernel 6.18 format: register and stack state (print_verifier_state),
 * numbers in decimal up to 16 bits and in hex beyond, and the column alignment of the
 * `insn ; state` lines.
 */
import { tnumIsConst, tnumIsUnknown, tnumStr } from './tnum.js';
import { S64_MIN, S64_MAX, S32_MIN, S32_MAX, U32_MAX } from './scalar.js';
import { U64_MAX } from './tnum.js';
import {
  type Reg, type FuncState, type VState, RegType, REG_TYPE_NAMES, isPktPointer, MAX_BPF_REG, BPF_REG_SIZE,
  STACK_INVALID, STACK_SPILL, SLOT_TYPE_CHARS,
} from './state.js';
import type { VerifierMap } from './types.js';

/** verbose_snum: decimal within s16, else `0x` + the bits (u64, or u32 for 32-bit bounds). */
export function snum(v: bigint | number, width: 32 | 64 = 64): string {
  const b = BigInt(v);
  return b >= -32768n && b <= 32767n ? b.toString() : `0x${BigInt.asUintN(width, b).toString(16)}`;
}
/** verbose_unum: decimal within u16, else hex. */
export function unum(v: bigint | number): string {
  const b = BigInt.asUintN(64, BigInt(v));
  return b <= 65535n ? b.toString() : `0x${b.toString(16)}`;
}

function scalarRanges(r: Reg, parts: string[]): void {
  const m: { name: string; val: bigint; omit: boolean; signed: boolean }[] = [
    { name: 'smin', val: r.smin, omit: r.smin === S64_MIN, signed: true },
    { name: 'smax', val: r.smax, omit: r.smax === S64_MAX, signed: true },
    { name: 'umin', val: r.umin, omit: r.umin === 0n, signed: false },
    { name: 'umax', val: r.umax, omit: r.umax === U64_MAX, signed: false },
    { name: 'smin32', val: BigInt(r.s32min), omit: r.s32min === S32_MIN, signed: true },
    { name: 'smax32', val: BigInt(r.s32max), omit: r.s32max === S32_MAX, signed: true },
    { name: 'umin32', val: BigInt(r.u32min), omit: r.u32min === 0, signed: false },
    { name: 'umax32', val: BigInt(r.u32max), omit: r.u32max === U32_MAX, signed: false },
  ];
  const bits = (x: { val: bigint }): bigint => BigInt.asUintN(64, x.val);
  for (let i = 0; i < m.length; i++) {
    const m1 = m[i];
    if (m1.omit) continue;
    const neg1 = m1.signed && m1.val < 0n;
    let s = `${m1.name}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      const m2 = m[j];
      if (m2.omit || bits(m2) !== bits(m1)) continue;
      if ((m2.signed && m2.val < 0n) !== neg1) continue;
      m2.omit = true;
      s += `${m2.name}=`;
    }
    parts.push(s + (m1.signed ? snum(m1.val, m1.name.endsWith('32') ? 32 : 64) : unum(m1.val)));
  }
}

/** One register as print_reg_state writes it (`scalar(smin=0,smax=255)`, `pkt(off=14,r=14)`, `fp-8`). */
export function formatReg(r: Reg, maps: readonly VerifierMap[], curFrame: number): string {
  const t = r.type;
  if (t === RegType.SCALAR && tnumIsConst(r.varOff)) return snum(BigInt.asIntN(64, r.varOff.value));
  let out = REG_TYPE_NAMES[t];
  if (t === RegType.STACK) {
    if (r.frameno !== curFrame) out += `[${r.frameno}]`;
    if (tnumIsConst(r.varOff)) return out + snum(BigInt.asIntN(64, r.varOff.value) + BigInt(r.off));
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (t === RegType.MAP_PTR || t === RegType.MAP_VALUE || t === RegType.MAP_VALUE_OR_NULL || t === RegType.MAP_KEY) {
    const map = maps[r.mapIdx];
    // The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a map's name.
    if (map?.name) parts.push(`map=${map.name.slice(0, 15)}`);
    parts.push(`ks=${map?.keySize ?? 0},vs=${map?.valueSize ?? 0}`);
  }
  if (t !== RegType.SCALAR && r.off) parts.push(`off=${snum(r.off)}`);
  if (isPktPointer(t)) parts.push(`r=${unum(r.range)}`);
  if (t === RegType.RINGBUF_MEM || t === RegType.RINGBUF_MEM_OR_NULL || t === RegType.MEM || t === RegType.MEM_OR_NULL) parts.push(`sz=${unum(r.memSize)}`);
  if (tnumIsConst(r.varOff)) {
    if (r.varOff.value) parts.push(`imm=${snum(BigInt.asIntN(64, r.varOff.value))}`);
  } else {
    scalarRanges(r, parts);
    if (!tnumIsUnknown(r.varOff)) parts.push(`var_off=${tnumStr(r.varOff)}`);
  }
  return `${out}(${parts.join(',')})`;
}

/** Which registers / stack slots changed since the last print (the kernel's "scratched" marks). */
export class Scratch {
  regs = 0;
  /** One bit per 8-byte stack slot: slots 0-31, then 32-63. */
  private stackLo = 0;
  private stackHi = 0;
  all(): void {
    this.regs = 0x7ff;
    this.stackLo = this.stackHi = -1;
  }
  clear(): void {
    this.regs = 0;
    this.stackLo = this.stackHi = 0;
  }
  any(): boolean {
    return (this.regs | this.stackLo | this.stackHi) !== 0;
  }
  /** Marks stack slot `spi` (0..63). */
  markSlot(spi: number): void {
    if (spi < 32) this.stackLo |= 1 << spi;
    else this.stackHi |= 1 << (spi - 32);
  }
  hasSlot(spi: number): boolean {
    return ((spi < 32 ? this.stackLo >>> spi : this.stackHi >>> (spi - 32)) & 1) !== 0;
  }
}

/** print_verifier_state of one frame: ` R0=… R10=fp0 fp-8=mmmm???? refs=2` + newline. */
export function formatFuncState(st: VState, f: FuncState, maps: readonly VerifierMap[], printAll: boolean, scratch: Scratch): string {
  let out = f.frameno ? ` frame${f.frameno}:` : '';
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const r = f.regs[i];
    if (r.type === RegType.NOT_INIT) continue;
    if (!printAll && !(scratch.regs & (1 << i))) continue;
    out += ` R${i}=${formatReg(r, maps, f.frameno)}`;
  }
  const slots = f.allocated / BPF_REG_SIZE;
  for (let spi = 0; spi < slots; spi++) {
    const base = spi * BPF_REG_SIZE;
    let valid = false, types = '';
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      if (f.byteType(base + j) !== STACK_INVALID) valid = true;
      types += SLOT_TYPE_CHARS[f.byteType(base + j)];
    }
    if (!valid) continue;
    if (!printAll && !scratch.hasSlot(spi)) continue;
    const name = ` fp${-(spi + 1) * BPF_REG_SIZE}=`;
    if (f.byteType(base + 7) === STACK_SPILL && f.spilled[spi]) {
      // The bytes above a narrow spill print as their types, then the spilled register.
      let j = 0;
      while (f.byteType(base + j) !== STACK_SPILL) j++;
      out += name + types.slice(0, j) + formatReg(f.spilled[spi]!, maps, f.frameno);
    } else out += name + types;
  }
  if (st.refs.length) out += ` refs=${st.refs.map((r) => r.id).join(',')}`;
  if (f.inCallback) out += ' cb';
  return out + '\n';
}

const BPF_LOG_MIN_ALIGNMENT = 8, BPF_LOG_ALIGNMENT = 40;
/** Spaces that put the `;` of an `insn ; state` line where the kernel puts it (vlog_alignment). */
export function alignmentPad(pos: number): string {
  const target = Math.ceil(Math.max(pos + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT) / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT;
  return ' '.repeat(Math.max(target - pos - 1, 1));
}
