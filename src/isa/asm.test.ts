import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { assemble, assembleBytes, detectSyntax } from './asm.js';
import { decodeInstructions, encodeInstructions, type Instruction } from './instruction.js';
import { formatInstructionLlvm, formatSectionLlvm, llvmCanonical } from './disasm-llvm.js';
import { formatProgramConformance } from './disasm-conformance.js';
import { lookup, OPCODES, make, CALL_KIND } from './table.js';
import { validateProgram } from './validate.js';
import { AsmError, IsaError } from '../errors.js';
import { objdump, readelfSections, sectionBytes } from './objdump.test-helper.js';
import { testdataDir, listFiles, requireOrSkip, hasTool } from '../test-support.js';

const conformanceDir = path.join(testdataDir, 'bpf_conformance');
const cases = listFiles(path.join(conformanceDir, 'tests'), '.data');
const negatives = listFiles(path.join(conformanceDir, 'negative'), '.data');

/** The sections of a bpf_conformance `.data` file (`-- asm`, `-- raw`, …). */
function parseData(file: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^-- (.*)$/.exec(line);
    if (m) {
      if (!['asm', 'raw', 'mem', 'result', 'error', 'c', 'no register offset'].includes(m[1])) throw new Error(`unknown directive '${m[1]}'`);
      current = m[1];
      sections.set(current, '');
    } else if (current) sections.set(current, sections.get(current)! + line + '\n');
  }
  return sections;
}
/** `-- raw` as bytes: one 64-bit hex word per line (`0x…`) or 8 space-separated bytes. */
function rawBytes(raw: string): Uint8Array {
  const out: number[] = [];
  for (const line of raw.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    if (line.startsWith('0x')) {
      const v = BigInt(line);
      for (let k = 0n; k < 8n; k++) out.push(Number((v >> (8n * k)) & 0xffn));
    } else out.push(...line.split(/\s+/).map((h) => parseInt(h, 16)));
  }
  return Uint8Array.from(out);
}
const llvmText = (insns: Instruction[]): string => {
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i += lookup(insns[i])?.kind === 'lddw' ? 2 : 1) lines.push(formatInstructionLlvm(insns, i));
  return lines.join('\n');
};

test('assembles both syntaxes to the same bytes', () => {
  const llvm = 'r0 = *(u32 *)(r1 + 2)\nif r0 > 5 goto +1\nr1 = 0x1122334455667788 ll\nlock *(u64 *)(r10 - 8) += r1\nw0 s%= 3\nexit\n';
  const conf = 'ldxw %r0, [%r1+2]\njgt %r0, 5, +1\nlddw %r1, 0x1122334455667788\nlock add [%r10-8], %r1\nsmod32 %r0, 3\nexit\n';
  assert.equal(detectSyntax(llvm), 'llvm');
  assert.equal(detectSyntax(conf), 'conformance');
  assert.equal(detectSyntax('call local f\nexit\nf:\nexit\n'), 'conformance');
  assert.equal(detectSyntax('LBB0_1:\nlock *(u32 *)(r1 + 0) += r2\nstart:\nexit\n'), 'llvm');
  assert.deepEqual(assembleBytes(llvm), assembleBytes(conf));
  assert.equal(assemble(llvm).length, 7);
});

test('labels, implicit exit label and error line numbers', () => {
  const insns = assemble('mov %r0, 0\njeq %r1, 0, exit\nja done\nexit\ndone:\nmov %r0, 1\nexit\n');
  assert.equal(insns[1].off, 1);
  assert.equal(insns[2].off, 1);
  const llvm = assemble('goto LBB0_2\nr0 = 1\nLBB0_2:\ncall sub\nexit\nsub:\nexit\n', { syntax: 'llvm' });
  assert.deepEqual([llvm[0].off, llvm[2].imm, llvm[2].src], [1, 1, CALL_KIND.PSEUDO_CALL]);
  const bad = (src: string, line: number) =>
    assert.throws(() => assemble(src), (e: unknown) => e instanceof AsmError && e.location.line === line, src);
  bad('mov %r0, 1\n\nfoo %r0\n', 3);
  bad('r0 = 1\nr0 ?= 2\n', 2);
  bad('exit\ngoto nowhere\n', 2);
  bad('r11 = 1\n', 1);
  bad('w1 = r2\n', 1);
  bad('r1 = *(u32 *)(r2 + 32768)\n', 1);
  bad('mov32 %r0, 0x100000000\n', 1);
});

test('every table entry round-trips through both syntaxes', () => {
  for (const e of OPCODES) {
    const insns = [make(e, { dst: e.uses.dst ? 3 : 0, src: e.uses.src ? 4 : 0, off: e.uses.off && e.kind !== 'call' ? -6 : 0, imm: e.uses.imm ? 7 : 0 })];
    if (e.kind === 'lddw') insns.push({ op: 0, dst: 0, src: 0, off: 0, imm: e.match.src ? 0 : 9 });
    const bytes = encodeInstructions(insns);
    const expect = encodeInstructions(llvmCanonical(insns));
    assert.deepEqual(assembleBytes(llvmText(insns), { syntax: 'llvm' }), expect, `${e.mnemonic}: ${llvmText(insns)}`);
    if (e.kind !== 'lddw' || !e.match.src) {
      assert.deepEqual(assembleBytes(formatProgramConformance(insns), { syntax: 'conformance' }), bytes, e.mnemonic);
    }
  }
});

