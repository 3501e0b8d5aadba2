import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fuzzObjects, mutate } from './fuzz.js';
import { hasTool, listFiles, repoRoot, requireOrSkip, testdataDir } from '../test-support.js';

/** Corpus objects small enough to mutate quickly. */
export function fuzzCorpus(): { name: string; bytes: Uint8Array }[] {
  return listFiles(path.join(testdataDir, 'ebpf-samples'), '.o')
    .filter((f) => !f.includes('/invalid/') && statSync(f).size < 100_000)
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
}

test('mutants of corpus objects only ever raise typed errors', (t) => {
  const corpus = fuzzCorpus();
  if (!requireOrSkip(t, corpus.length > 0, 'ebpf-samples corpus')) return;
  const r = fuzzObjects(corpus, 400, 20260101);
  t.diagnostic(JSON.stringify({ ...r, findings: r.findings.length }));
  assert.deepEqual(r.findings, []);
  assert.equal(r.mutants, 400);
  // Both outcomes occur: the mutations reach past the ELF header checks.
  assert.ok(r.accepted > 50 && Object.keys(r.errors).length >= 3, JSON.stringify(r.errors));
  assert.ok(r.slowestMs < 2000, `a mutant took ${r.slowestMs} ms`);
});

test('mutation is deterministic for a seed', () => {
  const src = new Uint8Array(256).map((_, i) => i);
  let s = 1;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const a = mutate(src, rnd);
  s = 1;
  const b = mutate(src, rnd);
  assert.deepEqual(a, b);
});

test('mutants of objects with kconfig/ksyms externs, map-in-map and struct_ops only raise typed errors', (t) => {
  if (!requireOrSkip(t, hasTool('clang'), 'clang')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-fuzz-'));
  try {
    const corpus = ['features', 'linking', 'struct_ops'].map((name) => {
      const out = path.join(dir, `${name}.o`);
      execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', path.join(repoRoot, 'src/object/testdata', `${name}.c`), '-o', out]);
      return { name: out, bytes: new Uint8Array(readFileSync(out)) };
    });
    const r = fuzzObjects(corpus, 300, 7);
    t.diagnostic(JSON.stringify({ ...r, findings: r.findings.length }));
    assert.deepEqual(r.findings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
