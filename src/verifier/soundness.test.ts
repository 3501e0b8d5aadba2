import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ALU, CLASS, JMP, MODE, OP_EXIT, SIZE, SRC } from '../isa/opcodes.js';
import type { Instruction } from '../isa/instruction.js';
import { BPF_PROG_TYPE } from '../uapi/index.js';
import { isRoot, listFiles, repoRoot, requireOrSkip, testdataDir } from '../test-support.js';
import { kernelErrorLine, kernelVerify } from './kernel-oracle.js';
import {
  corpusFromConformance, corpusFromObjects, formatFinding, Prng, generateProgram, runOnce, runSoundness, shrink, type FuzzProgram,
} from './soundness.js';
import { verify } from './verifier.js';

const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
const EXIT = I(OP_EXIT);

async function corpus(): Promise<FuzzProgram[]> {
  const objects = listFiles(path.join(repoRoot, 'examples'), '.o');
  const conformance = listFiles(path.join(testdataDir, 'bpf_conformance', 'tests'), '.data');
  return [...await corpusFromObjects(objects), ...corpusFromConformance(conformance)];
}

test('soundness: no verifier-accepted program faults in the VM (2,500 programs, fixed seed)', async (t) => {
  const s = runSoundness({ seed: 0x50d, count: 2500, corpus: await corpus() });
  t.diagnostic(`${s.programs} programs, ${s.accepted} accepted (${(100 * s.accepted / s.programs).toFixed(1)}%), ${s.runs} VM runs, ` +
    `${s.faults} safety faults, ${s.otherFaults} other faults, ${s.refused} refused, ${(s.programs / s.seconds).toFixed(0)} programs/s`);
  for (const [k, v] of s.byOrigin) t.diagnostic(`${k}: ${v.accepted}/${v.total} accepted`);
  assert.equal(s.faults, 0, s.findings.map((f) => `${formatFinding(f)}\n${f.log}`).join('\n\n'));
  // The fuzzer must have teeth: most programs get verified and run, and the probes get some rejected.
  assert.ok(s.accepted > s.programs * 0.3 && s.accepted < s.programs * 0.9, `accepted ${s.accepted} of ${s.programs}`);
  assert.ok(s.runs >= s.accepted * 3, `runs ${s.runs}`);
  assert.ok((s.byOrigin.get('mutcorpus')?.total ?? 0) > 0, 'corpus mutants were generated');
});

test('soundness: generation is deterministic per seed', () => {
  const a = generateProgram(new Prng(42)), b = generateProgram(new Prng(42));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.insns, generateProgram(new Prng(43)).insns);
});

/** Programs the fuzzer found faulting (VM bugs, now fixed): each must be accepted and run cleanly. */
const REGRESSIONS: { name: string; progType: number; insns: Instruction[] }[] = [
  { // VM refused 8-byte loads of __sk_buff cb[] (the kernel treats cb as plain memory)
    name: 'tc: r4 = *(u64 *)(r1 + cb)', progType: BPF_PROG_TYPE.SCHED_CLS,
    insns: [I(CLASS.ALU64 | ALU.MOV | SRC.X, 6, 1), I(CLASS.LDX | MODE.MEM | SIZE.DW, 4, 6, 48), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 2), EXIT],
  },
  { // VM refused tc reads of __sk_buff hwtstamp
    name: 'tc: r0 = *(u64 *)(r1 + hwtstamp)', progType: BPF_PROG_TYPE.SCHED_CLS,
    insns: [I(CLASS.ALU64 | ALU.MOV | SRC.X, 6, 1), I(CLASS.LDX | MODE.MEM | SIZE.DW, 0, 6, 184), EXIT],
  },
  { // narrow stores into cb[] (kernel: allowed)
    name: 'socket_filter: *(u8 *)(r1 + cb + 3) = 7; *(u64 *)(r1 + cb + 8) = 1', progType: BPF_PROG_TYPE.SOCKET_FILTER,
    insns: [I(CLASS.ST | MODE.MEM | SIZE.B, 1, 0, 51, 7), I(CLASS.ST | MODE.MEM | SIZE.DW, 1, 0, 56, 1), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT],
  },
];

