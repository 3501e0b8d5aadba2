import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from './index.js';
import type { VerifierInput } from './types.js';
import { CORPUS, VALID, LOOP_CALLBACK } from './testdata/corpus.js';
import { kernelVerify } from './kernel-oracle.js';
import { requireOrSkip, isRoot } from '../test-support.js';
import type { Instruction } from '../isa/index.js';
import { BPF_PROG_TYPE, BPF_MAP_TYPE, BPF_FUNC, BPF_F, BPF_PSEUDO } from '../uapi/index.js';
import { mov, movr, alu, alur, alu32, ldx, stx, st, jmp, jmpr, ja, call, exit, callLocal, ldMap, raw, ld64 } from './testdata/asm.js';

test('corpus: every invalid program is rejected with the kernel\'s first error line', () => {
  assert.ok(CORPUS.length >= 40, `corpus has ${CORPUS.length} invalid programs`);
  for (const c of CORPUS) {
    const r = verify(c.input);
    assert.equal(r.accepted, false, `${c.name}: accepted`);
    assert.equal(r.error?.message, c.expect, c.name);
  }
});

test('corpus: valid programs are accepted', () => {
  for (const c of [...VALID, { name: 'bpf_loop callback', input: LOOP_CALLBACK, expect: null }]) {
    const r = verify(c.input);
    assert.equal(r.accepted, true, `${c.name}: ${r.error?.message}`);
  }
});

test('corpus agrees with the kernel: verdicts and error messages', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const disagreements: string[] = [];
  for (const c of [...CORPUS, ...VALID]) {
    const k = kernelVerify(c.input, 1);
    const lines = k.log.split('\n');
    // The recorded expectation is the kernel's own verdict and message.
    if (c.expect === null) assert.ok(k.accepted, `${c.name}: kernel rejects: ${k.log.slice(-300)}`);
    else assert.ok(!k.accepted && lines.includes(c.expect), `${c.name}: kernel says ${k.log.slice(-300)}`);
    const r = verify(c.input);
    if (r.accepted !== k.accepted || (!r.accepted && !lines.includes(r.error!.message))) {
      disagreements.push(`${c.name}: kernel ${k.accepted ? 'accept' : 'reject'}, tsbpf ${r.accepted ? 'accept' : r.error!.message}`);
    }
  }
  assert.deepEqual(disagreements, []);
});

test('log level 2 matches the kernel byte for byte on a packet program', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const off of [12, 20]) {
    const input = {
      progType: BPF_PROG_TYPE.XDP, maps: [],
      insns: [ldx('w', 2, 1, 4), ldx('w', 1, 1, 0), movr(3, 1), alu('add', 3, 14), jmpr('gt', 3, 2, 2), ldx('b', 0, 1, off), exit(), mov(0, 2), exit()],
    };
    assert.equal(verify({ ...input, logLevel: 2 }).log, kernelVerify(input, 2).log);
  }
});

test('statistics line and limits', () => {
  const r = verify({ progType: BPF_PROG_TYPE.XDP, maps: [], insns: [mov(0, 1), exit()], logLevel: 1 });
  assert.ok(r.accepted);
  assert.equal(r.processedInsns, 2);
  assert.match(r.log, /^processed 2 insns \(limit 1000000\) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0$/m);
  const bad = verify({ progType: 9999, maps: [], insns: [mov(0, 1), exit()] });
  assert.match(bad.error!.message, /not supported/);
});

test('unprivileged mode: back-edges, pointer leaks and uninitialised stack are refused', () => {
  const unpriv = (insns: ReturnType<typeof mov>[]) => verify({ progType: BPF_PROG_TYPE.SOCKET_FILTER, maps: [], insns, privileged: false });
  assert.equal(unpriv([mov(0, 0), alu('add', 0, 1), jmp('lt', 0, 10, -2), exit()]).error?.message, 'back-edge from insn 2 to 1');
  assert.equal(unpriv([movr(0, 10), exit()]).error?.message, 'R0 leaks addr as return value');
  assert.equal(unpriv([ldx('dw', 0, 10, -8), exit()]).error?.message, 'invalid read from stack R10 off=-8 size=8');
  assert.equal(unpriv([stx('dw', 10, -16, 1), ldx('dw', 0, 10, -8), exit()]).error?.message, 'invalid read from stack off -8+0 size 8');
  assert.equal(unpriv([callLocal(1), exit(), mov(0, 0), exit()]).error?.message,
    'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN');
  // The same programs are fine for root.
  assert.ok(verify({ progType: BPF_PROG_TYPE.SOCKET_FILTER, maps: [], insns: [ldx('dw', 0, 10, -8), exit()] }).accepted);
});

