/**
 * `.rodata` is frozen when an object loads, as libbpf and the kernel backend do: the verifier
 * folds loads from it into constants (bpf_map_direct_read), so userspace must not change it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { readObjectFile } from '../object/load.js';
import { repoRoot } from '../test-support.js';
import { loadVmObject } from './object.js';
import { ERRNO } from './maps/index.js';

test('global read-only data is frozen at load: bpf(2)-style updates fail with EPERM', async () => {
  const spec = await readObjectFile(path.join(repoRoot, 'examples', 'tp_execve.o'));
  const rodata = spec.maps.find((m) => m.frozen && m.source === 'data');
  assert.ok(rodata, 'tp_execve.o has a .rodata map');
  const obj = loadVmObject(spec, { cpus: 1 });
  const map = obj.map(rodata.name);
  assert.equal(map.frozen, true);
  assert.equal(map.updateElem(new Uint8Array(4), new Uint8Array(rodata.valueSize)), -ERRNO.EPERM);
  assert.equal(obj.map('events').frozen, false);
});
