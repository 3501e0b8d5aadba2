/**
 * Object reading benchmark: time to read every ebpf-samples object (target: all under 1 s), the
 * per-object median and slowest objects, the same reads beside libbpf's bpf_object__open (C,
 * measured in the same run on the objects libbpf can open), the parse of the kernel's BTF (cold, in
 * fresh processes) and a 10,000-mutant fuzz run of the reader (count of escaped non-typed errors).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchReporter, median } from './report.js';
import { loadObjectSpec } from '../object/load.js';
import { fuzzObjects } from '../object/fuzz.js';
import { VMLINUX_BTF_PATH } from '../btf/core.js';
import { hasTool, listFiles, repoRoot, testdataDir } from '../test-support.js';

/** Fresh processes for the cold vmlinux BTF figures (the first parse of a process is the one that counts). */
const VMLINUX_RUNS = 7;

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
  const slowest = per.map((ms, i) => ({ ms, name: path.relative(testdataDir, objects[i].name) })).sort((a, b) => b.ms - a.ms);
  r.note(`slowest: ${slowest.slice(0, 3).map((x) => `${x.name} ${x.ms.toFixed(1)} ms`).join(', ')}`);
  compareWithLibbpf(r, objects);
  vmlinuxParse(r);

  const small = objects.filter((o) => statSync(o.name).size < 100_000);
  const t2 = performance.now();
  const fz = fuzzObjects(small, 10_000, 1);
  r.row({ name: 'fuzz: mutants read', value: fz.mutants, unit: 'mutants' });
  r.row({ name: 'fuzz: non-typed errors escaped', value: fz.findings.length, unit: 'errors', target: 0 });
  r.row({ name: 'fuzz: slowest mutant', value: fz.slowestMs, unit: 'ms' });
  r.note(`fuzz: ${fz.accepted} accepted, typed errors ${JSON.stringify(fz.errors)}, ${(performance.now() - t2).toFixed(0)} ms`);
  for (const f of fz.findings.slice(0, 5)) r.note(`finding: ${f.source} ${f.mutation}: ${f.error.split('\n')[0]}`);
}

/**
 * CPU time (process.cpuUsage: steadier than wall time on a busy machine) of parsing the kernel's
 * BTF in a fresh process, median of several processes: the parse itself, then the CO-RE candidate
 * index (names only) and decoding every type object (what a full C or raw dump needs).
 */
function vmlinuxParse(r: BenchReporter): void {
  if (!existsSync(VMLINUX_BTF_PATH)) {
    r.note(`vmlinux BTF parse skipped: no ${VMLINUX_BTF_PATH}`);
    return;
  }
  const script = `
    import { readFileSync } from 'node:fs';
    const { loadBtf } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/btf/spec.js')).href)});
    const { findCoreCandidates } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/btf/core.js')).href)});
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(VMLINUX_BTF_PATH)}));
    const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
    let c = cpu(), w = performance.now();
    const btf = loadBtf(bytes, { file: 'vmlinux' });
    const parse = cpu() - c, parseWall = performance.now() - w;
    c = cpu();
    findCoreCandidates(btf, btf.typesByName('task_struct')[0].id, btf);
    const index = cpu() - c;
    c = cpu();
    const n = btf.types.length;
    const all = cpu() - c;
    console.log(JSON.stringify({ parse, parseWall, index, all, n }));`;
  const runs: { parse: number; parseWall: number; index: number; all: number; n: number }[] = [];
  for (let i = 0; i < VMLINUX_RUNS; i++) {
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (p.status !== 0) {
      r.note(`vmlinux BTF parse failed: ${p.stderr.split('\n')[0]}`);
      return;
    }
    runs.push(JSON.parse(p.stdout));
  }
  const med = (k: 'parse' | 'parseWall' | 'index' | 'all') => median(runs.map((x) => x[k]));
  r.row({ name: `vmlinux BTF parse (${runs[0].n - 1} types), CPU`, value: med('parse'), unit: 'ms', target: 300 });
  r.row({ name: '  same, wall time', value: med('parseWall'), unit: 'ms' });
  r.row({ name: '  then CO-RE candidate index, CPU', value: med('index'), unit: 'ms' });
  r.row({ name: '  then every type object decoded, CPU', value: med('all'), unit: 'ms' });
  r.note(`medians of ${VMLINUX_RUNS} fresh processes`);
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
