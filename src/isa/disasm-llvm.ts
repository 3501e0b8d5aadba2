/**
 * Disassembler in the syntax of `llvm-objdump -d` (LLVM 14, as installed on the reference
 * machines): `r0 = *(u32 *)(r1 + 4)`, `if r2 > r3 goto +5 <LBB0_3>`, `r1 = 0 ll`, `call 1`,
 * `lock *(u64 *)(r1 + 0) += r2`, with the section header, `<symbol>:` labels, addresses and raw
 * bytes of a whole section.
 *
 * Where LLVM 14 cannot print an instruction faithfully, the syntax of newer LLVM releases is used
 * instead (see {@link llvm14Deviation}); everything else is byte-for-byte what LLVM 14 prints:
 * - v4 instructions (LLVM 14 prints `<unknown>` or drops the v4 meaning):
 *   `r0 s/= r1`, `r0 s%= r1`, `r1 = (s8)r2`, `w1 = (s16)w2`, `r1 = *(s8 *)(r2 + 0)`,
 *   `r0 = bswap16 r0`, `gotol +3`;
 * - `mod` (LLVM 14 has no BPF modulo): `r0 %= r1`, `w0 %= 3`;
 * - store-immediate (`BPF_ST`): `*(u32 *)(r1 + 2) = -1`;
 * - 32-bit atomics other than plain add: `lock *(u32 *)(r1 + 0) |= r2`,
 *   `w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)`, `w2 = xchg32_32(r1 + 0, w2)`,
 *   `w0 = cmpxchg32_32(r1 + 0, w0, w2)`;
 * - `callx` names its register from `dst` (as GCC, the conformance suite and newer LLVM do),
 *   where LLVM 14 reads it from `imm`.
 * - `jset` (`if r1 & r2 goto +1`), which LLVM 14 lacks too.
 * Encodings that are no valid instruction (unknown forms, reserved fields set, registers above
 * r10) print `<unknown>`; LLVM 14 prints some of those leniently, ignoring reserved fields.
 * LLVM's text does not say whether a `call` is a helper call, a BPF-to-BPF call or a kfunc call.
 */
import type { Instruction } from './instruction.js';
import { decodeInstructions, ldImm64Value, INSN_SIZE } from './instruction.js';
import { encodingProblem, lookup, MAX_REG, OPERATOR, type Kind, type OpcodeInfo } from './table.js';

/** A symbol of the section being disassembled: its name and its byte offset in the section. */
export interface SectionSymbol {
  name: string;
  value: number;
}


const reg = (n: number, w = false): string => (w ? 'w' : 'r') + n;
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
/** `(r1 + 4)` / `(r10 - 8)`. */
const memRef = (r: number, off: number): string => `(r${r} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`;
const unsignedType = (width: number): string => `u${width * 8}`;

type Formatter = (insn: Instruction, e: OpcodeInfo, insns: readonly Instruction[], i: number) => string;

