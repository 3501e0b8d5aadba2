/**
 * What the two assembler syntaxes (./asm-llvm.ts, ./asm-conformance.ts) share: lines, labels,
 * number and register parsing, table look-up by properties, jump fix-ups, errors with lines.
 */
import { AsmError } from '../errors.js';
import type { Instruction } from './instruction.js';
import { OP_EXIT } from './opcodes.js';
import { OPCODES, make, type Kind, type OpcodeInfo, type Operation } from './table.js';

export type AsmSyntax = 'llvm' | 'conformance';

/** One parsed statement: its instruction slots and, for symbolic jumps, the label to resolve. */
export interface Statement {
  insns: Instruction[];
  /** Label whose slot index fixes `field` of the first slot, relative to the next slot. */
  target?: { label: string; field: 'off' | 'imm' };
}

/** Parses one line (comments removed, trimmed, non-empty). Returns a label name, a statement or null to ignore. */
export type LineParser = (line: string) => { label: string } | Statement | null;

/** Throws an {@link AsmError} for the line being parsed (the line number is added by the driver). */
export function fail(message: string): never {
  throw new AsmError(message);
}

/**
 * Parses an integer literal (decimal or 0x hex, optional sign) and checks it fits: `bits` wide,
 * decimal values signed, hex values also up to the unsigned maximum (as the conformance suite
 * writes them). Returns the value wrapped to a signed `bits`-bit integer.
 */
export function parseInteger(s: string, bits: 16 | 32 | 64, what: string): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(s);
  if (!m) fail(`invalid ${what} '${s}'`);
  const magnitude = BigInt(m[2]);
  const value = m[1] === '-' ? -magnitude : magnitude;
  const min = -(1n << BigInt(bits - 1));
  const max = m[2].toLowerCase().startsWith('0x') || bits === 64 ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (value < min || value > max) fail(`${what} ${s} out of range for ${bits} bits`);
  return BigInt.asIntN(bits, value);
}

export const imm32 = (s: string): number => Number(parseInteger(s, 32, 'immediate'));
export const off16 = (s: string): number => Number(parseInteger(s, 16, 'offset'));

/** Parses a register name with the given prefix(es) (`r`, `w`, `%r`): r0..r10 only. */
export function parseRegister(s: string, prefixes: readonly string[]): number {
  for (const p of prefixes) {
    if (!s.startsWith(p)) continue;
    const n = s.slice(p.length);
    if (/^(10|[0-9])$/.test(n)) return Number(n);
    break;
  }
  return fail(`invalid register '${s}'`);
}

/** A statement of one slot built from table entry `e`. */
export const one = (e: OpcodeInfo, fields: Partial<Instruction>): Statement => ({ insns: [make(e, fields)] });

/** A jump target: `+N`/`-N` (relative slots) or a label name. */
export function jumpTo(e: OpcodeInfo, fields: Partial<Instruction>, target: string, field: 'off' | 'imm'): Statement {
  if (/^[+-]/.test(target)) return one(e, { ...fields, [field]: field === 'off' ? off16(target) : imm32(target) });
  if (!/^[A-Za-z_.$][\w.$]*$/.test(target)) fail(`invalid jump target '${target}'`);
  return { insns: [make(e, fields)], target: { label: target, field } };
}

/** The two slots of an lddw of `value` with pseudo source `src`. */
export function lddw(e: OpcodeInfo, dst: number, value: bigint): Statement {
  const v = BigInt.asUintN(64, value);
  return {
    insns: [
      make(e, { dst, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)) }),
      { op: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
    ],
  };
}

export interface EntryQuery {
  kind: Kind;
  operation?: Operation;
  is32?: boolean;
  width?: number;
  /** Register (X) rather than immediate (K) source, for alu/jcond. */
  reg?: boolean;
  src?: number;
}

const entryIndex = new Map<string, OpcodeInfo>();
const key = (q: EntryQuery): string => `${q.kind}|${q.operation ?? 'none'}|${!!q.is32}|${q.width ?? 0}|${!!q.reg}|${q.src ?? ''}`;
for (const e of OPCODES) {
  const reg = (e.kind === 'alu' || e.kind === 'jcond') && e.uses.src;
  entryIndex.set(key({ kind: e.kind, operation: e.operation, is32: e.is32, width: e.width, reg, src: e.match.src }), e);
}

/** The table entry with these properties (the assembler's inverse of `lookup`). */
export function findEntry(q: EntryQuery): OpcodeInfo {
  const e = entryIndex.get(key(q));
  if (!e) fail(`no such instruction (${q.kind}${q.operation && q.operation !== 'none' ? ' ' + q.operation : ''}${q.is32 ? ' 32-bit' : ''}${q.width ? ` width ${q.width}` : ''})`);
  return e;
}

/** Removes `#` and `//` comments and surrounding blanks. */
const stripComment = (line: string): string => line.replace(/(#|\/\/).*$/, '').trim();

/**
 * Runs `parse` over every line, then resolves labels; errors carry the 1-based line number.
 * With `implicitExitLabel` (the conformance syntax) the first `exit` is also the label `exit`.
 */
export function assembleWith(source: string, parse: LineParser, implicitExitLabel = false): Instruction[] {
  const labels = new Map<string, number>();
  const insns: Instruction[] = [];
  const fixups: { at: number; line: number; target: NonNullable<Statement['target']> }[] = [];
  let exitLabel = implicitExitLabel;
  source.split(/\r?\n/).forEach((raw, n) => {
    const line = stripComment(raw);
    if (!line) return;
    try {
      const r = parse(line);
      if (!r) return;
      if ('label' in r) {
        if (labels.has(r.label)) fail(`duplicate label '${r.label}'`);
        labels.set(r.label, insns.length);
        return;
      }
      if (r.target) fixups.push({ at: insns.length, line: n + 1, target: r.target });
      if (exitLabel && r.insns[0].op === OP_EXIT) {
        exitLabel = false;
        labels.set('exit', insns.length);
      }
      insns.push(...r.insns);
    } catch (e) {
      if (e instanceof AsmError) throw e.at({ line: n + 1 });
      throw e;
    }
  });
  for (const f of fixups) {
    const dest = labels.get(f.target.label);
    if (dest === undefined) throw new AsmError(`unknown label '${f.target.label}'`, { line: f.line });
    const rel = dest - f.at - 1;
    if (f.target.field === 'off' && (rel < -32768 || rel > 32767)) throw new AsmError(`jump to '${f.target.label}' too far`, { line: f.line });
    insns[f.at][f.target.field] = rel;
  }
  return insns;
}

