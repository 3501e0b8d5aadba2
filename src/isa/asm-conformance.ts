/**
 * Line parser for the syntax of the bpf_conformance suite (`-- asm` sections): `mov %r0, 1`,
 * `lddw %r1, 0x1122334455667788`, `ldxw %r0, [%r1+2]`, `stxdw [%r10-8], %r1`,
 * `jeq %r1, 3, +2` / `jeq %r1, 3, label`, `lock fetch add32 [%r10-8], %r1`, `call 5`,
 * `call local label`, `call %r2` (callx), `ja32 label`, `label:`. The first `exit` is also the
 * label `exit`. Mnemonics come from the opcode table (`OpcodeInfo.mnemonic`).
 */
import { fail, imm32, jumpTo, lddw, off16, one, parseInteger, parseRegister, type LineParser, type Statement } from './asm-common.js';
import { OPCODES, type OpcodeInfo } from './table.js';

/** Mnemonic → its entries (alu/jcond mnemonics have an immediate and a register form). */
const byMnemonic = new Map<string, OpcodeInfo[]>();
for (const e of OPCODES) byMnemonic.set(e.mnemonic, [...(byMnemonic.get(e.mnemonic) ?? []), e]);

/** Other spellings the suite uses. */
const ALIASES: Readonly<Record<string, string>> = { bswap16: 'swap16', bswap32: 'swap32', bswap64: 'swap64' };

const reg = (s: string): number => parseRegister(s, ['%r']);
const isReg = (s: string): boolean => s.startsWith('%');

/** `[%r1+2]`, `[%r10-8]`, `[%r1]`: base register and offset. */
function memory(s: string): { r: number; off: number } {
  const m = /^\[(%r\d+)(?:([+-])(\S+))?\]$/.exec(s);
  if (!m) fail(`invalid memory operand '${s}'`);
  return { r: reg(m[1]), off: m[2] ? off16(m[2] + m[3]) : 0 };
}

function expect(operands: string[], n: number, mnemonic: string): void {
  if (operands.length !== n) fail(`invalid number of operands for ${mnemonic}: expected ${n}, got ${operands.length}`);
}

/** Entry for `mnemonic` with a register (X) or immediate (K) last operand. */
function pick(mnemonic: string, registerForm: boolean): OpcodeInfo {
  const list = byMnemonic.get(mnemonic);
  if (!list) fail(`invalid mnemonic '${mnemonic}'`);
  return list.find((e) => list.length === 1 || e.uses.src === registerForm) ?? fail(`${mnemonic} takes no ${registerForm ? 'register' : 'immediate'}`);
}

/** Builders per instruction kind, given the entry and the operand strings. */
const BUILD: Partial<Record<OpcodeInfo['kind'], (e: OpcodeInfo, ops: string[]) => Statement>> = {
  alu: (e, ops) => one(e, { dst: reg(ops[0]), ...(isReg(ops[1]) ? { src: reg(ops[1]) } : { imm: imm32(ops[1]) }) }),
  movsx: (e, ops) => one(e, { dst: reg(ops[0]), src: reg(ops[1]) }),
  neg: (e, ops) => one(e, { dst: reg(ops[0]) }),
  end: (e, ops) => one(e, { dst: reg(ops[0]) }),
  bswap: (e, ops) => one(e, { dst: reg(ops[0]) }),
  ldx: (e, ops) => { const m = memory(ops[1]); return one(e, { dst: reg(ops[0]), src: m.r, off: m.off }); },
  ldsx: (e, ops) => { const m = memory(ops[1]); return one(e, { dst: reg(ops[0]), src: m.r, off: m.off }); },
  st: (e, ops) => { const m = memory(ops[0]); return one(e, { dst: m.r, off: m.off, imm: imm32(ops[1]) }); },
  stx: (e, ops) => { const m = memory(ops[0]); return one(e, { dst: m.r, off: m.off, src: reg(ops[1]) }); },
  atomic: (e, ops) => { const m = memory(ops[0]); return one(e, { dst: m.r, off: m.off, src: reg(ops[1]) }); },
  lddw: (e, ops) => lddw(e, reg(ops[0]), parseInteger(ops[1], 64, 'immediate')),
  ldabs: (e, ops) => one(e, { imm: imm32(ops[0]) }),
  ldind: (e, ops) => one(e, { src: reg(ops[0]), imm: imm32(ops[1]) }),
  ja: (e, ops) => jumpTo(e, {}, ops[0], 'off'),
  gotol: (e, ops) => jumpTo(e, {}, ops[0], 'imm'),
  jcond: (e, ops) => jumpTo(e, { dst: reg(ops[0]), ...(isReg(ops[1]) ? { src: reg(ops[1]) } : { imm: imm32(ops[1]) }) }, ops[2], 'off'),
  exit: (e) => one(e, {}),
};

/** Operand count of each kind (calls are handled separately). */
const ARITY: Partial<Record<OpcodeInfo['kind'], number>> = {
  alu: 2, movsx: 2, neg: 1, end: 1, bswap: 1, ldx: 2, ldsx: 2, st: 2, stx: 2, atomic: 2, lddw: 2, ldabs: 1, ldind: 2, ja: 1, gotol: 1, jcond: 3, exit: 0,
};

/** `call 5`, `call helper 5`, `call local label|+N`, `call runtime 5`, `call %r2`. */
function call(ops: string[]): Statement {
  const [mode, target] = ops.length === 1 ? ['helper', ops[0]] : ops;
  if (ops.length < 1 || ops.length > 2) fail(`invalid number of operands for call: ${ops.length}`);
  if (mode === 'helper' && isReg(target)) return one(byMnemonic.get('call')!.find((e) => e.kind === 'callx')!, { dst: reg(target) });
  const mnemonic = { helper: 'call', local: 'call local', runtime: 'call runtime' }[mode] ?? fail(`invalid call mode '${mode}'`);
  const e = byMnemonic.get(mnemonic)!.find((x) => x.kind === 'call')!;
  return mode === 'local' ? jumpTo(e, {}, target, 'imm') : one(e, { imm: imm32(target) });
}

/** Parses one line of conformance syntax. */
export const parseConformanceLine: LineParser = (line) => {
  const words = line.split(/[\s,]+/).filter(Boolean);
  let mnemonic = words.shift()!;
  mnemonic = ALIASES[mnemonic] ?? mnemonic;
  if (mnemonic.endsWith(':') && words.length === 0) return { label: mnemonic.slice(0, -1) };
  if (mnemonic === 'call') return call(words);
  if (mnemonic === 'lock') {
    // lock [fetch] op[32] [%rX+off], %rY
    const fetch = words[0] === 'fetch' ? words.shift()! + ' ' : '';
    if (words.length === 0) fail('invalid number of operands for lock');
    mnemonic = `lock ${fetch}${words.shift()}`;
    if (!byMnemonic.has(mnemonic)) fail(`invalid atomic operation '${mnemonic}'`);
  }
  const first = byMnemonic.get(mnemonic)?.[0];
  if (!first || first.kind === 'call' || first.kind === 'callx') fail(`invalid mnemonic '${mnemonic}'`);
  expect(words, ARITY[first.kind]!, mnemonic);
  const e = pick(mnemonic, words.length > 0 && isReg(words[words.length - (first.kind === 'jcond' ? 2 : 1)]));
  return BUILD[e.kind]!(e, words);
};