/** Text of each instruction kind (the LLVM assembly string of the matching instruction). */
const FORMAT: Readonly<Record<Kind, Formatter>> = {
  alu: (x, e) => `${reg(x.dst, e.is32)} ${OPERATOR[e.operation]} ${e.uses.src ? reg(x.src, e.is32) : x.imm}`,
  neg: (x, e) => `${reg(x.dst, e.is32)} = -${reg(x.dst, e.is32)}`,
  movsx: (x, e) => `${reg(x.dst, e.is32)} = (s${e.width})${reg(x.src, e.is32)}`,
  end: (x, e) => `r${x.dst} = ${e.operation}${e.width} r${x.dst}`,
  bswap: (x, e) => `r${x.dst} = bswap${e.width} r${x.dst}`,
  ldx: (x, e) => `r${x.dst} = *(${unsignedType(e.width)} *)${memRef(x.src, x.off)}`,
  ldsx: (x, e) => `r${x.dst} = *(s${e.width * 8} *)${memRef(x.src, x.off)}`,
  st: (x, e) => `*(${unsignedType(e.width)} *)${memRef(x.dst, x.off)} = ${x.imm}`,
  stx: (x, e) => `*(${unsignedType(e.width)} *)${memRef(x.dst, x.off)} = r${x.src}`,
  atomic: (x, e) => {
    const addr = `r${x.dst} ${x.off < 0 ? '-' : '+'} ${Math.abs(x.off)}`;
    const type = unsignedType(e.width);
    const v = reg(x.src, e.is32);
    if (OPERATOR[e.operation]) return `lock *(${type} *)(${addr}) ${OPERATOR[e.operation]} r${x.src}`;
    if (e.operation === 'xchg') return `${v} = ${e.is32 ? 'xchg32_32' : 'xchg_64'}(${addr}, ${v})`;
    if (e.operation === 'cmpxchg') {
      const r0 = reg(0, e.is32);
      return `${r0} = ${e.is32 ? 'cmpxchg32_32' : 'cmpxchg_64'}(${addr}, ${r0}, ${v})`;
    }
    return `${v} = atomic_${e.operation}((${type} *)(${addr}), ${v})`;
  },
  lddw: (x, e, insns, i) =>
    e.match.src === 0 ? `r${x.dst} = ${BigInt.asIntN(64, ldImm64Value(insns, i))} ll` : `ld_pseudo\tr${x.dst}, ${x.src}, ${x.imm}`,
  ldabs: (x, e) => `r0 = *(${unsignedType(e.width)} *)skb[${x.imm}]`,
  ldind: (x, e) => `r0 = *(${unsignedType(e.width)} *)skb[r${x.src}]`,
  ja: (x) => `goto ${signed(x.off)}`,
  gotol: (x) => `gotol ${signed(x.imm)}`,
  jcond: (x, e) =>
    `if ${reg(x.dst, e.is32)} ${OPERATOR[e.operation]} ${e.uses.src ? reg(x.src, e.is32) : x.imm} goto ${signed(x.off)}`,
  call: (x) => `call ${x.imm}`,
  callx: (x) => `callx r${x.dst}`,
  exit: () => 'exit',
};

/**
 * The llvm-objdump text of the instruction at slot `i` (without address, bytes or branch-target
 * annotation), or `<unknown>` when it is no valid instruction (or an `lddw` lacks its second half).
 */
export function formatInstructionLlvm(insns: readonly Instruction[], i: number): string {
  const x = insns[i];
  const e = lookup(x);
  if (!e || encodingProblem(e, x)) return '<unknown>';
  if (e.kind === 'lddw' && i + 1 >= insns.length) return '<unknown>';
  return FORMAT[e.kind](x, e, insns, i);
}

/**
 * Why LLVM 14's llvm-objdump prints `insn` differently from {@link formatInstructionLlvm}, or
 * undefined when both print the same text. LLVM 14 lacks these forms (or decodes them lossily).
 */
export function llvm14Deviation(insn: Instruction): string | undefined {
  const e = lookup(insn);
  if (!e || encodingProblem(e, insn)) return 'invalid encoding (LLVM 14 ignores some reserved fields)';
  if (e.v4) return 'v4 instruction';
  if (e.operation === 'jset') return 'jset (absent from LLVM 14)';
  if (e.operation === 'mod') return 'mod (no BPF modulo in LLVM 14)';
  if (e.kind === 'st') return 'store immediate (BPF_ST)';
  if (e.kind === 'atomic' && e.is32 && e.operation !== 'add') return '32-bit atomic other than add';
  if (e.kind === 'callx') return 'callx register in dst';
  return undefined;
}

/**
 * `insns` reduced to what LLVM's text carries, i.e. what assembling the llvm-syntax text gives
 * back: LLVM prints every call as `call N` (no helper/BPF-to-BPF/kfunc kind), `skb[rN]` without
 * the immediate of an indirect packet load, and `ld_pseudo` without the upper half.
 */
export function llvmCanonical(insns: readonly Instruction[]): Instruction[] {
  return insns.map((x, i) => {
    const e = lookup(x);
    if (e?.kind === 'call') return { ...x, src: 0, off: 0 };
    if (e?.kind === 'ldind') return { ...x, imm: 0 };
    const prev = i > 0 ? lookup(insns[i - 1]) : undefined;
    if (prev?.kind === 'lddw' && prev.match.src !== 0 && x.op === 0) return { ...x, imm: 0 };
    return { ...x };
  });
}