test('stack precision: a spilled scalar that decides a branch is compared, an unused one is not', (t) => {
  // Two paths spill different constants to fp-8 and join at insn 15 (a checkpoint). When the
  // filled value decides a branch, the second path must not be pruned: it reaches the bad read.
  const prog = (bad: boolean): VerifierInput => ({
    progType: BPF_PROG_TYPE.XDP, maps: [],
    insns: [call(7), movr(6, 0), call(7), movr(7, 0), jmp('gt', 7, 10, 1), mov(8, 0), jmp('gt', 7, 20, 1), mov(8, 1), mov(9, 0),
      jmp('gt', 6, 5, 3), mov(1, 0), stx('dw', 10, -8, 1), ja(2), mov(1, 1), stx('dw', 10, -8, 1),
      ldx('dw', 2, 10, -8), jmp('eq', bad ? 2 : 6, 1, 2), mov(0, 0), exit(), bad ? ldx('b', 0, 3, 0) : mov(0, 1), exit()],
  });
  assert.equal(verify(prog(true)).error?.message, 'R3 !read_ok');
  const unused = verify(prog(false));
  assert.ok(unused.accepted, unused.error?.message);
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const bad of [true, false]) {
    const k = kernelVerify(prog(bad), 1);
    assert.equal(k.accepted, !bad);
    assert.equal(verify(prog(bad)).processedInsns, Number(/processed (\d+) insns/.exec(k.log)![1]), `bad=${bad}`);
  }
});

/**
 * A pair of programs differing in one place: the good one is accepted, the bad one rejected with
 * `message`; the kernel gives the same verdicts and processes as many instructions for each.
 */
function goodAndBad(t: TestContext, prog: (bad: boolean) => VerifierInput, message: string): void {
  const good = verify(prog(false));
  assert.ok(good.accepted, good.error?.message);
  assert.equal(verify(prog(true)).error?.message, message);
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const bad of [false, true]) {
    const k = kernelVerify(prog(bad), 1);
    assert.equal(k.accepted, !bad);
    assert.equal(verify(prog(bad)).processedInsns, Number(/processed (\d+) insns/.exec(k.log)![1]), `bad=${bad}`);
  }
}

test('stack liveness: a helper reads only its key bytes, and those stay live at the checkpoint', (t) => {
  // Two paths join at insn 19 (a checkpoint) and look fp-8 up as an array key, then dereference
  // the result without a null check. Path A stores the in-range constant 1 in the key; path B
  // stores 1 too ('dead': and an unknown scalar at fp-16, which no one reads, so B is pruned at
  // the join) or an unknown scalar in the key ('key': the lookup may return NULL, so B must not
  // be pruned; the key bytes are read by the helper, not by a load through R10).
  const arr = { name: 'arr', type: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 };
  const prog = (variant: 'dead' | 'key'): VerifierInput => ({
    progType: BPF_PROG_TYPE.XDP, maps: [arr],
    insns: [call(BPF_FUNC.get_prandom_u32), movr(6, 0), call(BPF_FUNC.get_prandom_u32), movr(7, 0), jmp('gt', 7, 10, 1), mov(8, 0),
      jmp('gt', 7, 20, 1), mov(8, 1), mov(9, 0), jmp('gt', 6, 5, 7), st('w', 10, -8, 1), jmp('eq', 9, 1, 0), mov(1, 0),
      jmp('eq', 9, 1, 0), mov(1, 0), mov(1, 0), ja(2), variant === 'key' ? stx('w', 10, -8, 6) : st('w', 10, -8, 1),
      variant === 'key' ? mov(1, 0) : stx('dw', 10, -16, 6),
      movr(2, 10), alu('add', 2, -8), ldMap(1, 0), call(BPF_FUNC.map_lookup_elem), ldx('dw', 0, 0, 0), mov(0, 0), exit()].flat(),
  });
  assert.match(verify({ ...prog('dead'), logLevel: 2 }).log, /^19: safe$/m);
  goodAndBad(t, (bad) => prog(bad ? 'key' : 'dead'), "R0 invalid mem access 'map_value_or_null'");
});

