/**
 * Runs the documented example tests of examples/ (*.test.ts, written against the published
 * `tsbpf/…` entry points): each is transpiled with TypeScript, its `tsbpf/<layer>` imports pointed
 * at this build, and run with `node --test` in a child process that must pass.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../test-support.js';

const examples = path.join(repoRoot, 'examples');
const dist = path.join(repoRoot, 'dist');

for (const file of readdirSync(examples).filter((f) => f.endsWith('.test.ts'))) {
  test(`example test ${file} passes`, () => {
    const src = readFileSync(path.join(examples, file), 'utf8')
      .replace(/from 'tsbpf\/([a-z/]+)'/g, (_, layer: string) => `from '${pathToFileURL(path.join(dist, layer, 'index.js')).href}'`)
      .replace(/new URL\('\.\/([^']+)', import\.meta\.url\)\.pathname/g, (_, f: string) => JSON.stringify(path.join(examples, f)));
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-example-'));
    try {
      const out = path.join(dir, file.replace(/\.ts$/, '.mjs'));
      writeFileSync(out, js);
      const r = spawnSync(process.execPath, ['--test', out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
