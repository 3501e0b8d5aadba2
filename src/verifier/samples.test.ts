/**
 * Agreement with the kernel over real objects: every program of examples/ and of
 * ../shared/testdata/ebpf-samples that the kernel here loads or refuses for verifier reasons is
 * verified by tsbpf too, and the verdicts are compared. Objects written for iproute2 or another
 * loader that names the program type itself get that type from the corpus table (corpus.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verify } from './index.js';
import { loadObjectSpec } from '../object/index.js';
import { loadObject, VerifierError } from '../kernel/index.js';
import { verifierInputFromSpec, unsupportedFeature } from './spec-input.js';
import { corpusSpec } from './corpus.js';
import { listFiles, testdataDir, repoRoot, requireOrSkip, isRoot } from '../test-support.js';

const lastError = (log: string): string =>
  log.trim().split('\n').filter((l) => !/^(processed \d+ insns|verification time|stack depth)/.test(l)).pop() ?? '';

test('examples and ebpf-samples: tsbpf agrees with the kernel', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const samples = path.join(testdataDir, 'ebpf-samples');
  const files = [...listFiles(path.join(repoRoot, 'examples'), '.o'), ...listFiles(samples, '.o')];
  if (!requireOrSkip(t, files.length > 20, 'the ebpf-samples corpus')) return;
  let agree = 0, notCompared = 0;
  const disagreements: string[] = [], unsafe: string[] = [];
  for (const file of files) {
    const name = path.relative(testdataDir, file).startsWith('..') ? path.relative(repoRoot, file) : path.relative(testdataDir, file);
    let spec;
    try {
      spec = corpusSpec(path.relative(samples, file), loadObjectSpec(new Uint8Array(readFileSync(file)), { file }));
    } catch {
      notCompared++;
      continue;
    }
    for (const p of spec.programs) {
      // Programs tsbpf cannot take as input yet (no program type in the section name, CO-RE, ksyms).
      if (unsupportedFeature(p)) { notCompared++; continue; }
      let kernelOk: boolean, kernelMsg = '';
      try {
        loadObject(spec, { programs: [p.name] }).close();
        kernelOk = true;
      } catch (e) {
        // Only verifier verdicts count (map creation or attach-target failures are not).
        if (!(e instanceof VerifierError)) { notCompared++; continue; }
        kernelOk = false;
        kernelMsg = lastError(e.log);
      }
      const r = verify(verifierInputFromSpec(spec, p));
      if (r.accepted === kernelOk) { agree++; continue; }
      const line = `${name}:${p.name}: kernel ${kernelOk ? 'accepts' : `rejects (${kernelMsg})`}, tsbpf ${r.accepted ? 'accepts' : `rejects (${r.error!.message})`}`;
      disagreements.push(line);
      if (r.accepted) unsafe.push(line);
    }
  }
  const total = agree + disagreements.length;
  const rate = agree / total;
  t.diagnostic(`agreement ${agree}/${total} = ${(rate * 100).toFixed(1)}% (${notCompared} programs not compared)`);
  for (const d of disagreements) t.diagnostic(d);
  assert.deepEqual(unsafe, [], 'tsbpf accepts programs the kernel rejects');
  assert.ok(rate >= 0.98, `agreement ${(rate * 100).toFixed(1)}% is below 98%`);
});