test('precision: a register stored as STACK_ZERO is precise from the store (the slot type holds its value)', (t) => {
  // Paths A (r1 = 0) and B (r1 = r6 & mask) store r1 at fp-4 in the join block (insn 19, a
  // checkpoint), pass another checkpoint, then reload it: A's reload is the known 0, so the
  // branch at insn 30 is predicted and the bad read at 31 is never reached on A. When B's r1 may
  // be 0x11 ('bad') the read is reachable, so B must not be pruned at 19 even though the backtrack
  // from the branch stops at the later checkpoint, where fp-4 holds zeroes, not a spilled scalar.
  const prog = (bad: boolean): VerifierInput => ({
    progType: BPF_PROG_TYPE.XDP, maps: [],
    insns: [call(BPF_FUNC.get_prandom_u32), movr(6, 0), call(BPF_FUNC.get_prandom_u32), movr(7, 0), jmp('gt', 7, 10, 1), mov(8, 0),
      jmp('gt', 7, 20, 1), mov(8, 1), mov(9, 0), jmp('gt', 6, 5, 7),
      mov(1, 0), jmp('eq', 9, 1, 0), mov(2, 0), jmp('eq', 9, 1, 0), mov(2, 0), mov(2, 0), ja(2),
      movr(1, 6), alu('and', 1, bad ? 255 : 0),
      stx('w', 10, -4, 1), call(BPF_FUNC.get_prandom_u32),
      jmp('eq', 9, 1, 0), mov(3, 0), jmp('eq', 9, 1, 0), mov(3, 0), mov(3, 0), mov(3, 0), mov(3, 0), ja(0),
      ldx('w', 1, 10, -4), jmp('ne', 1, 0x11, 1), ldx('b', 0, 5, 0), mov(0, 0), exit()],
  });
  goodAndBad(t, prog, 'R5 !read_ok');
});

test('stack equivalence: a narrow spill does not hide the types of the other bytes of its slot', (t) => {
  // Both paths spill a 4-byte 0 at fp-8 after writing fp-2: path A writes zeroes (STACK_ZERO),
  // path B ('bad') an unknown u16. They join at insn 25 (a checkpoint), which reloads fp-2: on A
  // the known 0 predicts the branch and the bad read at 27 is skipped. Only a 64-bit spill stands
  // for its whole slot (is_spilled_scalar_reg64); otherwise B must not be pruned.
  const prog = (bad: boolean): VerifierInput => ({
    progType: BPF_PROG_TYPE.XDP, maps: [],
    insns: [call(BPF_FUNC.get_prandom_u32), movr(6, 0), call(BPF_FUNC.get_prandom_u32), movr(7, 0), jmp('gt', 7, 10, 1), mov(8, 0),
      jmp('gt', 7, 20, 1), mov(8, 1), mov(9, 0), jmp('gt', 6, 5, 12),
      mov(1, 0), stx('h', 10, -2, 1), stx('w', 10, -8, 1), ...Array.from({ length: 8 }, () => mov(2, 0)), ja(3),
      stx('h', 10, -2, bad ? 6 : 9), mov(1, 0), stx('w', 10, -8, 1),
      ldx('h', 1, 10, -2), jmp('eq', 1, 0, 1), ldx('b', 0, 5, 0), mov(0, 0), exit()],
  });
  goodAndBad(t, prog, 'R5 !read_ok');
});

test('frozen read-only map values are known constants (bpf_map_direct_read)', (t) => {
  // `.rodata`-like config decides a branch; the other side reads an uninitialised register. A
  // frozen config of 0 makes that side dead; 1, or an unfrozen map, leaves it reachable.
  const prog = (cfg: number, frozen: boolean): VerifierInput => {
    const value = new Uint8Array(8);
    value[0] = cfg;
    return {
      progType: BPF_PROG_TYPE.XDP,
      maps: [{ name: '.rodata', type: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, flags: BPF_F.RDONLY_PROG, ...(frozen ? { frozenValue: value } : {}) }],
      insns: [raw(0x18, 1, BPF_PSEUDO.MAP_IDX_VALUE, 0, 0), raw(0), ldx('w', 2, 1, 0), jmp('eq', 2, 0, 1), ldx('b', 0, 5, 0), mov(0, 0), exit()],
    };
  };
  const cases: [number, boolean, boolean][] = [[0, true, true], [1, true, false], [0, false, false]];
  for (const [cfg, frozen, ok] of cases) {
    const r = verify(prog(cfg, frozen));
    assert.equal(r.accepted, ok, `cfg=${cfg} frozen=${frozen}: ${r.error?.message}`);
    if (!ok) assert.equal(r.error?.message, 'R5 !read_ok');
  }
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const [cfg, frozen, ok] of cases) {
    const k = kernelVerify(prog(cfg, frozen), 1);
    assert.equal(k.accepted, ok, `kernel cfg=${cfg} frozen=${frozen}`);
    assert.equal(verify(prog(cfg, frozen)).processedInsns, Number(/processed (\d+) insns/.exec(k.log)![1]));
  }
});

