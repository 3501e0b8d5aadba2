/**
 * loadObject against libbpf on the ebpf-samples corpus: for every object whose programs libbpf
 * (bpftool 7.1 `prog loadall`) loads, tsbpf loads exactly the same programs into the kernel.
 * Objects libbpf loads nothing from (it cannot open pre-BTF legacy map sections, or the kernel
 * refuses one program and libbpf then loads none) are counted, not compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hasTool, isRoot, listFiles, requireOrSkip, testdataDir } from '../test-support.js';
import { readObjectFile } from '../object/index.js';
import { loadObject } from './object.js';

test('loadObject loads the same programs as libbpf for every corpus object libbpf loads', async (t) => {
  const files = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o');
  if (!requireOrSkip(t, isRoot && hasTool('bpftool') && files.length > 0, 'root, bpftool and the ebpf-samples corpus')) return;
  const pin = `/sys/fs/bpf/tsbpf_corpus_${process.pid}`;
  let compared = 0, libbpfNone = 0;
  const mismatches: string[] = [];
  for (const file of files) {
    let libbpf: string[] = [];
    try {
      execFileSync('bpftool', ['prog', 'loadall', file, pin], { stdio: 'pipe' });
      libbpf = readdirSync(pin).sort();
    } catch {
      // libbpf refused the object (or one of its programs): nothing is pinned
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
    if (libbpf.length === 0) {
      libbpfNone++;
      continue;
    }
    compared++;
    let ours: string[] = [];
    let error = '';
    try {
      using obj = loadObject(await readObjectFile(file));
      ours = [...obj.programs.keys()].sort();
    } catch (e) {
      error = String(e).split('\n')[0];
    }
    if (JSON.stringify(ours) !== JSON.stringify(libbpf)) {
      mismatches.push(`${path.relative(testdataDir, file)}: libbpf [${libbpf}] tsbpf [${ours}] ${error}`);
    }
  }
  t.diagnostic(`${compared} objects compared with libbpf, ${libbpfNone} that libbpf 1.x loads nothing from`);
  assert.ok(compared >= 15, `only ${compared} objects compared`);
  assert.deepEqual(mismatches, []);
});
