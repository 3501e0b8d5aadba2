/** Cgroup arrays and the membership helpers, against the environment's simulated cgroup path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPacket } from '../../packet/build.js';
import { ethernet, ipv4, udp } from '../../packet/layers.js';
import { ERRNO } from '../../uapi/errno.js';
import { BPF_MAP_TYPE, BPF_PROG_TYPE } from '../../uapi/index.js';
import { CgroupArrayMap } from '../maps/cgroup.js';
import { createMap } from '../maps/factory.js';
import { loadVmObject } from '../object.js';
import { ldMap, mapSpec, objectSpec } from '../object.test.kit.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);
const frame = buildPacket([ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ sport: 1, dport: 2 })]);
const cgroups = () => mapSpec('cgroups', BPF_MAP_TYPE.CGROUP_ARRAY, 4, 4, 2);

test('cgroup_array: fd-array checks, ids stored from userspace, bpf(2) lookups refused like the kernel', () => {
  assert.throws(() => createMap({ type: 'cgroup_array', keySize: 4, valueSize: 8, maxEntries: 2 }), /value_size must be 4/);
  const m = createMap({ type: 'cgroup_array', keySize: 4, valueSize: 4, maxEntries: 2 }) as CgroupArrayMap;
  assert.ok(m instanceof CgroupArrayMap);
  assert.equal(m.updateElem(k4(1), k4(77)), 0);
  assert.equal(m.cgroupAt(1), 77);
  assert.equal(m.updateElem(k4(0), k4(0)), -ERRNO.EBADF);
  assert.equal(m.updateElem(k4(2), k4(5)), -ERRNO.E2BIG);
  assert.equal(m.sysLookup(k4(1), new Uint8Array(4), 0), -ERRNO.ENOTSUPP);
  assert.equal(m.deleteElem(k4(1)), 0);
  assert.equal(m.cgroupAt(1), undefined);
});

test('bpf_current_task_under_cgroup: 1 for the task\'s cgroup or an ancestor, 0 otherwise, -E2BIG, -EAGAIN', () => {
  const run = (idx: number, path: number[], set: [number, number][]) => {
    const obj = loadVmObject(objectSpec([ldMap(1, 0), `r2 = ${idx}`, 'call 37', 'exit'].join('\n'), [cgroups()], BPF_PROG_TYPE.TRACEPOINT, 'tracepoint/x/y'), { cpus: 1, cgroupPath: path });
    const m = obj.map('cgroups') as CgroupArrayMap;
    for (const [i, id] of set) m.setCgroup(i, id);
    return Number(BigInt.asIntN(64, obj.program('p').run({ ctxIn: new Uint8Array(8) }).r0));
  };
  assert.equal(run(0, [1, 20, 300], [[0, 300]]), 1, 'the task\'s own cgroup');
  assert.equal(run(0, [1, 20, 300], [[0, 20]]), 1, 'an ancestor');
  assert.equal(run(0, [1, 20], [[0, 300]]), 0, 'a descendant is not above the task');
  assert.equal(run(0, [1], [[0, 1]]), 1, 'default path: the root cgroup');
  assert.equal(run(1, [1], [[0, 1]]), -ERRNO.EAGAIN, 'empty slot');
  assert.equal(run(2, [1], []), -ERRNO.E2BIG, 'past max_entries');
});

test('bpf_skb_under_cgroup: the test-run skb\'s socket is in the current task\'s cgroup', () => {
  const obj = loadVmObject(objectSpec([ldMap(2, 0), 'r3 = 0', 'call 33', 'exit'].join('\n'), [cgroups()], BPF_PROG_TYPE.SCHED_CLS, 'tc'), { cpus: 1, cgroupPath: [1, 9] });
  const m = obj.map('cgroups') as CgroupArrayMap;
  const r0 = () => Number(BigInt.asIntN(64, obj.program('p').run({ dataIn: frame }).r0));
  assert.equal(r0(), -ERRNO.EAGAIN);
  m.setCgroup(0, 9);
  assert.equal(r0(), 1);
  m.setCgroup(0, 10);
  assert.equal(r0(), 0);
});
