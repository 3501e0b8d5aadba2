import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { main } from './main.js';
import type { Io } from './command.js';

/** Runs the CLI with captured output. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: Io = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTty: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('tsbpf asm: both syntaxes, auto-detected or forced; exit codes', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-asm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string, text?: string) => {
    const p = path.join(dir, name);
    if (text !== undefined) writeFileSync(p, text);
    return p;
  };
  const expected = Buffer.from('b700000002000000' + '9500000000000000', 'hex');

  let r = await run('asm', f('a.s', 'r0 = 2\nexit\n'), '-o', f('a.bin'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(f('a.bin')), expected);
  assert.match(r.stderr, /2 instructions \(llvm syntax\)/);

  r = await run('asm', f('c.s', 'mov %r0, 2\nexit\n'), '-o', f('c.bin'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(f('c.bin')), expected);
  assert.match(r.stderr, /conformance syntax/);

  r = await run('asm', '--syntax', 'conformance', f('c.s'), '--output', f('d.bin'));
  assert.equal(r.code, 0);
  assert.deepEqual(readFileSync(f('d.bin')), expected);

  r = await run('asm', '--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: tsbpf asm FILE\.s -o FILE\.bin/);

  r = await run('asm', f('bad.s', 'r0 = 2\nr0 ?= 1\nexit\n'), '-o', f('bad.bin'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.s: line 2: /);

  assert.equal((await run('asm', f('a.s'))).code, 2); // no -o
  assert.equal((await run('asm', f('a.s'), '-o', f('x.bin'), '--syntax', 'intel')).code, 2);
  assert.equal((await run('asm', f('missing.s'), '-o', f('x.bin'))).code, 2);
  assert.equal((await run('asm', f('a.s'), '-o', f('x.bin'), '--bogus')).code, 2);
  assert.equal((await run('asm', f('a.s'), '-o', path.join(dir, 'no/such/dir/x.bin'))).code, 2);
});