/** Relative branch offset (in slots) of the jump at `x`, or undefined when it is no branch. */
function branchOffset(x: Instruction, e: OpcodeInfo): number | undefined {
  if (e.kind === 'ja' || e.kind === 'jcond') return x.off;
  if (e.kind === 'gotol') return x.imm;
  return undefined;
}

const hex16 = (n: number): string => n.toString(16).padStart(16, '0');
const MASK64 = (1n << 64n) - 1n;

/**
 * A whole section as `llvm-objdump -d` prints it: `Disassembly of section NAME:`, then for each
 * symbol `0000000000000000 <sym>:` and its instructions as `   addr:\tbytes\ttext`, branch
 * targets annotated `<sym+0xoff>`. `symbols` are the section's non-section symbols (functions,
 * `LBB` labels…) with byte offsets; like llvm-objdump, a dummy symbol named after the section is
 * added when none starts at 0, and of several symbols at one address only the last in (address,
 * name) order gets a label. Runs of 8 or more zero bytes print as `...`.
 */
export function formatSectionLlvm(name: string, bytes: Uint8Array, symbols: readonly SectionSymbol[]): string {
  const syms = symbols
    .map((s, order) => ({ ...s, order }))
    .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.order - b.order);
  if (syms.length === 0 || syms[0].value !== 0) syms.unshift({ name, value: 0, order: -1 });
  const out: string[] = [`Disassembly of section ${name}:`];
  for (let si = 0; si < syms.length; si++) {
    const start = syms[si].value;
    const end = Math.min(bytes.length, si + 1 < syms.length ? syms[si + 1].value : bytes.length);
    if (start >= end) continue;
    out.push('', `${hex16(start)} <${syms[si].name}>:`);
    let index = start;
    while (index < end) {
      const zeros = countZeros(bytes, index, end);
      if (zeros >= 8) {
        out.push('\t\t...');
        index += zeros & ~3;
        continue;
      }
      const { size, text } = decodeAt(bytes, index, syms);
      const raw = Array.from(bytes.subarray(index, index + size), (b) => b.toString(16).padStart(2, '0')).join(' ');
      out.push(`${Math.floor(index / INSN_SIZE).toString().padStart(8)}:\t${raw}\t${text}`);
      index += size;
    }
  }
  return out.join('\n') + '\n';
}

function countZeros(bytes: Uint8Array, from: number, end: number): number {
  let n = from;
  while (n < end && bytes[n] === 0) n++;
  return n - from;
}

/** Decodes one instruction at byte `index` as llvm-objdump does, sizing unknown bytes like it. */
function decodeAt(bytes: Uint8Array, index: number, syms: readonly SectionSymbol[]): { size: number; text: string } {
  if (bytes.length - index < INSN_SIZE) return { size: 1, text: '<unknown>' };
  const avail = bytes.length - index >= 2 * INSN_SIZE ? 2 * INSN_SIZE : INSN_SIZE;
  const insns = decodeInstructions(bytes.subarray(index, index + avail));
  const text = formatInstructionLlvm(insns, 0);
  if (text === '<unknown>') {
    // llvm-objdump steps one byte past an lddw it decoded but could not complete.
    const truncatedLddw = lookup(insns[0])?.kind === 'lddw' && insns.length < 2 && insns[0].dst <= MAX_REG;
    return { size: truncatedLddw ? 1 : INSN_SIZE, text };
  }
  const e = lookup(insns[0])!;
  const size = e.kind === 'lddw' ? 16 : INSN_SIZE;
  const rel = branchOffset(insns[0], e);
  return { size, text: rel === undefined ? text : `${text} ${targetLabel(index, rel, syms)}` };
}

/** llvm-objdump's ` <sym+0xN>` branch annotation: the last symbol at or before the target. */
function targetLabel(index: number, rel: number, syms: readonly SectionSymbol[]): string {
  const target = BigInt.asUintN(64, BigInt(index + INSN_SIZE + rel * INSN_SIZE));
  let best: SectionSymbol | undefined;
  for (const s of syms) if (BigInt(s.value) <= target) best = s;
  if (!best) return '';
  const disp = (target - BigInt(best.value)) & MASK64;
  return `<${best.name}${disp ? `+0x${disp.toString(16)}` : ''}>`;
}
