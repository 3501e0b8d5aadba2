import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isRoot, listFiles, requireOrSkip, testdataDir } from '../test-support.js';
import { readObjectFile } from '../object/index.js';
import { loadBtf, type BtfSpec } from '../btf/spec.js';
import type { BtfType } from '../btf/types.js';
import { BtfWriter } from './btf-encode.js';
import { KernelBtf } from './btf.js';

/** The BTF of every corpus object that has one. */
async function corpusBtfs() {
  const out = [];
  for (const file of listFiles(path.join(testdataDir, 'ebpf-samples'), '.o')) {
    try {
      const spec = await readObjectFile(file);
      if (spec.btf) out.push({ file, btf: spec.btf });
    } catch {
      // objects the object loader refuses are covered by its own tests
    }
  }
  return out;
}

/** Types the sanitisation leaves alone: everything but externs and what they refer to. */
function untouched(spec: BtfSpec, t: BtfType): boolean {
  const externProto = spec.types.some((f) => f.kind === 'FUNC' && f.linkage === 2 && f.type === t.id);
  return !(t.kind === 'VAR' && t.linkage === 2) && !(t.kind === 'FUNC' && t.linkage === 2) && !externProto
    && !(t.kind === 'DATASEC' && t.name === '.ksyms');
}

test('BtfWriter: corpus BTF written back parses to the same types (extern linkage sanitised)', async (t) => {
  const btfs = await corpusBtfs();
  if (!requireOrSkip(t, btfs.length > 0, 'the ebpf-samples corpus')) return;
  for (const { file, btf } of btfs) {
    const again = loadBtf(new BtfWriter(btf).bytes(), { file });
    const hasKsyms = btf.types.some((ty) => ty.kind === 'DATASEC' && ty.name === '.ksyms');
    assert.ok(again.types.length >= btf.types.length && (hasKsyms || again.types.length === btf.types.length), file);
    btf.types.forEach((ty, id) => {
      if (untouched(btf, ty)) assert.deepEqual(again.types[id], ty, `${file}: type [${id}]`);
      else assert.equal(again.types[id].kind, ty.kind, `${file}: type [${id}]`);
    });
  }
  t.diagnostic(`${btfs.length} objects`);
});

test('BtfWriter: the kernel accepts the BTF of every corpus object', async (t) => {
  const btfs = await corpusBtfs();
  if (!requireOrSkip(t, isRoot && btfs.length > 0, 'root and the ebpf-samples corpus')) return;
  const refused: string[] = [];
  for (const { file, btf } of btfs) {
    try {
      KernelBtf.load(new BtfWriter(btf).bytes()).close();
    } catch (e) {
      refused.push(`${path.relative(testdataDir, file)}: ${String(e).split('\n').slice(-1)[0]}`);
    }
  }
  assert.deepEqual(refused, []);
});
