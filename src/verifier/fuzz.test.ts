import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from './index.js';
import { randomProgram, rng } from './fuzz.js';
import { kernelVerify } from './kernel-oracle.js';
import { requireOrSkip, isRoot } from '../test-support.js';

test('random programs never make the verifier throw', () => {
  const rnd = rng(1);
  for (let i = 0; i < 5000; i++) {
    const input = randomProgram(rnd);
    assert.doesNotThrow(() => verify({ ...input, insnLimit: 20_000 }), JSON.stringify(input.insns));
  }
});

test('random programs: same verdict as the kernel, and the kernel\'s message', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const rnd = rng(2);
  let same = 0, sameMessage = 0, rejected = 0;
  const unsafe: string[] = [];
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const input = randomProgram(rnd);
    const r = verify(input);
    const k = kernelVerify(input, 1);
    if (r.accepted === k.accepted) same++;
    else if (r.accepted) unsafe.push(JSON.stringify(input.insns));
    if (!r.accepted && !k.accepted) {
      rejected++;
      if (k.log.split('\n').includes(r.error!.message)) sameMessage++;
    }
  }
  t.diagnostic(`verdicts ${same}/${n}, first error line ${sameMessage}/${rejected}`);
  assert.deepEqual(unsafe, [], 'tsbpf accepts programs the kernel rejects');
  assert.ok(same / n >= 0.98, `verdict agreement ${same}/${n}`);
});
