/**
 * Verifier benchmark: time to verify each program of examples/ and ebpf-samples (best of three,
 * after a first pass over the whole corpus that warms the JIT up; that pass's total is reported)
 * beside the kernel's own `verification time N usec` for the same program (log level
 * BPF_LOG_STATS), the per-program ratio, the median ratio (target ≤ 1.0), the worst ratio
 * (target ≤ 10x) and the slowest program (target < 2 s).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BenchReporter, median } from './report.js';
import { loadObjectSpec } from '../object/load.js';
import { loadObject } from '../kernel/index.js';
import { verify } from '../verifier/index.js';
import { verifierInputFromSpec, unsupportedFeature } from '../verifier/spec-input.js';
import type { VerifierInput } from '../verifier/types.js';
import { listFiles, testdataDir, repoRoot, isRoot } from '../test-support.js';

const BPF_LOG_STATS = 4;

export async function run(r: BenchReporter): Promise<void> {
  if (!isRoot) {
    r.note('needs root for the kernel figures');
    return;
  }
  const files = [...listFiles(path.join(repoRoot, 'examples'), '.o'), ...listFiles(path.join(testdataDir, 'ebpf-samples'), '.o')];
  // Every program the kernel verifies, with the kernel's time.
  const cases: { name: string; input: VerifierInput; kernelUsec: number }[] = [];
  for (const file of files) {
    let spec;
    try {
      spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { file });
    } catch {
      continue;
    }
    for (const p of spec.programs) {
      if (unsupportedFeature(p)) continue;
      let kernelUsec: number | undefined;
      try {
        const o = loadObject(spec, { programs: [p.name], logLevel: BPF_LOG_STATS });
        const m = /verification time (\d+) usec/.exec(o.program(p.name).verifierLog);
        kernelUsec = m ? Number(m[1]) : undefined;
        o.close();
      } catch {
        continue;
      }
      if (kernelUsec) cases.push({ name: `${path.basename(file)}:${p.name}`, input: verifierInputFromSpec(spec, p), kernelUsec });
    }
  }
  // A first pass over the corpus: the per-program figures are then the JIT-compiled verifier's
  // (a long-running process's), as the kernel's are its compiled C's; the cold total is reported.
  let coldMs = 0;
  for (const c of cases) {
    const t0 = performance.now();
    verify(c.input);
    coldMs += performance.now() - t0;
  }
  r.row({ name: `first (cold JIT) pass over ${cases.length} programs`, value: coldMs, unit: 'ms' });
  const ratios: number[] = [];
  let slowest = 0, slowestName = '';
  for (const c of cases) {
    // Best of three runs.
    let ms = Infinity, accepted = false;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      accepted = verify(c.input).accepted;
      ms = Math.min(ms, performance.now() - t0);
    }
    if (!accepted) continue;
    r.row({ name: c.name, value: ms * 1000, unit: 'usec', kernel: c.kernelUsec, target: 10, targetIsRatio: true });
    ratios.push((ms * 1000) / c.kernelUsec);
    if (ms > slowest) { slowest = ms; slowestName = c.name; }
  }
  r.row({ name: `median ratio over ${ratios.length} programs`, value: median(ratios), unit: 'x', target: 1 });
  r.row({ name: 'worst ratio', value: Math.max(...ratios), unit: 'x', target: 10 });
  r.row({ name: `slowest program (${slowestName})`, value: slowest, unit: 'ms', target: 2000 });
}
