/**
 * Property tests with a seeded generator: random bytes never make the decoders, validator or
 * formatters throw anything but IsaError; random well-formed instructions round-trip through
 * both assembler syntaxes; mutated source text only ever raises AsmError.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeInstructions, encodeInstructions, type Instruction } from './instruction.js';
import { validateProgram } from './validate.js';
import { formatInstructionLlvm, formatSectionLlvm, llvmCanonical } from './disasm-llvm.js';
import { formatProgramXlated } from './disasm-xlated.js';
import { formatProgramConformance } from './disasm-conformance.js';
import { assemble } from './asm.js';
import { OPCODES, make, PSEUDO, CALL_KIND } from './table.js';
import { AsmError, IsaError } from '../errors.js';

/** xorshift32: deterministic, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

test('random bytes: only IsaError, and the formatters always produce text', () => {
  const r = rng(12345);
  for (let k = 0; k < 5000; k++) {
    const bytes = Uint8Array.from({ length: r(80) }, () => (r(4) === 0 ? 0 : r(256)));
    assert.equal(typeof formatSectionLlvm('s', bytes, [{ name: 'f', value: r(bytes.length + 1) }]), 'string');
    let insns: Instruction[];
    try {
      insns = decodeInstructions(bytes);
    } catch (e) {
      assert.ok(e instanceof IsaError);
      continue;
    }
    for (let i = 0; i < insns.length; i++) assert.equal(typeof formatInstructionLlvm(insns, i), 'string');
    assert.equal(typeof formatProgramXlated(insns), 'string');
    try {
      validateProgram(insns);
    } catch (e) {
      assert.ok(e instanceof IsaError, String(e));
    }
  }
});

/** A random well-formed instance of a random table entry (lddw with its second half). */
function randomInstruction(r: (n: number) => number): Instruction[] {
  const e = OPCODES[r(OPCODES.length)];
  const int32 = () => (r(3) === 0 ? r(16) - 8 : (r(0x10000) << 16) | r(0x10000));
  const insn = make(e, {
    dst: e.uses.dst ? r(11) : 0,
    src: e.uses.src ? r(11) : 0,
    off: e.uses.off ? r(0x10000) - 0x8000 : 0,
    imm: e.uses.imm ? int32() : 0,
  });
  if (e.kind !== 'lddw') return [insn];
  return [insn, { op: 0, dst: 0, src: 0, off: 0, imm: e.match.src === PSEUDO.IMM || e.match.src === PSEUDO.MAP_VALUE ? int32() : 0 }];
}

test('random well-formed programs round-trip through both syntaxes', () => {
  const r = rng(777);
  for (let k = 0; k < 3000; k++) {
    const insns = Array.from({ length: 1 + r(12) }, () => randomInstruction(r)).flat();
    const bytes = encodeInstructions(insns);
    const llvm = formatSectionLlvm('prog', bytes, [{ name: 'prog', value: 0 }]);
    assert.deepEqual(encodeInstructions(assemble(llvm, { syntax: 'llvm' })), encodeInstructions(llvmCanonical(insns)), llvm);
    const conformanceOk = insns.every((x, i) => !(x.op === 0x18 && x.src !== PSEUDO.IMM) && !(x.op === 0x85 && x.src === CALL_KIND.KFUNC && x.off !== 0) && !(i > 0 && insns[i - 1].op === 0x18));
    if (conformanceOk) {
      const text = formatProgramConformance(insns);
      assert.deepEqual(encodeInstructions(assemble(text, { syntax: 'conformance' })), bytes, text);
    }
  }
});

test('mutated assembly text raises only AsmError', () => {
  const r = rng(4242);
  const sources = [
    'r0 = *(u32 *)(r1 + 4)\nif r0 s> -3 goto +1\nr1 = 0x10 ll\nlock *(u64 *)(r10 - 8) += r1\nw2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)\nLBB0_1:\ngoto LBB0_1\nexit\n',
    'ldxw %r0, [%r1+2]\njeq %r0, 0x3, done\nlddw %r1, 0x1122334455667788\nlock fetch add32 [%r10-8], %r1\ncall local done\ndone:\nexit\n',
  ];
  const alphabet = ' \n%rw0123456789+-*()[],:=<>&|^sxl#ueq';
  for (let k = 0; k < 5000; k++) {
    const chars = [...sources[r(sources.length)]];
    for (let m = 1 + r(4); m > 0; m--) {
      const at = r(chars.length);
      if (r(2)) chars[at] = alphabet[r(alphabet.length)];
      else chars.splice(at, 1);
    }
    try {
      assemble(chars.join(''));
    } catch (e) {
      assert.ok(e instanceof AsmError, `${e} for ${JSON.stringify(chars.join(''))}`);
      assert.ok((e as AsmError).location.line! >= 1);
    }
  }
});
