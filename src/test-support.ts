/** Helpers shared by the test files (not part of the published package). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** The repository root (dist/ and src/ both sit one level below it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared/testdata` beside the repository (or $TSBPF_TESTDATA). */
export const testdataDir = process.env.TSBPF_TESTDATA ?? path.resolve(repoRoot, '../shared/testdata');

export const inCI = process.env.CI === 'true';

/** Every file below `dir` whose name ends with `suffix`, sorted. */
export function listFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/**
 * Skips the test when the corpus, a tool or root is missing — except in CI, where a missing
 * requirement fails the test: CI must run everything.
 */
export function requireOrSkip(t: TestContext, ok: boolean, what: string): boolean {
  if (ok) return true;
  if (inCI) throw new Error(`CI requires ${what}`);
  t.skip(`${what} not available`);
  return false;
}

/** True when the process is root and bpf(2) is usable. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** True when `cmd` is on PATH. */
export function hasTool(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
