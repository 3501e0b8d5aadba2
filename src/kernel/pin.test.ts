import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, isRoot, requireOrSkip } from '../test-support.js';
import { ensureBpffs, isBpffsMounted } from './pin.js';
import { KernelMap } from './map.js';

test('ensureBpffs mounts a bpf filesystem where none is, pins work in it', (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('umount'), 'root and umount')) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-bpffs-'));
  try {
    assert.equal(isBpffsMounted(dir), false);
    ensureBpffs(dir);
    assert.equal(isBpffsMounted(dir), true);
    ensureBpffs(dir); // already mounted: nothing to do
    using m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    m.pin(path.join(dir, 'm'));
    using again = KernelMap.fromPin(path.join(dir, 'm'));
    assert.equal(again.info().id, m.info().id);
  } finally {
    if (isBpffsMounted(dir)) execFileSync('umount', [dir]);
    rmdirSync(dir);
  }
});
