/**
 * Object reading benchmark: time to read every ebpf-samples object (target: all under 1 s), the
 * per-object median, and a 10,000-mutant fuzz run of the reader (count of escaped non-typed errors).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BenchReporter, median } from './report.js';
import { loadObjectSpec } from '../object/load.js';
import { fuzzObjects } from '../object/fuzz.js';
import { listFiles, testdataDir } from '../test-support.js';

export async function run(r: BenchReporter): Promise<void> {
  const files = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o').filter((f) => !f.includes('/invalid/'));
  if (files.length === 0) {
    r.note(`no corpus at ${testdataDir}`);
    return;
  }
  const objects = files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
  const per: number[] = [];
  const t0 = performance.now();
  for (const o of objects) {
    const t = performance.now();
    loadObjectSpec(o.bytes, { file: o.name });
    per.push(performance.now() - t);
  }
  const first = performance.now() - t0;
  r.row({ name: `read ${objects.length} objects (first pass, cold)`, value: first, unit: 'ms', target: 1000 });
  const t1 = performance.now();
  for (const o of objects) loadObjectSpec(o.bytes, { file: o.name });
  r.row({ name: `read ${objects.length} objects (second pass)`, value: performance.now() - t1, unit: 'ms', target: 1000 });
  r.row({ name: 'per object, median', value: median(per), unit: 'ms' });
  r.row({ name: 'per object, max', value: Math.max(...per), unit: 'ms' });

  const small = objects.filter((o) => statSync(o.name).size < 100_000);
  const t2 = performance.now();
  const fz = fuzzObjects(small, 10_000, 1);
  r.row({ name: 'fuzz: mutants read', value: fz.mutants, unit: 'mutants' });
  r.row({ name: 'fuzz: non-typed errors escaped', value: fz.findings.length, unit: 'errors', target: 0 });
  r.row({ name: 'fuzz: slowest mutant', value: fz.slowestMs, unit: 'ms' });
  r.note(`fuzz: ${fz.accepted} accepted, typed errors ${JSON.stringify(fz.errors)}, ${(performance.now() - t2).toFixed(0)} ms`);
  for (const f of fz.findings.slice(0, 5)) r.note(`finding: ${f.source} ${f.mutation}: ${f.error.split('\n')[0]}`);
}