test('bpf_conformance: every program assembles, matches its -- raw, and round-trips', (t) => {
  if (!requireOrSkip(t, cases.length > 0, 'the bpf_conformance corpus')) return;
  let raw = 0, callKinds = 0;
  for (const file of cases) {
    const data = parseData(file);
    const name = path.basename(file);
    const insns = assemble(data.get('asm')!, { syntax: 'conformance' });
    const bytes = encodeInstructions(insns);
    if (data.has('raw')) {
      raw++;
      assert.deepEqual(bytes, rawBytes(data.get('raw')!), name);
    }
    assert.deepEqual(assembleBytes(formatProgramConformance(insns), { syntax: 'conformance' }), bytes, `${name} (conformance syntax)`);
    const viaLlvm = assemble(llvmText(insns), { syntax: 'llvm' });
    assert.deepEqual(encodeInstructions(viaLlvm), encodeInstructions(llvmCanonical(insns)), `${name} (llvm syntax)`);
    if (insns.some((x) => x.op === 0x85 && x.src !== 0)) callKinds++;
  }
  t.diagnostic(`${cases.length} programs, ${raw} with -- raw; ${callKinds} contain BPF-to-BPF calls, whose kind llvm syntax does not carry`);
  assert.equal(cases.length, 313);
});

/** The negative cases that are assembler errors; the rest are run-time or encoding cases. */
const ASM_NEGATIVES = [
  'invalid_imm32_dec_range', 'invalid_imm32_hex_range', 'invalid_label', 'invalid_lock', 'invalid_lock2', 'invalid_mnemonic',
  'invalid_offset', 'invalid_offset_range', 'invalid_operand_count', 'invalid_register',
];
/** Negative cases about running a program, not about its text or encoding. */
const RUNTIME_NEGATIVES = ['empty', 'empty_instructions', 'error', 'incorrect_return_value_high_bits'];

test('bpf_conformance negative/: assembler cases fail with AsmError, raw cases fail validation', (t) => {
  if (!requireOrSkip(t, negatives.length > 0, 'the bpf_conformance corpus')) return;
  const seen = { asm: 0, raw: 0, directive: 0, runtime: 0 };
  for (const file of negatives) {
    const name = path.basename(file, '.data');
    if (name === 'invalid_unknown_directive') {
      assert.throws(() => parseData(file), /unknown directive/);
      seen.directive++;
      continue;
    }
    const data = parseData(file);
    if (ASM_NEGATIVES.includes(name)) {
      assert.throws(() => assemble(data.get('asm')!, { syntax: 'conformance' }), (e: unknown) => e instanceof AsmError && e.location.line !== undefined, name);
      seen.asm++;
    } else if (data.has('raw')) {
      assert.throws(() => validateProgram(decodeInstructions(rawBytes(data.get('raw')!))), (e: unknown) => e instanceof IsaError && e.location.insn === 0, name);
      seen.raw++;
    } else {
      assert.ok(RUNTIME_NEGATIVES.includes(name), `unclassified negative case ${name}`);
      seen.runtime++;
    }
  }
  t.diagnostic(JSON.stringify(seen));
  assert.equal(seen.asm, ASM_NEGATIVES.length);
});

test('ebpf-samples: assemble(disassemble_llvm(section)) == section bytes', (t) => {
  if (!requireOrSkip(t, hasTool('llvm-objdump') && hasTool('llvm-readelf'), 'llvm-objdump and llvm-readelf')) return;
  const corpus = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o');
  let sections = 0, slots = 0, pseudoCalls = 0;
  const notAssemblable: string[] = [];
  for (const file of corpus) {
    const dump = objdump(file);
    if (!dump.ok) continue;
    const elf = readelfSections(file);
    for (const sec of dump.sections) {
      const info = elf.get(sec.name);
      if (!info || info.size === 0) continue;
      const bytes = sectionBytes(sec.lines, info.size);
      const where = `${path.relative(testdataDir, file)} ${sec.name}`;
      const listing = formatSectionLlvm(sec.name, bytes, info.symbols);
      if (/^\t\t\.\.\.$|<unknown>/m.test(listing)) {
        // Zero runs and undecodable bytes have no text to assemble: the assembler must say so.
        assert.throws(() => assemble(listing, { syntax: 'llvm' }), AsmError, where);
        notAssemblable.push(where);
        continue;
      }
      const insns = assemble(listing, { syntax: 'llvm' });
      const original = decodeInstructions(bytes);
      pseudoCalls += original.filter((x) => x.op === 0x85 && x.src !== 0).length;
      assert.deepEqual(encodeInstructions(insns), encodeInstructions(llvmCanonical(original)), where);
      sections++;
      slots += insns.length;
    }
  }
  t.diagnostic(`${sections} sections, ${slots} slots round-tripped; ${pseudoCalls} BPF-to-BPF calls compared without their kind`);
  t.diagnostic(`not assemblable (zero runs or <unknown>): ${notAssemblable.join('; ') || 'none'}`);
  assert.ok(slots > 400000);
});
