import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, VmFault } from '../errors.js';
import { OPCODES, make } from '../isa/table.js';
import type { Instruction } from '../isa/instruction.js';
import { Vm } from './interpreter.js';
import { RegionKind } from './memory.js';
import { vmHelpers } from './helpers.js';

/** xorshift32: deterministic fuzzing. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
}

/**
 * Random programs (valid instruction forms with random operands, plus raw random slots) must only
 * ever produce a LoadError at load or a VmFault at run time — never another exception, a hang or
 * an access outside the VM's regions.
 */
test('fuzz: random programs only fail with LoadError or VmFault', (t) => {
  const next = rng(0x5eed);
  const pick = <T>(xs: readonly T[]) => xs[next() % xs.length];
  const interesting = [0, 1, -1, 8, -8, 16, 512, -512, 0x7fffffff, -0x80000000, 4096];
  const vm = new Vm({ budget: 2000 });
  const mem = vm.mem.addRegion(new Uint8Array(64), true, { kind: RegionKind.Packet, name: 'mem' });
  vm.ldAbsRegion = mem;
  const helpers = new Map([...vmHelpers, [5, () => 7]]);
  let loaded = 0, ran = 0, faulted = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const n = 1 + (next() % 24);
    const insns: Instruction[] = [];
    for (let i = 0; i < n; i++) {
      if (next() % 50 === 0) {
        insns.push({ op: next() & 0xff, dst: next() & 15, src: next() & 15, off: (next() << 16) >> 16, imm: next() | 0 });
        continue;
      }
      const e = pick(OPCODES);
      const fields = { dst: next() % 11, src: next() % 11, off: (next() % 2 ? pick(interesting) : (next() % 9) - 4) << 16 >> 16, imm: next() % 2 ? pick(interesting) : next() % 8 };
      const jump = (next() % (2 * n + 1)) - n; // mostly inside the program
      if (e.kind === 'ja' || e.kind === 'jcond') fields.off = jump;
      if (e.kind === 'gotol' || (e.kind === 'call' && e.match.src === 1) || (e.kind === 'lddw' && e.match.src === 4)) fields.imm = jump;
      else if (e.kind === 'call') fields.imm = pick([5, 181, 12, 1, 9999]);
      if (e.kind === 'lddw' && e.match.src !== 0 && e.match.src !== 4 && next() % 4 !== 0) { i--; continue; }
      if (next() % 8) { // mostly well-formed: unused fields zero, r10 not written
        if (!e.uses.dst) fields.dst = 0; else if (!['st', 'stx', 'atomic', 'jcond'].includes(e.kind)) fields.dst %= 10;
        if (!e.uses.src) fields.src = 0;
        if (!e.uses.off) fields.off = 0;
        if (!e.uses.imm) fields.imm = 0;
      }
      insns.push(make(e, fields));
      if (e.kind === 'lddw') insns.push({ op: 0, dst: 0, src: 0, off: 0, imm: next() | 0 });
    }
    if (next() % 8) insns.push({ op: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
    let prog;
    try {
      prog = vm.load(insns, { helpers });
    } catch (e) {
      assert.ok(e instanceof LoadError, `load threw ${(e as Error)?.stack}`);
      continue;
    }
    loaded++;
    try {
      vm.run(prog, vm.mem.pointer(mem, 0), 64);
      ran++;
    } catch (e) {
      assert.ok(e instanceof VmFault, `run threw ${(e as Error)?.stack}`);
      faulted++;
    }
  }
  t.diagnostic(`${loaded} of 3000 loaded, ${ran} ran to exit, ${faulted} faulted`);
  assert.ok(loaded > 200 && ran > 50 && faulted > 50, `loaded ${loaded}, ran ${ran}, faulted ${faulted}`);
});
