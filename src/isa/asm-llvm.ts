/**
 * Line parser for the llvm-objdump syntax printed by ./disasm-llvm.ts (`r1 = *(u32 *)(r2 + 4)`,
 * `if w1 s> 3 goto +2`, `r1 = 0 ll`, `lock *(u64 *)(r1 + 0) += r2`…). Whole `llvm-objdump -d`
 * listings are accepted too: the section header, `<symbol>:` lines and the address/raw-byte
 * columns are skipped, and branch annotations like `<LBB0_3>` are ignored (the numeric offset
 * is what counts). Jumps may also name a label (`goto LBB0_3`, with `LBB0_3:` on its own line),
 * and `call NAME` is a BPF-to-BPF call to a label.
 */
import { fail, findEntry, imm32, jumpTo, lddw, off16, one, parseInteger, parseRegister, type LineParser, type Statement } from './asm-common.js';
import { CALL_KIND, OPERATOR, PSEUDO, type Operation } from './table.js';

/** Operator text → operation, for each group of operations (the inverse of `OPERATOR`). */
function operators(ops: readonly Operation[]): Readonly<Record<string, Operation>> {
  return Object.fromEntries(ops.map((op) => [OPERATOR[op]!, op]));
}
const ALU_OPS = operators(['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh']);
const JMP_OPS = operators(['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle']);
const ATOMIC_OPS = operators(['add', 'or', 'and', 'xor']);

const NUM = '[+-]?(?:0x[0-9a-fA-F]+|\\d+)';
const REG = '[rw]\\d+';
/** `(r1 + 4)`, `(r10 - 8)`: base register and signed offset. */
const ADDR = `r(\\d+) ([+-]) (\\d+)`;

const reg = (s: string): number => parseRegister(s, ['r', 'w']);
const isW = (s: string): boolean => s.startsWith('w');
const addrOff = (sign: string, n: string): number => off16(`${sign}${n}`);
const bytes = (bits: string): number => Number(bits) / 8;

/** Checks that every register of an instruction has the width its class implies. */
function sameWidth(is32: boolean, ...regs: string[]): void {
  for (const r of regs) if (isW(r) !== is32) fail(`register ${r} has the wrong width here`);
}

type Rule = [RegExp, (m: RegExpExecArray) => Statement];

