/**
 * Object reading benchmark: time to read every ebpf-samples object (target: all under 1 s), the
 * per-object median, the same reads beside libbpf's bpf_object__open (C, measured in the same run
 * on the objects libbpf can open), and a 10,000-mutant fuzz run of the reader (count of escaped
 * non-typed errors).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { BenchReporter, median } from './report.js';
import { loadObjectSpec } from '../object/load.js';
import { fuzzObjects } from '../object/fuzz.js';
import { hasTool, listFiles, repoRoot, testdataDir } from '../test-support.js';

export async function run(r: BenchReporter): Promise<void> {
  const files = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o').filter((f) => !f.includes('/invalid/'));
  if (files.length === 0) {
    r.note(`no corpus at ${testdataDir}`);
    return;
  }
  const objects = files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
  const per: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const o of objects) {
    const t = performance.now();
    loadObjectSpec(o.bytes, { file: o.name });
    per.push(performance.now() - t);
  }
  const first = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  r.row({ name: `read ${objects.length} objects (first pass, cold)`, value: first, unit: 'ms', target: 1000 });
  // CPU time of this process (JIT and GC threads included): steadier than wall time on a busy machine.
  r.row({ name: '  same, process CPU time', value: (cpu.user + cpu.system) / 1000, unit: 'ms' });
  const t1 = performance.now();
  for (const o of objects) loadObjectSpec(o.bytes, { file: o.name });
  r.row({ name: `read ${objects.length} objects (second pass)`, value: performance.now() - t1, unit: 'ms', target: 1000 });
  r.row({ name: 'per object, median', value: median(per), unit: 'ms' });
  r.row({ name: 'per object, max', value: Math.max(...per), unit: 'ms' });
  compareWithLibbpf(r, objects);

  const small = objects.filter((o) => statSync(o.name).size < 100_000);
  const t2 = performance.now();
  const fz = fuzzObjects(small, 10_000, 1);
  r.row({ name: 'fuzz: mutants read', value: fz.mutants, unit: 'mutants' });
  r.row({ name: 'fuzz: non-typed errors escaped', value: fz.findings.length, unit: 'errors', target: 0 });
  r.row({ name: 'fuzz: slowest mutant', value: fz.slowestMs, unit: 'ms' });
  r.note(`fuzz: ${fz.accepted} accepted, typed errors ${JSON.stringify(fz.errors)}, ${(performance.now() - t2).toFixed(0)} ms`);
  for (const f of fz.findings.slice(0, 5)) r.note(`finding: ${f.source} ${f.mutation}: ${f.error.split('\n')[0]}`);
}

/** Times libbpf's bpf_object__open on the objects it can open and tsbpf on the same ones. */
function compareWithLibbpf(r: BenchReporter, objects: { name: string; bytes: Uint8Array }[]): void {
  if (!hasTool('cc')) {
    r.note('libbpf comparison skipped: no C compiler');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-bench-'));
  try {
    const exe = path.join(dir, 'libbpf-list');
    const cc = spawnSync('cc', ['-O2', '-o', exe, path.join(repoRoot, 'src/object/libbpf-list.c'), '-lbpf']);
    if (cc.status !== 0) {
      r.note('libbpf comparison skipped: cannot build against libbpf');
      return;
    }
    const run = spawnSync(exe, ['-t', ...objects.map((o) => o.name)], { encoding: 'utf8' });
    const ok = new Set(run.stdout.split('\n').filter((l) => l.startsWith('ok ')).map((l) => l.slice(3)));
    const m = /opened (\d+) (\d+)/.exec(run.stdout);
    if (!m) return;
    const libbpfMs = Number(m[2]) / 1e6;
    const same = objects.filter((o) => ok.has(o.name));
    const t0 = performance.now();
    for (const o of same) loadObjectSpec(o.bytes, { file: o.name });
    const ours = performance.now() - t0;
    r.row({ name: `read the ${same.length} objects libbpf opens`, value: ours, unit: 'ms' });
    r.row({ name: `libbpf bpf_object__open, same ${same.length} objects`, value: libbpfMs, unit: 'ms' });
    r.note(`tsbpf / libbpf: ${(ours / libbpfMs).toFixed(1)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
