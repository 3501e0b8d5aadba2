/**
 * The kernel's print_bpf_insn style (`(b7) r0 = 1`, `(2d) if r3 > r2 goto pc+12`) used inside
 * verifier logs. Local to the verifier until the isa disassembler provides this style.
 */
import type { Instruction } from '../isa/index.js';
import { CLASS, ALU, JMP, MODE, SRC, ATOMIC, opClass, opCode, opMode, opSize, opSource, SIZE } from '../isa/index.js';
import { helperName } from '../uapi/index.js';

const ALU_STR = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const JMP_STR = ['goto', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<='];
const SIZE_STR: Record<number, string> = { [SIZE.W]: 'u32', [SIZE.H]: 'u16', [SIZE.B]: 'u8', [SIZE.DW]: 'u64' };
const SIZE_BITS: Record<number, number> = { [SIZE.W]: 32, [SIZE.H]: 16, [SIZE.B]: 8, [SIZE.DW]: 64 };

/** The log's name of an ALU operation (bpf_alu_string). */
export const aluOpString = (op: number): string => ALU_STR[op >> 4] ?? '?';
/** The log's name of a jump condition. */
export const jmpOpString = (op: number): string => JMP_STR[op >> 4] ?? '?';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const sOff = (off: number): string => (off < 0 ? `${off}` : `+${off}`);

/** One instruction as the verifier log prints it (without the `N: ` prefix). */
export function formatInsn(insns: readonly Instruction[], i: number, mapName?: (idx: number) => string): string {
  const insn = insns[i];
  const op = insn.op;
  const cls = opClass(op);
  const code = `(${hex2(op)})`;
  const { dst, src, off, imm } = insn;
  if (cls === CLASS.ALU || cls === CLASS.ALU64) {
    const r = cls === CLASS.ALU64 ? 'r' : 'w';
    const o = opCode(op);
    if (o === ALU.END) {
      if (cls === CLASS.ALU64) return `${code} r${dst} = bswap${imm} r${dst}`;
      return `${code} r${dst} = ${opSource(op) === SRC.X ? 'be' : 'le'}${imm} r${dst}`;
    }
    if (o === ALU.NEG) return `${code} ${r}${dst} = -${r}${dst}`;
    let s = ALU_STR[o >> 4];
    if ((o === ALU.DIV || o === ALU.MOD) && off === 1) s = `s${s}`;
    if (opSource(op) === SRC.X) {
      if (o === ALU.MOV && off) return `${code} ${r}${dst} = (s${off})${r}${src}`;
      return `${code} ${r}${dst} ${s} ${r}${src}`;
    }
    return `${code} ${r}${dst} ${s} ${imm}`;
  }
  if (cls === CLASS.STX) {
    const sz = SIZE_STR[opSize(op)];
    if (opMode(op) === MODE.MEM) return `${code} *(${sz} *)(r${dst} ${sOff(off)}) = r${src}`;
    if (opMode(op) === MODE.ATOMIC) {
      const a = opSize(op) === SIZE.DW ? '64' : '';
      const base = imm & ~ATOMIC.FETCH;
      const name = ({ [ATOMIC.ADD]: 'add', [ATOMIC.AND]: 'and', [ATOMIC.OR]: 'or', [ATOMIC.XOR]: 'xor' } as Record<number, string>)[base];
      if (name && !(imm & ATOMIC.FETCH)) return `${code} lock *(${sz} *)(r${dst} ${sOff(off)}) ${ALU_STR[base >> 4]} r${src}`;
      if (name) return `${code} r${src} = atomic${a}_fetch_${name}((${sz} *)(r${dst} ${sOff(off)}), r${src})`;
      if (imm === ATOMIC.XCHG) return `${code} r${src} = atomic${a}_xchg((${sz} *)(r${dst} ${sOff(off)}), r${src})`;
      if (imm === ATOMIC.CMPXCHG) return `${code} r0 = atomic${a}_cmpxchg((${sz} *)(r${dst} ${sOff(off)}), r0, r${src})`;
      if (imm === ATOMIC.LOAD_ACQ) return `${code} r${dst} = load_acquire((${sz} *)(r${src} ${sOff(off)}))`;
      if (imm === ATOMIC.STORE_REL) return `${code} store_release((${sz} *)(r${dst} ${sOff(off)}), r${src})`;
    }
    return `${code} BUG_stx_${hex2(op)}`;
  }
  if (cls === CLASS.ST) return `${code} *(${SIZE_STR[opSize(op)]} *)(r${dst} ${sOff(off)}) = ${imm}`;
  if (cls === CLASS.LDX) {
    if (opMode(op) === MODE.MEMSX) return `${code} r${dst} = *(s${SIZE_BITS[opSize(op)]} *)(r${src} ${sOff(off)})`;
    return `${code} r${dst} = *(${SIZE_STR[opSize(op)]} *)(r${src} ${sOff(off)})`;
  }
  if (cls === CLASS.LD) {
    const sz = SIZE_STR[opSize(op)];
    if (opMode(op) === MODE.ABS) return `${code} r0 = *(${sz} *)skb[${imm}]`;
    if (opMode(op) === MODE.IND) return `${code} r0 = *(${sz} *)skb[r${src} + ${imm}]`;
    if (opMode(op) === MODE.IMM && opSize(op) === SIZE.DW) {
      if ((src === 1 || src === 5) && mapName) return `${code} r${dst} = map[${mapName(imm)}]`;
      if ((src === 2 || src === 6) && mapName) return `${code} r${dst} = map[${mapName(imm)}]+${insns[i + 1]?.imm ?? 0}`;
      const hi = BigInt((insns[i + 1]?.imm ?? 0) >>> 0), lo = BigInt(imm >>> 0);
      return `${code} r${dst} = 0x${((hi << 32n) | lo).toString(16)}`;
    }
    return `${code} BUG_ld_${hex2(op)}`;
  }
  // JMP / JMP32
  const o = opCode(op);
  if (o === JMP.CALL) {
    if (src === 1) return `${code} call pc${sOff(imm)}`;
    if (src === 2) return `${code} call kernel-function`;
    const name = helperName(imm);
    return name ? `${code} call bpf_${name}#${imm}` : `${code} call unknown#${imm}`;
  }
  if (o === JMP.EXIT) return `${code} exit`;
  if (o === JMP.JA) return cls === CLASS.JMP32 ? `${code} gotol pc${sOff(imm)}` : `${code} goto pc${sOff(off)}`;
  const r = cls === CLASS.JMP32 ? 'w' : 'r';
  const rhs = opSource(op) === SRC.X ? `${r}${src}` : `0x${(imm >>> 0).toString(16)}`;
  return `${code} if ${r}${dst} ${JMP_STR[o >> 4]} ${rhs} goto pc${sOff(off)}`;
}
