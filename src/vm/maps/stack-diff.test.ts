/**
 * bpf(2) on empty stack trace and cgroup array maps, in the kernel and in the VM: the same return
 * codes for lookups, updates, deletes and next-key walks (programs fill these maps, userspace
 * cannot create their entries through bpf(2) except with cgroup fds).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BPF_MAP_TYPE as T } from '../../uapi/index.js';
import { isRoot, requireOrSkip } from '../../test-support.js';
import { errnoName } from './errno.js';
import { createMap } from './factory.js';
import { KernelSide, prepareKernelSide, type KernelMapDesc } from './kernel.test.kit.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);
const code = (r: Uint8Array | number) => (typeof r === 'number' ? errnoName(r) : 'ok');

test('stack_trace / cgroup_array: bpf(2) on empty maps answers like the kernel', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  prepareKernelSide();
  const descs: KernelMapDesc[] = [
    { type: T.STACK_TRACE, keySize: 4, valueSize: 32, maxEntries: 3, flags: 0 },
    { type: T.CGROUP_ARRAY, keySize: 4, valueSize: 4, maxEntries: 3, flags: 0 },
  ];
  for (const d of descs) {
    const k = KernelSide.create(d);
    assert.ok(typeof k !== 'number', `kernel create ${d.type}`);
    const vm = createMap(d);
    const ops: [string, () => Uint8Array | number, () => Uint8Array | number][] = [
      ['lookup 0', () => k.lookup(k4(0)), () => { const o = new Uint8Array(d.valueSize); const r = vm.sysLookup(k4(0), o, 0); return r || o; }],
      ['lookup 7', () => k.lookup(k4(7)), () => { const o = new Uint8Array(d.valueSize); const r = vm.sysLookup(k4(7), o, 0); return r || o; }],
      ['delete 1', () => k.delete(k4(1)), () => vm.sysDelete(k4(1))],
      ['delete 9', () => k.delete(k4(9)), () => vm.sysDelete(k4(9))],
      ['next first', () => k.getNext(), () => { const o = new Uint8Array(4); return vm.getNextKey(null, o) || o; }],
      ['next 1', () => k.getNext(k4(1)), () => { const o = new Uint8Array(4); return vm.getNextKey(k4(1), o) || o; }],
    ];
    if (d.type === T.STACK_TRACE) ops.push(['update 0', () => k.update(k4(0), new Uint8Array(32)), () => vm.sysUpdate(k4(0), new Uint8Array(32), 0)]);
    for (const [what, kernel, v] of ops) {
      const kr = kernel(), vr = v();
      assert.equal(code(vr), code(kr), `${vm.typeName} ${what}`);
      if (typeof kr !== 'number') assert.deepEqual(vr, kr, `${vm.typeName} ${what}`);
    }
    k.destroy();
  }
});
