/**
 * The published package works: `npm pack` gives a tarball that installs in an empty folder, whose
 * `tsbpf` binary runs and whose layers import one by one.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './test-support.js';

test('npm pack installs and runs in an empty folder', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-pack-'));
  try {
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repoRoot }).toString().trim().split('\n');
    const tarball = path.join(dir, out[out.length - 1]);
    const app = path.join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'ignore' });
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'ignore' });
    const help = execFileSync(path.join(app, 'node_modules/.bin/tsbpf'), ['--help']).toString();
    assert.match(help, /usage: tsbpf <command>/);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'tsbpf' : `tsbpf/${k.slice(2)}`));
    const script = subpaths.map((s) => `await import(${JSON.stringify(s)});`).join('\n') + '\nconsole.log("ok");';
    const res = execFileSync('node', ['--input-type=module', '-e', script], { cwd: app }).toString();
    assert.equal(res.trim(), 'ok');
    // Tests and test helpers are not shipped.
    const files = execFileSync('tar', ['-tzf', tarball]).toString();
    assert.doesNotMatch(files, /\.test\.js/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
