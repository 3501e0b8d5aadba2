/**
 * Verifier benchmark: time to verify each program of examples/ and ebpf-samples beside the
 * kernel's own `verification time N usec` for the same program (log level BPF_LOG_STATS), the
 * per-program ratio, the median ratio (target ≤ 1.0), the worst ratio (target ≤ 10x) and the
 * slowest program (target < 2 s). Also the processed-instruction counts beside the kernel's
 * (`processed N insns`): how closely state pruning follows the kernel's (each program whose
 * count differs, the median and worst ratio, and how many programs need fewer than the kernel).
 * Times are taken after a first pass over the whole corpus (V8 has then compiled the verifier's
 * code, as the kernel's is compiled ahead of time); the first pass's total is printed too. Both
 * sides are the best of several runs taken in alternating rounds (`bestOfBoth`); the median
 * ratio is also printed per size class (the kernel's processed instructions).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BenchReporter, median, type BenchRow } from './report.js';
import { loadObjectSpec } from '../object/load.js';
import type { ObjectSpec } from '../object/types.js';
import { loadObject } from '../kernel/index.js';
import { verify } from '../verifier/index.js';
import { verifierInputFromSpec, unsupportedFeature } from '../verifier/spec-input.js';
import { corpusSpec } from '../verifier/corpus.js';
import { listFiles, testdataDir, repoRoot, isRoot } from '../test-support.js';

const BPF_LOG_STATS = 4;

/** bestOfBoth: runs per side in a round; rounds: at least MIN_ROUNDS, up to MAX_ROUNDS while all took under BUDGET_MS. */
const RUNS = 3, MIN_ROUNDS = 2, MAX_ROUNDS = 4, BUDGET_MS = 50;

/**
 * The smallest times `kernel` and `ours` report over the same rounds, each round running one
 * RUNS times in a row, then the other: each side is measured warm, as in a loop of its own, and
 * a slow spell of the machine (single runs of a small program vary by up to 2x here) falls on
 * both sides alike.
 */
function bestOfBoth(kernel: () => number, ours: () => number): [number, number] {
  let k = Infinity, o = Infinity;
  const t0 = performance.now();
  for (let round = 0; round < MAX_ROUNDS && (round < MIN_ROUNDS || performance.now() - t0 < BUDGET_MS); round++) {
    for (let i = 0; i < RUNS; i++) k = Math.min(k, kernel());
    for (let i = 0; i < RUNS; i++) o = Math.min(o, ours());
  }
  return [k, o];
}

/** Size classes of the per-size medians: processed instructions (the kernel's) below each bound. */
const SIZE_CLASSES = [50, 200, 1000, 10000, Infinity];

/** Loads `prog` of `spec` in the kernel: its verification time (usec) and processed instructions. */
function kernelRun(spec: ObjectSpec, prog: string): { usec: number; insns: number } {
  const o = loadObject(spec, { programs: [prog], logLevel: BPF_LOG_STATS });
  const log = o.program(prog).verifierLog;
  o.close();
  const t = /verification time (\d+) usec/.exec(log), n = /processed (\d+) insns/.exec(log);
  return { usec: t ? Number(t[1]) : NaN, insns: n ? Number(n[1]) : 0 };
}

export async function run(r: BenchReporter): Promise<void> {
  if (!isRoot) {
    r.note('needs root for the kernel figures');
    return;
  }
  const samples = path.join(testdataDir, 'ebpf-samples');
  const files = [...listFiles(path.join(repoRoot, 'examples'), '.o'), ...listFiles(samples, '.o')];
  // First pass: every program the kernel loads and tsbpf accepts, with the kernel's processed
  // count; verifying each once also warms up V8's JIT for the verifier's code.
  const cases: { name: string; spec: ObjectSpec; prog: string; input: ReturnType<typeof verifierInputFromSpec>; kernelInsns: number }[] = [];
  const insnRows: BenchRow[] = [];
  const insnRatios: number[] = [];
  let coldMs = 0;
  for (const file of files) {
    let spec: ObjectSpec;
    try {
      // Objects written for iproute2 and other loaders get their loader's program type (corpus.ts).
      spec = corpusSpec(path.relative(samples, file), loadObjectSpec(new Uint8Array(readFileSync(file)), { file }));
    } catch {
      continue;
    }
    for (const p of spec.programs) {
      if (unsupportedFeature(p)) continue;
      let kernelInsns: number;
      try {
        kernelInsns = kernelRun(spec, p.name).insns;
      } catch {
        continue;
      }
      const input = verifierInputFromSpec(spec, p);
      const t0 = performance.now();
      const res = verify(input);
      coldMs += performance.now() - t0;
      if (!res.accepted) continue;
      const name = `${path.basename(file)}:${p.name}`;
      cases.push({ name, spec, prog: p.name, input, kernelInsns });
      if (kernelInsns) {
        insnRatios.push(res.processedInsns / kernelInsns);
        if (res.processedInsns !== kernelInsns) insnRows.push({ name: `${name} processed insns`, value: res.processedInsns, unit: 'insns', kernel: kernelInsns, target: 2, targetIsRatio: true });
      }
    }
  }
  // Second pass: per program, the best of the kernel's loads and tsbpf's runs (bestOfBoth).
  const ratios: number[] = [];
  const byClass: number[][] = SIZE_CLASSES.map(() => []);
  let slowest = 0, slowestName = '';
  for (const { name, spec, prog, input, kernelInsns } of cases) {
    const [kernelUsec, ms] = bestOfBoth(() => kernelRun(spec, prog).usec, () => {
      const t0 = performance.now();
      verify(input);
      return performance.now() - t0;
    });
    if (!kernelUsec) continue;
    r.row({ name, value: ms * 1000, unit: 'usec', kernel: kernelUsec, target: 10, targetIsRatio: true });
    const ratio = (ms * 1000) / kernelUsec;
    ratios.push(ratio);
    byClass[SIZE_CLASSES.findIndex((bound) => kernelInsns < bound)].push(ratio);
    if (ms > slowest) { slowest = ms; slowestName = name; }
  }
  r.row({ name: `first (cold) pass over ${cases.length} programs`, value: coldMs, unit: 'ms' });
  byClass.forEach((rs, i) => {
    const from = i ? SIZE_CLASSES[i - 1] : 0, to = SIZE_CLASSES[i];
    if (rs.length) r.row({ name: `median ratio, ${from}${to === Infinity ? '+' : `-${to - 1}`} insns (${rs.length} programs)`, value: median(rs), unit: 'x' });
  });
  r.row({ name: `median ratio over ${ratios.length} programs`, value: median(ratios), unit: 'x', target: 1 });
  r.row({ name: 'worst ratio', value: Math.max(...ratios), unit: 'x', target: 10 });
  r.row({ name: `slowest program (${slowestName})`, value: slowest, unit: 'ms', target: 2000 });
  for (const row of insnRows) r.row(row);
  r.row({ name: `processed insns: median ratio over ${insnRatios.length} programs`, value: median(insnRatios), unit: 'x', target: 1 });
  r.row({ name: 'processed insns: worst ratio', value: Math.max(...insnRatios), unit: 'x', target: 2 });
  r.row({ name: 'processed insns: programs below the kernel\'s count', value: insnRatios.filter((x) => x < 1).length, unit: 'programs' });
}
