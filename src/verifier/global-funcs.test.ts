/**
 * Global (non-static) BPF-to-BPF functions: verified once on their own from their BTF prototype,
 * their callers checking only the arguments (testdata/global-funcs/*.c). Each expectation was
 * recorded from the Linux 6.18 verifier and is compared with the running kernel too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verify } from './index.js';
import { explain } from './explain.js';
import { loadObjectSpec } from '../object/index.js';
import { loadObject, VerifierError } from '../kernel/index.js';
import { verifierInputFromSpec } from './spec-input.js';
import { kernelErrorLine } from './kernel-oracle.js';
import { repoRoot, requireOrSkip, isRoot } from '../test-support.js';
import type { ObjectSpec, ProgramSpec } from '../object/index.js';

const dir = path.join(repoRoot, 'src/verifier/testdata/global-funcs');

interface Case {
  file: string;
  /** The kernel's first error line, null when accepted. */
  error: string | null;
  processed: number;
  /** Lines the log must hold. */
  log?: string[];
}

const CASES: Case[] = [
  {
    file: 'valid', error: null, processed: 57,
    log: [
      "Func#1 ('gscalar') is global and assumed valid.",
      'Validating gmem() func#3...',
      '41: R1=mem_or_null(id=6,sz=16) R10=fp0',
      "Func#5 ('gchain') is safe for any args that match its prototype",
    ],
  },
  { file: 'null_deref', error: "R1 invalid mem access 'mem_or_null'", processed: 10, log: ['Validating gmem() func#1...'] },
  { file: 'not_scalar', error: "Caller passes invalid args into func#1 ('gscalar')", processed: 1, log: ['R1 is not a scalar'] },
  { file: 'short_mem', error: "Caller passes invalid args into func#1 ('gmem')", processed: 5, log: ['invalid read from stack R1 off=-8 size=32'] },
  {
    file: 'void_ret', error: "Caller passes invalid args into func#1 ('gvoid')", processed: 5,
    log: ["Global function gvoid() doesn't return scalar. Only those are supported."],
  },
  { file: 'not_ctx', error: "Caller passes invalid args into func#1 ('gctx')", processed: 2, log: ['arg#0 expects pointer to ctx'] },
  { file: 'ret_ptr', error: 'At subprogram exit the register R0 is not a scalar value (ctx)', processed: 5 },
  { file: 'pkt_change', error: "R6 invalid mem access 'scalar'", processed: 8 },
  { file: 'bad_unguarded', error: 'R1 min value is outside of the allowed memory range', processed: 13 },
  { file: 'tags', error: null, processed: 21, log: ['17: R1=mem(sz=4) R10=fp0', '19: R1=ctx() R10=fp0'] },
  { file: 'nonnull_maybe', error: "Caller passes invalid args into func#1 ('gnn')", processed: 8, log: ['arg#0 is expected to be non-NULL'] },
];

function load(file: string): { spec: ObjectSpec; prog: ProgramSpec } {
  const f = path.join(dir, `${file}.o`);
  const spec = loadObjectSpec(new Uint8Array(readFileSync(f)), { file: f });
  return { spec, prog: spec.programs.find((p) => p.name === 'prog')! };
}

const lastLine = (log: string): string => log.trim().split('\n').filter((l) => !l.startsWith('processed ')).pop() ?? '';

test('global functions: verdicts, first error lines, processed counts and log lines as the kernel', () => {
  for (const c of CASES) {
    const { spec, prog } = load(c.file);
    const r = verify(verifierInputFromSpec(spec, prog, true, 2));
    assert.equal(r.accepted, c.error === null, `${c.file}: ${r.error?.message}`);
    // The kernel's error line ends the log (some errors have a first line before it).
    if (c.error !== null) assert.equal(lastLine(r.log), c.error, c.file);
    assert.equal(r.processedInsns, c.processed, `${c.file}: processed`);
    const lines = r.log.split('\n');
    for (const l of c.log ?? []) assert.ok(lines.includes(l), `${c.file}: log has ${l}`);
  }
});

test('global functions: without BTF function info every call is verified inline, as before', () => {
  const { spec, prog } = load('valid');
  const input = verifierInputFromSpec(spec, prog);
  assert.ok(input.funcs?.some((f) => f.global && f.name === 'gmem'));
  const { funcs: _, ...inline } = input;
  const r = verify(inline);
  assert.ok(r.accepted);
  assert.ok(r.processedInsns > 57, `inline: ${r.processedInsns}`);
  // Inline, the caller's valid pointer makes the unchecked dereference safe.
  const bad = load('null_deref');
  const { funcs: __, ...inlineBad } = verifierInputFromSpec(bad.spec, bad.prog);
  assert.ok(verify(inlineBad).accepted);
});

test('global functions: prototypes from BTF', () => {
  const { spec, prog } = load('valid');
  const funcs = verifierInputFromSpec(spec, prog).funcs!;
  const byName = new Map(funcs.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('gscalar')?.args, [{ kind: 'scalar' }]);
  assert.deepEqual(byName.get('gctx')?.args, [{ kind: 'ctx' }]);
  assert.deepEqual(byName.get('gmem')?.args, [{ kind: 'mem_or_null', size: 16 }]);
  assert.equal(byName.get('sfn')?.global, false);
  const v = load('void_ret');
  const gvoid = verifierInputFromSpec(v.spec, v.prog).funcs!.find((f) => f.name === 'gvoid');
  assert.equal(gvoid?.unsupported, "Global function gvoid() doesn't return scalar. Only those are supported.");
  const tg = load('tags');
  const tagged = new Map(verifierInputFromSpec(tg.spec, tg.prog).funcs!.map((f) => [f.name, f.args]));
  assert.deepEqual(tagged.get('gnn'), [{ kind: 'mem', size: 4 }]);
  assert.deepEqual(tagged.get('gvctx'), [{ kind: 'ctx' }]);
});

test('global functions agree with the kernel: verdicts, error lines, processed counts', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const c of CASES) {
    const { spec } = load(c.file);
    let log: string, accepted: boolean;
    try {
      const obj = loadObject(spec, { programs: ['prog'], logLevel: 1 });
      log = obj.program('prog').verifierLog;
      accepted = true;
      obj.close();
    } catch (e) {
      if (!(e instanceof VerifierError)) throw e;
      log = e.log;
      accepted = false;
    }
    assert.equal(accepted, c.error === null, `${c.file}: kernel ${log.slice(-300)}`);
    if (c.error !== null) assert.equal(kernelErrorLine(log), c.error, c.file);
    assert.match(log, new RegExp(`^processed ${c.processed} insns`, 'm'), c.file);
  }
});

test('global functions: --explain follows the failing global function only', () => {
  const { spec, prog } = load('null_deref');
  const input = verifierInputFromSpec(spec, prog, true, 1);
  const text = explain(input, verify(input));
  assert.match(text, /^path: 9$/m);
  assert.match(text, /^fix: a global function's pointer argument may be NULL/m);
});