test('soundness: regression programs found by the fuzzer', () => {
  for (const c of REGRESSIONS) {
    const p: FuzzProgram = { origin: c.name, progType: c.progType, insns: c.insns, maps: [], edges: [] };
    assert.ok(verify({ progType: c.progType, insns: c.insns, maps: [] }).accepted, `${c.name}: verifier`);
    const out = runOnce(p, { packet: new Uint8Array(60), mapValues: [] });
    assert.equal(out.kind, 'ok', `${c.name}: ${JSON.stringify(out)}`);
  }
});

test('soundness: regression: atomics on map values must be aligned (kernel: strict alignment for atomics)', () => {
  // Found by the kernel cross-check: tsbpf accepted `lock *(u32 *)(r0 + 11) += r4` on a map value.
  const maps = [{ name: 'm', type: 2, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 }];
  const prog = (off: number) => [
    I(CLASS.ST | MODE.MEM | SIZE.W, 10, 0, -4, 0), I(0x18, 1, 5, 0, 0), I(0), I(CLASS.ALU64 | ALU.MOV | SRC.X, 2, 10),
    I(CLASS.ALU64 | ALU.ADD, 2, 0, 0, -4), I(0x85, 0, 0, 0, 1), I(CLASS.JMP | JMP.JEQ, 0, 0, 2, 0), I(CLASS.ALU64 | ALU.MOV, 4, 0, 0, 1),
    I(CLASS.STX | MODE.ATOMIC | SIZE.W, 0, 4, off, 0), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT,
  ];
  assert.equal(verify({ progType: BPF_PROG_TYPE.XDP, insns: prog(11), maps }).error?.message, 'misaligned value access off 0+0+11 size 4');
  assert.ok(verify({ progType: BPF_PROG_TYPE.XDP, insns: prog(8), maps }).accepted);
});

/**
 * Programs with a NULL dereference the verifier wrongly proved unreachable (the fuzzer's
 * dead-branch probe reached it in the VM); the kernel rejects each with this message.
 */
const DEAD_BRANCH_REGRESSIONS: { name: string; progType: number; insns: Instruction[] }[] = [
  { // deduce64: s64 [-128, 127] with u64 >= 255 must keep the negative half live
    name: 'r9 = (s8)prandom; if r9 >= 255 goto trap', progType: BPF_PROG_TYPE.SOCKET_FILTER,
    insns: [
      I(0x85, 0, 0, 0, 7), I(CLASS.ALU64 | ALU.MOV | SRC.X, 9, 0), I(CLASS.ALU64 | ALU.MOV | SRC.X, 9, 9, 8), I(CLASS.JMP | JMP.JGE, 9, 0, 1, 255),
      I(CLASS.JMP | JMP.JA, 0, 0, 2), I(CLASS.ALU64 | ALU.MOV, 1, 0, 0, 0), I(CLASS.LDX | MODE.MEM | SIZE.B, 0, 1, 0), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT,
    ],
  },
  { // deduce64 again, after a sign-extending packet load and arsh
    name: 'r9 = *(s32 *)pkt; r9 s>>= 4; if r9 < 0x9f0b64ea goto trap', progType: BPF_PROG_TYPE.SCHED_CLS,
    insns: [
      I(CLASS.ALU64 | ALU.MOV | SRC.X, 6, 1), I(CLASS.LDX | MODE.MEM | SIZE.W, 7, 6, 76), I(CLASS.LDX | MODE.MEM | SIZE.W, 8, 6, 80),
      I(CLASS.ALU64 | ALU.MOV | SRC.X, 2, 7), I(CLASS.ALU64 | ALU.ADD, 2, 0, 0, 16), I(CLASS.JMP | JMP.JGE | SRC.X, 2, 8, 6),
      I(CLASS.LDX | MODE.MEMSX | SIZE.W, 9, 7, 5), I(CLASS.ALU64 | ALU.ARSH, 9, 0, 0, 4), I(CLASS.JMP | JMP.JLT, 9, 0, 1, -1626643222),
      I(CLASS.JMP | JMP.JA, 0, 0, 2), I(CLASS.ALU64 | ALU.MOV, 1, 0, 0, 0), I(CLASS.LDX | MODE.MEM | SIZE.B, 0, 1, 0), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT,
    ],
  },
  { // kernel: ALU32 div/mod results are full 64-bit unknowns (no zero-extension in the bounds)
    name: 'w9 %= 0x80000000; if r9 == -1 goto trap', progType: BPF_PROG_TYPE.SOCKET_FILTER,
    insns: [
      I(0x85, 0, 0, 0, 7), I(CLASS.ALU64 | ALU.MOV | SRC.X, 9, 0), I(CLASS.ALU | ALU.MOD, 9, 0, 0, -0x80000000), I(CLASS.JMP | JMP.JEQ, 9, 0, 1, -1),
      I(CLASS.JMP | JMP.JA, 0, 0, 2), I(CLASS.ALU64 | ALU.MOV, 1, 0, 0, 0), I(CLASS.LDX | MODE.MEM | SIZE.B, 0, 1, 0), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT,
    ],
  },
];