test('frozen map loads: sizes, offsets and sign extension read the value the program will see', (t) => {
  // `r2 = *(size *)(&value + base + off)`, then the bad read runs unless r2 equals the expected
  // 64-bit value (computed here with DataView): the program is accepted only if the verifier
  // knows exactly that value.
  const value = Uint8Array.from({ length: 16 }, (_, i) => 0x81 + 0x11 * i);
  const dv = new DataView(value.buffer);
  const cases: [op: number, base: number, off: number, expect: bigint][] = [
    [0x71, 0, 3, BigInt(dv.getUint8(3))], [0x69, 4, 2, BigInt(dv.getUint16(6, true))], [0x61, 8, -4, BigInt(dv.getUint32(4, true))],
    [0x79, 8, 0, dv.getBigUint64(8, true)], [0x91, 0, 1, BigInt.asUintN(64, BigInt(dv.getInt8(1)))],
    [0x89, 2, 0, BigInt.asUintN(64, BigInt(dv.getInt16(2, true)))], [0x81, 12, 0, BigInt.asUintN(64, BigInt(dv.getInt32(12, true)))],
  ];
  const prog = (op: number, base: number, off: number, expect: bigint): VerifierInput => ({
    progType: BPF_PROG_TYPE.XDP,
    maps: [{ name: '.rodata', type: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 16, maxEntries: 1, flags: BPF_F.RDONLY_PROG, frozenValue: value }],
    insns: [raw(0x18, 1, BPF_PSEUDO.MAP_IDX_VALUE, 0, 0), raw(0, 0, 0, 0, base), raw(op, 2, 1, off),
      ...ld64(3, Number(expect & 0xffffffffn) | 0, Number(expect >> 32n) | 0), jmpr('eq', 2, 3, 1), ldx('b', 0, 5, 0), mov(0, 0), exit()],
  });
  for (const c of cases) {
    const r = verify(prog(...c));
    assert.ok(r.accepted, `op ${c[0].toString(16)} at ${c[1]}+${c[2]}: ${r.error?.message}`);
    // Any other value leaves the bad read reachable.
    assert.equal(verify(prog(c[0], c[1], c[2], c[3] ^ 1n)).accepted, false);
  }
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const c of cases) assert.ok(kernelVerify(prog(...c), 1).accepted, `kernel: op ${c[0].toString(16)} at ${c[1]}+${c[2]}`);
});

test('tail call through a non-prog-array map: the kernel\'s message, without its newline', (t) => {
  const hash = { name: 'h', type: 1, keySize: 4, valueSize: 16, maxEntries: 16, flags: 0 };
  const input: VerifierInput = { progType: BPF_PROG_TYPE.XDP, maps: [hash], insns: [ldMap(2, 0), mov(3, 0), call(12), mov(0, 0), exit()].flat() };
  const r = verify({ ...input, logLevel: 1 });
  assert.equal(r.error?.message, 'expected prog array map for tail call');
  const last = r.log.trim().split('\n').pop();
  assert.equal(last, 'expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0');
  if (!requireOrSkip(t, isRoot, 'root')) return;
  assert.equal(kernelVerify(input, 1).log.trim().split('\n').pop(), last);
});

test('a 0/-1 sign mask ANDed or ORed with a constant forks into both constants, as the kernel logs it', (t) => {
  const sign64 = [call(BPF_FUNC.get_prandom_u32), alu('lsh', 0, 32), alu('arsh', 0, 63)];
  const sign32 = [call(BPF_FUNC.get_prandom_u32), alu32('lsh', 0, 31), alu32('arsh', 0, 31)];
  const programs: Instruction[][] = [
    [...sign64, alu('and', 0, 5), exit()],
    [...sign64, alu('or', 0, 5), exit()],
    [...sign64, alu32('and', 0, 5), exit()],
    [...sign64, mov(1, 5), alur('and', 0, 1), exit()],
    [...sign64, mov(1, 5), movr(2, 0), alu('and', 0, 5), exit()],
    [...sign32, alu32('and', 0, 5), exit()],
    [...sign32, alu('or', 0, 5), exit()],
    // Not forked: an unknown operand, or an operation other than AND/OR.
    [call(BPF_FUNC.get_prandom_u32), movr(6, 0), ...sign64, alur('and', 0, 6), exit()],
    [...sign64, alu('xor', 0, 5), exit()],
  ];
  // The instruction lines and states (the kernel's liveness and precision lines aside).
  const states = (log: string): string => log.split('\n').filter((l) => !/^ +\d+: [.0-9]|^func#|^Live regs|^mark_precise/.test(l)).join('\n');
  const input = (insns: Instruction[]): VerifierInput => ({ progType: BPF_PROG_TYPE.SOCKET_FILTER, maps: [], insns });
  const forked = programs.map((p) => verify({ ...input(p), logLevel: 2 }));
  assert.deepEqual(forked.map((r) => r.log.includes(': R0=0 R')), [true, true, true, true, true, true, true, false, false]);
  if (!requireOrSkip(t, isRoot, 'root')) return;
  programs.forEach((p, i) => assert.equal(states(forked[i].log), states(kernelVerify(input(p), 2).log), `program ${i}`));
});
