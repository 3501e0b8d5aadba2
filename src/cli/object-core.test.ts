import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { main } from './main.js';
import type { Io } from './command.js';
import { hasTool, requireOrSkip } from '../test-support.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: Io = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTty: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const LOCAL = `
struct s___local { int b; long gone; } __attribute__((preserve_access_index));
struct t { int a; } __attribute__((preserve_access_index));
__attribute__((section("raw_tp/x"), used)) int prog(struct s___local *p)
{
	if (__builtin_preserve_field_info(p->gone, 2))
		return p->gone;
	return p->b + __builtin_preserve_field_info(p->b, 1);
}
__attribute__((section("raw_tp/y"), used)) int amb(struct t *p) { return p->a; }
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
`;
const TARGET = `
struct s { int a; int b; } s;
struct t___1 { int a; } t1;
struct t___2 { int pad; int a; } t2;
`;

test('tsbpf object core: table, JSON, log, poisoning, ambiguity, exit codes', async (t) => {
  if (!requireOrSkip(t, hasTool('clang') && hasTool('llvm-objcopy'), 'clang and llvm-objcopy')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-core-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'local.c'), LOCAL);
  writeFileSync(path.join(dir, 'target.c'), TARGET);
  const obj = path.join(dir, 'local.o');
  const btf = path.join(dir, 'target.btf');
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', path.join(dir, 'local.c'), '-o', obj]);
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', path.join(dir, 'target.c'), '-o', path.join(dir, 'target.o')]);
  execFileSync('llvm-objcopy', ['--dump-section', `.BTF=${btf}`, path.join(dir, 'target.o'), path.join(dir, 'junk.o')]);

  let r = await run('object', 'core', obj, '--btf', btf, '--prog', 'prog', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { programs: { name: string; relocations: { kind: string; from: string; to: string; poisoned: boolean; target: string | null }[] }[] };
  assert.equal(j.programs.length, 1);
  const relos = j.programs[0].relocations.map((x) => `${x.kind} ${x.from}->${x.to}${x.poisoned ? ' poisoned' : ''}`);
  assert.deepEqual(relos.sort(), ['field_byte_offset 0->4', 'field_byte_offset 8->0 poisoned', 'field_byte_size 4->4', 'field_exists 1->0'].sort());

  r = await run('object', 'core', obj, '--btf', btf, '--prog', 'prog');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^prog \(raw_tp\/x\): 4 CO-RE relocations\n/);
  assert.match(r.stdout, /<byte_off> \[\d+\] struct s___local\.b \(0:0 @ offset 0\)\n\s+=> <byte_off> \[1\] struct s\.b \(0:1 @ offset 4\): 0 -> 4\n/);
  assert.match(r.stdout, /=> no target: poisoned\n/);

  r = await run('object', 'core', obj, '--btf', btf, '--prog', 'prog', '--log');
  assert.match(r.stdout, /^CO-RE relocating \[\d+\] struct s___local: found target candidate \[1\] struct s in \[vmlinux\]\n/m);
  assert.match(r.stdout, /^prog 'prog': relo #\d: substituting insn #\d+ w\/ invalid insn$/m);

  // Two flavors of t with a at different offsets: libbpf refuses the relocation.
  r = await run('object', 'core', obj, '--btf', btf, '--prog', 'amb');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /program amb: insn \d+: prog 'amb': relo #0: field offset ambiguity: 32 != 0/);

  assert.equal((await run('object', 'core', obj, '--btf', btf, '--prog', 'nope')).code, 2);
  assert.equal((await run('object', 'core')).code, 2);
  assert.equal((await run('object', 'core', obj, '--btf', obj)).code, 2, 'an ELF is not raw BTF');
});
