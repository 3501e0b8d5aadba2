import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { validateProgram } from './validate.js';
import { assemble } from './asm.js';
import { OPCODES, lookup, make } from './table.js';
import type { Instruction } from './instruction.js';
import { IsaError } from '../errors.js';
import { testdataDir, listFiles, requireOrSkip } from '../test-support.js';

const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
const EXIT = I(0x95);

function rejects(insns: Instruction[], insn: number, message: RegExp): void {
  assert.throws(() => validateProgram(insns), (e: unknown) => e instanceof IsaError && e.location.insn === insn && message.test(e.message), message.source);
}

test('the table covers RFC 9669 and the v4 additions', () => {
  const count = (pred: (e: (typeof OPCODES)[number]) => boolean) => OPCODES.filter(pred).length;
  assert.equal(count((e) => e.kind === 'alu' && !e.v4), 48); // 12 ops x K/X x ALU/ALU64
  assert.equal(count((e) => e.kind === 'alu' && e.v4), 8); // sdiv/smod x K/X x ALU/ALU64
  assert.equal(count((e) => e.kind === 'movsx'), 5);
  assert.equal(count((e) => e.kind === 'end'), 6);
  assert.equal(count((e) => e.kind === 'bswap'), 3);
  assert.equal(count((e) => e.kind === 'ldsx'), 3);
  assert.equal(count((e) => e.kind === 'atomic'), 20);
  assert.equal(count((e) => e.kind === 'lddw'), 7);
  assert.equal(count((e) => e.kind === 'jcond'), 44);
  assert.equal(count((e) => e.kind === 'call'), 3);
  assert.equal(count((e) => e.kind === 'ldabs' || e.kind === 'ldind'), 6);
  // Every entry is found again by lookup from the instruction it describes.
  for (const e of OPCODES) assert.equal(lookup(make(e)), e, e.mnemonic);
  // Distinct forms: no two entries claim the same encoding.
  const seen = new Set(OPCODES.map((e) => `${e.op}/${JSON.stringify(e.match)}`));
  assert.equal(seen.size, OPCODES.length);
});

test('valid programs pass, returning the entry of each slot', () => {
  const insns = assemble('r1 = 5 ll\nif r1 > 3 goto +1\nr0 = (s16)r1\nlock *(u64 *)(r10 - 8) += r1\ngotol -2\nexit\n');
  const entries = validateProgram(insns);
  assert.equal(entries[0]!.kind, 'lddw');
  assert.equal(entries[1], undefined);
  assert.equal(entries[6]!.kind, 'exit');
});

test('invalid programs fail naming the instruction', () => {
  assert.throws(() => validateProgram([]), IsaError);
  rejects([I(0xb7), I(0xff), EXIT], 1, /unknown opcode 0xff/);
  rejects([I(0x07, 11, 0, 0, 1), EXIT], 0, /invalid register r11/);
  rejects([I(0x0f, 1, 12), EXIT], 0, /invalid register r12/);
  rejects([I(0x07, 1, 0, 1, 1), EXIT], 0, /reserved field off/);
  rejects([I(0xbf, 1, 2, 0, 5), EXIT], 0, /reserved field imm/);
  rejects([I(0xbf, 1, 2, 3), EXIT], 0, /unknown opcode/); // mov with off 3 is no movsx
  rejects([I(0xb7), I(0x18, 1)], 1, /lddw is missing its second half/);
  rejects([I(0x18, 1), I(0x95), EXIT], 1, /second half/);
  rejects([I(0x18, 1, 7), I(0), EXIT], 0, /unknown opcode 0x18/); // no pseudo source 7
  rejects([I(0x05, 0, 0, 5), EXIT], 0, /jump out of range/);
  validateProgram([I(0x05, 0, 0, 0), I(0x18, 1), I(0), EXIT]); // jumping to an lddw itself is fine
  rejects([I(0x05, 0, 0, 1), I(0x18, 1), I(0), EXIT], 0, /into the middle of lddw/);
  rejects([I(0x85, 0, 1, 0, -5), EXIT], 0, /jump out of range/);
  rejects([I(0xdb, 1, 2, 0, 0x02), EXIT], 0, /unknown opcode 0xdb/); // no such atomic operation
  rejects([I(0xd4, 1, 0, 0, 8), EXIT], 0, /unknown opcode 0xd4/); // le8
});

test('every bpf_conformance program validates', (t) => {
  const files = listFiles(path.join(testdataDir, 'bpf_conformance', 'tests'), '.data');
  if (!requireOrSkip(t, files.length > 0, 'the bpf_conformance corpus')) return;
  for (const f of files) {
    const asm = /-- asm\n([\s\S]*?)(?=\n-- |$)/.exec(readFileSync(f, 'utf8'))![1];
    validateProgram(assemble(asm, { syntax: 'conformance' }));
  }
});
