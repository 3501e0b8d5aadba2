import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from './index.js';
import type { VerifierInput } from './types.js';
import { CORPUS, VALID, LOOP_CALLBACK } from './testdata/corpus.js';
import { kernelVerify } from './kernel-oracle.js';
import { requireOrSkip, isRoot } from '../test-support.js';
import { BPF_PROG_TYPE } from '../uapi/index.js';
import { mov, movr, alu, ldx, stx, jmp, jmpr, ja, call, exit, callLocal, ldMap } from './testdata/asm.js';

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
