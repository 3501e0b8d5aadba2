import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { main } from './main.js';
import type { Io } from './command.js';
import { repoRoot, hasTool, requireOrSkip } from '../test-support.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: Io = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTty: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('tsbpf verify: accepted example, JSON, log level 2, usage errors', async () => {
  const file = path.join(repoRoot, 'examples', 'xdp_parse.o');
  let r = await run('verify', file);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^xdp_parse \(section xdp\): accepted \(\d+ insns processed, \d+ states\)$/m);
  r = await run('verify', file, '--json');
  const json = JSON.parse(r.stdout) as { programs: { name: string; verdict: string; processed_insns: number }[] };
  assert.equal(json.programs[0].verdict, 'accept');
  assert.ok(json.programs[0].processed_insns > 0);
  r = await run('verify', file, '--log-level', '2');
  assert.match(r.stdout, /^Live regs before insn:$/m);
  assert.match(r.stdout, /^processed \d+ insns \(limit 1000000\)/m);
  assert.equal((await run('verify', file, '--log-level', '5')).code, 2);
  assert.equal((await run('verify', file, '--prog', 'nope')).code, 2);
  assert.equal((await run('verify', path.join(repoRoot, 'no-such.o'))).code, 2);
});

test('tsbpf verify: rejected program, --explain names the source line and the fix', async (t) => {
  if (!requireOrSkip(t, hasTool('clang'), 'clang')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-verify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = path.join(dir, 'bad.c'), obj = path.join(dir, 'bad.o');
  writeFileSync(src, [
    '#include <linux/bpf.h>',
    '#include <bpf/bpf_helpers.h>',
    'SEC("xdp") int bad(struct xdp_md *ctx) {',
    '  unsigned char *data = (void *)(long)ctx->data;',
    '  return data[20];',
    '}',
    'char _l[] SEC("license") = "GPL";',
  ].join('\n'));
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', src, '-o', obj]);
  const r = await run('verify', obj, '--explain');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /rejected: invalid access to packet, off=20 size=1, R\d\(id=0,off=20,r=0\)/);
  assert.match(r.stdout, /^source: .*bad\.c:5: return data\[20\];$/m);
  assert.match(r.stdout, /^fix: add a bounds check/m);
  const j = JSON.parse((await run('verify', obj, '--json')).stdout) as { programs: { verdict: string; line: { line: number } }[] };
  assert.equal(j.programs[0].verdict, 'reject');
  assert.equal(j.programs[0].line.line, 5);
});
