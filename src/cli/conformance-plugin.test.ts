import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, repoRoot, requireOrSkip, testdataDir } from '../test-support.js';
import { assemble } from '../isa/asm.js';
import { encodeInstructions } from '../isa/instruction.js';
import { parseConformanceCase } from '../vm/conformance.js';

const cli = path.join(repoRoot, 'dist/cli/bin.js');

/** Runs the plugin the way bpf_conformance_runner does: memory in argv[1], program on stdin. */
function plugin(args: string[], stdin: string) {
  const r = spawnSync(process.execPath, [cli, 'conformance-plugin', ...args], { input: stdin, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The runner's encoding: each byte as two hex digits followed by spaces.
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0') + '  ').join('');

test('runs the program from stdin on the memory in the first argument and prints r0 in hex', () => {
  // ldxdw r0, [r1+2]; exit
  const r = plugin([hex([0xaa, 0xbb, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xcc, 0xdd])],
    hex([0x79, 0x10, 0x02, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]) + '\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '8877665544332211\n');
});

test('without memory: r2 is 0; helper #5 returns its first argument', () => {
  // mov r1, 0x2a; call 5; add r0, r2; exit
  const r = plugin([], hex([0xb7, 0x01, 0, 0, 0x2a, 0, 0, 0, 0x85, 0, 0, 0, 5, 0, 0, 0, 0x0f, 0x20, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '2a\n');
});

test('refused and faulting programs exit non-zero with the reason on stderr and nothing on stdout', () => {
  const refused = plugin([], hex([0x07, 0, 1, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])); // add with off = 1
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /reserved field off/);
  const faulted = plugin([hex([1, 2])], hex([0x79, 0x10, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])); // 8-byte read of 2 bytes
  assert.equal(faulted.code, 1);
  assert.match(faulted.stderr, /insn 0: invalid read of 8 bytes/);
  const garbage = plugin([], 'zz');
  assert.equal(garbage.code, 2);
});

test('--elf: the program is the first one of an ELF object given as hex on stdin', (t) => {
  if (!requireOrSkip(t, hasTool('clang'), 'clang')) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-plugin-'));
  try {
    const c = path.join(dir, 'p.c'), o = path.join(dir, 'p.o');
    writeFileSync(c, '__attribute__((section("socket"), used)) int prog(void *ctx) { return 42; }\n');
    execFileSync('clang', ['-O2', '-target', 'bpf', '-c', c, '-o', o]);
    const r = plugin(['--elf'], hex([...readFileSync(o)]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2a\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('end to end: conformance cases through the plugin, the way the upstream runner drives it', (t) => {
  const dir = path.join(testdataDir, 'bpf_conformance/tests');
  if (!requireOrSkip(t, existsSync(dir), 'the bpf_conformance suite')) return;
  for (const name of ['ldxdw.data', 'subnet.data', 'call_local.data', 'lock_cmpxchg.data', 'sdiv64-intmin-by-negone-reg.data', 'callx.data']) {
    const c = parseConformanceCase(readFileSync(path.join(dir, name), 'utf8'), name);
    const code = c.raw ?? encodeInstructions(assemble(c.asm, { syntax: 'conformance' }));
    // The runner omits the memory argument when the test has none, and parses stdout with stoull(…, 16).
    const r = plugin(c.mem.length ? [hex([...c.mem])] : [], hex([...code]) + '\n');
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(BigInt('0x' + r.stdout.trim()), c.result, name);
  }
});