test('soundness: regression: bswap64 of a constant is tracked (it was a no-op, letting fp + 2^56 through)', () => {
  // r2 = 1; r2 = bswap64 r2; r3 = r10 - 8 + r2; *(u8 *)(r3 + 0) = 0 — faulted in the VM when accepted.
  const insns = [
    I(CLASS.ALU64 | ALU.MOV, 2, 0, 0, 1), I(CLASS.ALU64 | ALU.END, 2, 0, 0, 64), I(CLASS.ALU64 | ALU.MOV | SRC.X, 3, 10),
    I(CLASS.ALU64 | ALU.ADD, 3, 0, 0, -8), I(CLASS.ALU64 | ALU.ADD | SRC.X, 3, 2), I(CLASS.ST | MODE.MEM | SIZE.B, 3, 0, 0, 0),
    I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 2), EXIT,
  ];
  assert.equal(verify({ progType: BPF_PROG_TYPE.XDP, insns, maps: [] }).error?.message, 'math between fp pointer and 72057594037927936 is not allowed');
});

test('soundness: regression: branches the verifier must not prove dead', () => {
  for (const c of DEAD_BRANCH_REGRESSIONS) {
    assert.equal(verify({ progType: c.progType, insns: c.insns, maps: [] }).error?.message, "R1 invalid mem access 'scalar'", c.name);
  }
});

test('soundness: shrink keeps the failure and drops the rest, fixing jumps', () => {
  // r6 = r1; r2 = 5; if r2 > 3 goto +1; r2 = 0; r0 = *(u64 *)(r6 + 1000) [faults]; r0 = 0; exit
  const insns = [
    I(CLASS.ALU64 | ALU.MOV | SRC.X, 6, 1), I(CLASS.ALU64 | ALU.MOV, 2, 0, 0, 5), I(CLASS.JMP | JMP.JGT, 2, 0, 1, 3),
    I(CLASS.ALU64 | ALU.MOV, 2, 0, 0, 0), I(CLASS.LDX | MODE.MEM | SIZE.DW, 0, 6, 1000), I(CLASS.ALU64 | ALU.MOV, 0, 0, 0, 0), EXIT,
  ];
  const p: FuzzProgram = { origin: 't', progType: BPF_PROG_TYPE.XDP, insns, maps: [], edges: [] };
  const input = { packet: new Uint8Array(60), mapValues: [] };
  const faults = (xs: Instruction[]) => { const o = runOnce({ ...p, insns: xs }, input); return o.kind === 'fault' && o.safety; };
  assert.ok(faults(insns));
  const small = shrink(insns, faults);
  assert.ok(small.length <= 3 && faults(small), `shrunk to ${small.length}`);
  assert.deepEqual(small.slice(-2), [I(CLASS.LDX | MODE.MEM | SIZE.DW, 0, 6, 1000), EXIT]);
});

test('soundness: verdicts agree with the kernel on a sample (root)', async (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const s = runSoundness({
    seed: 0x6b, count: 400, corpus: await corpus(), kernelEvery: 1,
    kernelVerify: (p) => { const r = kernelVerify({ progType: p.progType, insns: p.insns, maps: p.maps }, 1); return { accepted: r.accepted, error: kernelErrorLine(r.log) }; },
  });
  const k = s.kernel!;
  t.diagnostic(`kernel agrees on ${k.agree}/${k.sampled}; tsbpf-only accepts ${k.tsbpfOnly.length}, kernel-only accepts ${k.kernelOnly.length}`);
  // tsbpf accepting what the kernel refuses is a potential unsoundness: none allowed.
  assert.deepEqual(k.tsbpfOnly.map((x) => `${x.program.origin}: kernel says ${x.kernelError}`), []);
  assert.ok(k.agree >= k.sampled * 0.98, `agreement ${k.agree}/${k.sampled}: ${k.kernelOnly.map((x) => `${x.program.origin}: ${x.tsbpfError}`).join('; ')}`);
  assert.equal(s.faults, 0);
});
