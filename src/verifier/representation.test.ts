/**
 * V8 keeps a number field of an object unboxed (a Smi) only while every value stored there is an
 * int32. One other number (an offset computed in floating point, an immediate out of int32 range)
 * makes every object of that shape box the field: for the verifier's registers, an allocation per
 * field on every register copy, which cost 10% of verification time before it was found. Nothing
 * else shows it, so a child process with V8's natives syntax verifies the examples and checks the
 * fields of registers and linked instructions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { listFiles, repoRoot } from '../test-support.js';

test('register and instruction number fields stay unboxed (int32) after verifying the examples', () => {
  const url = (p: string): string => new URL(p, import.meta.url).href;
  const files = listFiles(path.join(repoRoot, 'examples'), '.o');
  assert.ok(files.length > 0);
  const script = `
    import { readFileSync } from 'node:fs';
    const { loadObjectSpec } = await import(${JSON.stringify(url('../object/index.js'))});
    const { verify } = await import(${JSON.stringify(url('./index.js'))});
    const { verifierInputFromSpec, unsupportedFeature } = await import(${JSON.stringify(url('./spec-input.js'))});
    const { Reg } = await import(${JSON.stringify(url('./state.js'))});
    const boxed = new Set();
    for (const file of ${JSON.stringify(files)}) {
      const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { file });
      for (const p of spec.programs) {
        if (unsupportedFeature(p)) continue;
        const input = verifierInputFromSpec(spec, p);
        verify(input);
        for (const i of input.insns) for (const k of ['op', 'dst', 'src', 'off', 'imm']) if (!%IsSmi(i[k])) boxed.add('instruction ' + k);
      }
    }
    const r = new Reg();
    r.markUnknown();
    for (const k of Object.keys(r)) if (typeof r[k] === 'number' && !%IsSmi(r[k])) boxed.add('register ' + k);
    console.log(JSON.stringify([...boxed]));
  `;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), [], 'fields boxed as heap numbers');
});