/** One rule per instruction shape, tried in order. */
const RULES: readonly Rule[] = [
  [/^exit$/, () => one(findEntry({ kind: 'exit' }), {})],
  [new RegExp(`^call (${NUM})$`), (m) => one(findEntry({ kind: 'call', src: CALL_KIND.HELPER }), { imm: imm32(m[1]) })],
  [/^call ([A-Za-z_.$][\w.$]*)$/, (m) => jumpTo(findEntry({ kind: 'call', src: CALL_KIND.PSEUDO_CALL }), {}, m[1], 'imm')],
  [/^callx (r\d+)$/, (m) => one(findEntry({ kind: 'callx' }), { dst: reg(m[1]) })],
  [/^goto (\S+)$/, (m) => jumpTo(findEntry({ kind: 'ja' }), {}, m[1], 'off')],
  [/^gotol (\S+)$/, (m) => jumpTo(findEntry({ kind: 'gotol' }), {}, m[1], 'imm')],
  [new RegExp(`^if (${REG}) (\\S+) (${REG}|${NUM}) goto (\\S+)$`), (m) => {
    const operation = JMP_OPS[m[2]] ?? fail(`unknown comparison '${m[2]}'`);
    const is32 = isW(m[1]);
    const isReg = /^[rw]/.test(m[3]);
    sameWidth(is32, m[1], ...(isReg ? [m[3]] : []));
    const e = findEntry({ kind: 'jcond', operation, is32, reg: isReg });
    return jumpTo(e, { dst: reg(m[1]), ...(isReg ? { src: reg(m[3]) } : { imm: imm32(m[3]) }) }, m[4], 'off');
  }],
  [new RegExp(`^(r\\d+) = (${NUM}) ll$`), (m) => lddw(findEntry({ kind: 'lddw', width: 8, src: PSEUDO.IMM }), reg(m[1]), parseInteger(m[2], 64, 'immediate'))],
  [new RegExp(`^ld_pseudo (r\\d+), (\\d+), (${NUM})$`), (m) => {
    const src = Number(m[2]);
    if (src === PSEUDO.IMM || src > PSEUDO.MAP_IDX_VALUE) fail(`invalid ld_pseudo source ${src}`);
    return lddw(findEntry({ kind: 'lddw', width: 8, src }), reg(m[1]), BigInt(imm32(m[3]) >>> 0));
  }],
  [new RegExp(`^(r\\d+) = \\*\\(([us])(8|16|32|64) \\*\\)\\(${ADDR}\\)$`), (m) => {
    const e = findEntry({ kind: m[2] === 's' ? 'ldsx' : 'ldx', width: bytes(m[3]) });
    return one(e, { dst: reg(m[1]), src: reg(`r${m[4]}`), off: addrOff(m[5], m[6]) });
  }],
  [new RegExp(`^\\*\\(u(8|16|32|64) \\*\\)\\(${ADDR}\\) = (${REG}|${NUM})$`), (m) => {
    const isReg = /^[rw]/.test(m[5]);
    const e = findEntry({ kind: isReg ? 'stx' : 'st', width: bytes(m[1]) });
    return one(e, { dst: reg(`r${m[2]}`), off: addrOff(m[3], m[4]), ...(isReg ? { src: reg(m[5]) } : { imm: imm32(m[5]) }) });
  }],
  [new RegExp(`^lock \\*\\(u(32|64) \\*\\)\\(${ADDR}\\) (\\S+) (${REG})$`), (m) => {
    const operation = ATOMIC_OPS[m[5]] ?? fail(`unknown atomic operation '${m[5]}'`);
    const e = findEntry({ kind: 'atomic', operation, is32: m[1] === '32', width: bytes(m[1]) });
    return one(e, { dst: reg(`r${m[2]}`), off: addrOff(m[3], m[4]), src: reg(m[6]) });
  }],
  [new RegExp(`^(${REG}) = atomic_fetch_(add|or|and|xor)\\(\\(u(32|64) \\*\\)\\(${ADDR}\\), (${REG})\\)$`), (m) => {
    const is32 = m[3] === '32';
    sameWidth(is32, m[1], m[7]);
    if (m[1] !== m[7]) fail('atomic_fetch_* must name the same register twice');
    const e = findEntry({ kind: 'atomic', operation: `fetch_${m[2]}` as Operation, is32, width: bytes(m[3]) });
    return one(e, { dst: reg(`r${m[4]}`), off: addrOff(m[5], m[6]), src: reg(m[7]) });
  }],
  [new RegExp(`^(${REG}) = (xchg_64|xchg32_32)\\(${ADDR}, (${REG})\\)$`), (m) => {
    const is32 = m[2] === 'xchg32_32';
    sameWidth(is32, m[1], m[6]);
    if (m[1] !== m[6]) fail('xchg must name the same register twice');
    return one(findEntry({ kind: 'atomic', operation: 'xchg', is32, width: is32 ? 4 : 8 }), { dst: reg(`r${m[3]}`), off: addrOff(m[4], m[5]), src: reg(m[6]) });
  }],
  [new RegExp(`^([rw]0) = (cmpxchg_64|cmpxchg32_32)\\(${ADDR}, ([rw]0), (${REG})\\)$`), (m) => {
    const is32 = m[2] === 'cmpxchg32_32';
    sameWidth(is32, m[1], m[6], m[7]);
    return one(findEntry({ kind: 'atomic', operation: 'cmpxchg', is32, width: is32 ? 4 : 8 }), { dst: reg(`r${m[3]}`), off: addrOff(m[4], m[5]), src: reg(m[7]) });
  }],
  [new RegExp(`^r0 = \\*\\(u(8|16|32) \\*\\)skb\\[(${NUM})\\]$`), (m) => one(findEntry({ kind: 'ldabs', width: bytes(m[1]) }), { imm: imm32(m[2]) })],
  [/^r0 = \*\(u(8|16|32) \*\)skb\[(r\d+)\]$/, (m) => one(findEntry({ kind: 'ldind', width: bytes(m[1]) }), { src: reg(m[2]) })],
  [/^(r\d+) = (le|be|bswap)(16|32|64) (r\d+)$/, (m) => {
    if (m[1] !== m[4]) fail(`${m[2]}${m[3]} must name the same register twice`);
    const e = m[2] === 'bswap' ? findEntry({ kind: 'bswap', width: Number(m[3]) }) : findEntry({ kind: 'end', operation: m[2] as Operation, is32: true, width: Number(m[3]) });
    return one(e, { dst: reg(m[1]) });
  }],
  [new RegExp(`^(${REG}) = -(${REG})$`), (m) => {
    if (m[1] !== m[2]) fail('negation must name the same register twice');
    return one(findEntry({ kind: 'neg', is32: isW(m[1]) }), { dst: reg(m[1]) });
  }],
  [new RegExp(`^(${REG}) = \\(s(8|16|32)\\)(${REG})$`), (m) => {
    const is32 = isW(m[1]);
    sameWidth(is32, m[1], m[3]);
    return one(findEntry({ kind: 'movsx', operation: 'mov', is32, width: Number(m[2]) }), { dst: reg(m[1]), src: reg(m[3]) });
  }],
  [new RegExp(`^(${REG}) (\\S*=) (${REG}|${NUM})$`), (m) => {
    const operation = ALU_OPS[m[2]] ?? fail(`unknown operator '${m[2]}'`);
    const is32 = isW(m[1]);
    const isReg = /^[rw]/.test(m[3]);
    sameWidth(is32, m[1], ...(isReg ? [m[3]] : []));
    const e = findEntry({ kind: 'alu', operation, is32, reg: isReg });
    return one(e, { dst: reg(m[1]), ...(isReg ? { src: reg(m[3]) } : { imm: imm32(m[3]) }) });
  }],
];

/** Lines of an llvm-objdump listing that carry no instruction. */
const IGNORED = [/^Disassembly of section .*:$/, /^\S+:\s+file format \S+$/, /^[0-9a-f]+ <[^>]*>:$/];

/** Parses one line of llvm syntax. */
export const parseLlvmLine: LineParser = (line) => {
  if (IGNORED.some((r) => r.test(line))) return null;
  if (line === '...') fail('a `...` run of zero bytes cannot be assembled');
  const label = /^([A-Za-z_.$][\w.$]*):$/.exec(line);
  if (label) return { label: label[1] };
  // Address and raw-byte columns of llvm-objdump, then a trailing branch annotation.
  const text = line.replace(/^\d+:\s+(?:[0-9a-f]{2} )*[0-9a-f]{2}\s+/, '').replace(/ <[^<>]*>$/, '').replace(/\s+/g, ' ').replace(/ ,/g, ',');
  if (text === '<unknown>') fail('cannot assemble an <unknown> instruction');
  for (const [re, build] of RULES) {
    const m = re.exec(text);
    if (m) return build(m);
  }
  return fail(`cannot parse instruction '${text}'`);
};
