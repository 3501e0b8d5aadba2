import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../test-support.js';

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
