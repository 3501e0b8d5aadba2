/**
 * Soundness fuzzing at scale: 100,000 generated and mutated programs verified, every accepted one
 * run in the VM on random inputs. Reports programs/s, the accept rate and the safety-fault count
 * (target 0: a fault is a verifier or VM bug), plus the kernel's verdict on a sample when root.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot, listFiles } from '../test-support.js';
import { kernelErrorLine, kernelVerify } from '../verifier/kernel-oracle.js';
import { corpusFromConformance, corpusFromObjects, formatFinding, runSoundness } from '../verifier/soundness.js';
import type { BenchReporter } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROGRAMS = Number(process.env.TSBPF_FUZZ_PROGRAMS ?? 100_000);

export async function run(r: BenchReporter): Promise<void> {
  const testdata = process.env.TSBPF_TESTDATA ?? path.resolve(root, '../shared/testdata');
  const corpus = [
    ...await corpusFromObjects(listFiles(path.join(root, 'examples'), '.o')),
    ...corpusFromConformance(listFiles(path.join(testdata, 'bpf_conformance', 'tests'), '.data')),
  ];
  const s = runSoundness({
    seed: 0x5017d, count: PROGRAMS, corpus, kernelEvery: isRoot ? 100 : 0,
    kernelVerify: (p) => { const k = kernelVerify({ progType: p.progType, insns: p.insns, maps: p.maps }, 1); return { accepted: k.accepted, error: kernelErrorLine(k.log) }; },
  });
  r.row({ name: 'soundness programs/s', value: s.programs / s.seconds, unit: 'prog/s' });
  r.row({ name: 'soundness accept rate', value: (100 * s.accepted) / s.programs, unit: '%' });
  r.row({ name: 'soundness VM runs', value: s.runs, unit: 'runs' });
  r.row({ name: 'soundness safety faults', value: s.faults, unit: 'faults', target: 0 });
  for (const [k, v] of s.byOrigin) r.note(`${k}: ${v.accepted}/${v.total} accepted`);
  if (s.kernel) {
    const k = s.kernel;
    r.row({ name: 'soundness kernel agreement (sampled)', value: (100 * k.agree) / Math.max(1, k.sampled), unit: '%' });
    for (const x of k.tsbpfOnly) r.note(`tsbpf accepts, kernel refuses (${x.kernelError}): ${x.program.origin}`);
    for (const x of k.kernelOnly) r.note(`kernel accepts, tsbpf refuses (${x.tsbpfError}): ${x.program.origin}`);
  }
  for (const f of s.findings) r.note(formatFinding(f).replace(/\n/g, '\n  '));
}
