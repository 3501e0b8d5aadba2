import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LoadError, TsbpfError } from '../errors.js';
import { assemble } from '../isa/asm.js';
import { listFiles, requireOrSkip, testdataDir } from '../test-support.js';
import { parseConformanceCase, runConformance, type ConformanceCase } from './conformance.js';

const suite = path.join(testdataDir, 'bpf_conformance');

type Outcome = { kind: 'result'; r0: bigint } | { kind: 'error'; message: string; refused: boolean } | { kind: 'skip' };

/** Assembles (or takes `-- raw`), loads and runs a case at cpu version v4. */
function execute(c: ConformanceCase): Outcome {
  let code;
  try {
    code = c.raw ?? assemble(c.asm, { syntax: 'conformance' });
  } catch (e) {
    if (e instanceof TsbpfError) return { kind: 'error', message: e.message, refused: true };
    throw e;
  }
  if (code.length === 0) return { kind: 'skip' }; // the runner skips cases without instructions
  try {
    return { kind: 'result', r0: runConformance(code, c.mem) };
  } catch (e) {
    if (e instanceof TsbpfError) return { kind: 'error', message: e.message, refused: e instanceof LoadError };
    throw e;
  }
}

/** The upstream runner's verdict: an error passes only when it is the expected text; a result when it equals `-- result`. */
function passes(c: ConformanceCase, o: Outcome): boolean {
  if (o.kind === 'skip') return false;
  if (o.kind === 'error') return !!c.error && o.message === c.error;
  return c.result !== undefined ? o.r0 === c.result : c.error === undefined && o.r0 === 0n;
}

test('bpf_conformance: every case of tests/ passes at cpu version v4', (t) => {
  const files = listFiles(path.join(suite, 'tests'), '.data');
  if (!requireOrSkip(t, files.length > 0, `the conformance suite in ${suite}`)) return;
  const failures: string[] = [];
  for (const f of files) {
    const c = parseConformanceCase(readFileSync(f, 'utf8'), path.basename(f));
    const o = execute(c);
    if (!passes(c, o)) {
      failures.push(`${c.name}: ${o.kind === 'result' ? `r0 = 0x${o.r0.toString(16)}, expected 0x${c.result?.toString(16)}` : o.kind === 'error' ? o.message : 'no instructions'}`);
    }
  }
  assert.equal(files.length, 313);
  assert.deepEqual(failures, [], `${failures.length} of ${files.length} cases failed`);
});

test('bpf_conformance: every case of negative/ fails; reserved-field cases are refused at load', (t) => {
  const files = listFiles(path.join(suite, 'negative'), '.data');
  if (!requireOrSkip(t, files.length > 0, `the conformance suite in ${suite}`)) return;
  for (const f of files) {
    const name = path.basename(f);
    const c = parseConformanceCase(readFileSync(f, 'utf8'), name);
    const o = execute(c);
    assert.equal(passes(c, o), false, `${name} must not pass (outcome ${JSON.stringify(o, (_, v) => typeof v === 'bigint' ? v.toString(16) : v)})`);
    if (name.startsWith('unused-')) {
      assert.ok(o.kind === 'error' && o.refused && /reserved field|unknown opcode/.test(o.message), `${name}: ${JSON.stringify(o)}`);
    }
  }
  assert.ok(files.length >= 60);
});

test('the .data parser reads every section form', () => {
  const c = parseConformanceCase([
    '# comment', '-- asm', 'mov %r0, 1 # trailing', '', 'exit', '-- mem', '00 01', 'ff', '-- c', 'int x;',
    '-- raw', '0x00000001000000b7', '0x0000000000000095', '-- result', '0x1', '-- no register offset', 'whatever',
  ].join('\n'), 'x');
  assert.equal(c.asm, 'mov %r0, 1\nexit');
  assert.deepEqual([...c.mem], [0, 1, 0xff]);
  assert.deepEqual([...c.raw!], [0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(c.result, 1n);
  assert.equal(c.error, undefined);
  assert.equal(parseConformanceCase('-- raw\n07 00 01 00 01 00 00 00\n-- error\n').error, '');
});
