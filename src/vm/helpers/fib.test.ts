/** bpf_fib_lookup over the simulated FIB (RunEnv fibRoutes), for XDP and tc. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunInputError } from '../../errors.js';
import { buildPacket } from '../../packet/build.js';
import { ethernet, ipv4, udp } from '../../packet/layers.js';
import { ERRNO } from '../../uapi/errno.js';
import { BPF_MAP_TYPE, BPF_PROG_TYPE } from '../../uapi/index.js';
import { BPF_FIB_LOOKUP as L } from '../../uapi/structs.gen.js';
import { loadVmObject } from '../object.js';
import { ldMap, mapSpec, objectSpec } from '../object.test.kit.js';
import { BPF_FIB_LKUP_RET as RET, BPF_FIB_LOOKUP, type FibRoute } from './fib.js';
import type { RunEnvOptions } from './env.js';

const k0 = new Uint8Array(4);
const frame = buildPacket([ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ sport: 1, dport: 2 })]);
const routes: FibRoute[] = [
  { prefix: '10.1.0.0/16', ifindex: 3, gateway: '192.168.0.1', smac: '02:00:00:00:00:03', dmac: '02:00:00:00:00:fe', mtu: 9000 },
  { prefix: '10.1.2.0/24', ifindex: 4, smac: '02:00:00:00:00:04', dmac: '02:00:00:00:00:44' },
  { prefix: 'fd00::/64', ifindex: 5, gateway: 'fe80::1', smac: '02:00:00:00:00:05', dmac: '02:00:00:00:00:55' },
];

/** Runs bpf_fib_lookup(ctx, &params in an array value, plen, flags) on params `p`; returns r0 and the params after. */
function lookup(p: Uint8Array, flags = 0, env: RunEnvOptions = { fibRoutes: routes }, o: { plen?: number; type?: number } = {}) {
  const asm = [
    'r6 = r1', 'r1 = 0', '*(u32 *)(r10 - 4) = r1', ldMap(1, 0), 'r2 = r10', 'r2 += -4', 'call 1', 'if r0 == 0 goto +6',
    'r1 = r6', 'r2 = r0', `r3 = ${o.plen ?? L.size}`, `r4 = ${flags}`, 'call 69', 'exit', 'r0 = 99', 'exit',
  ].join('\n');
  const type = o.type ?? BPF_PROG_TYPE.XDP;
  const obj = loadVmObject(objectSpec(asm, [mapSpec('params', BPF_MAP_TYPE.ARRAY, 4, L.size, 1)], type, type === BPF_PROG_TYPE.XDP ? 'xdp' : 'tc'), { cpus: 1, ...env });
  obj.map('params').updateElem(k0, p);
  const r0 = Number(BigInt.asIntN(64, obj.program('p').run({ dataIn: frame }).r0));
  return { r0, p: obj.map('params').lookupElem(k0) as Uint8Array };
}

/** struct bpf_fib_lookup for `dst` (family from the address), ingress ifindex 2. */
function params(dst: number[], totLen = 0): Uint8Array {
  const p = new Uint8Array(L.size), dv = new DataView(p.buffer);
  p[L.fields.family.offset] = dst.length === 4 ? 2 : 10;
  dv.setUint16(L.fields.tot_len.offset, totLen, true);
  dv.setUint32(L.fields.ifindex.offset, 2, true);
  p.set(dst, L.fields.ipv4_dst.offset);
  p.fill(0xaa, L.fields.smac.offset, L.size);
  return p;
}
const field = (p: Uint8Array, name: keyof typeof L.fields) => p.subarray(L.fields[name].offset, L.fields[name].offset + L.fields[name].size);
const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const u16 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint16(0, true);

test('bpf_fib_lookup: longest prefix, gateway as the new ipv4_dst, ifindex, smac/dmac, mtu_result', () => {
  const via = lookup(params([10, 1, 9, 9]));
  assert.equal(via.r0, RET.SUCCESS);
  assert.equal(u32(field(via.p, 'ifindex')), 3);
  assert.deepEqual([...field(via.p, 'ipv4_dst')], [192, 168, 0, 1]);
  assert.deepEqual([...field(via.p, 'smac')], [2, 0, 0, 0, 0, 3]);
  assert.deepEqual([...field(via.p, 'dmac')], [2, 0, 0, 0, 0, 0xfe]);
  assert.equal(u16(field(via.p, 'mtu_result')), 9000);
  const onLink = lookup(params([10, 1, 2, 7]));
  assert.equal(onLink.r0, RET.SUCCESS);
  assert.equal(u32(field(onLink.p, 'ifindex')), 4, 'the /24 wins over the /16');
  assert.deepEqual([...field(onLink.p, 'ipv4_dst')], [10, 1, 2, 7], 'no gateway: the destination is the next hop');
  const v6 = lookup(params([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]));
  assert.equal(v6.r0, RET.SUCCESS);
  assert.equal(u32(field(v6.p, 'ifindex')), 5);
  assert.deepEqual([...field(v6.p, 'ipv6_dst')], [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
});

test('bpf_fib_lookup: no route → NOT_FWDED (default FIB empty), SKIP_NEIGH leaves dmac, FRAG_NEEDED, errors', () => {
  const miss = lookup(params([10, 9, 9, 9]));
  assert.equal(miss.r0, RET.NOT_FWDED);
  assert.deepEqual(miss.p, params([10, 9, 9, 9]), 'params untouched');
  assert.equal(lookup(params([10, 1, 2, 7]), 0, {}).r0, RET.NOT_FWDED, 'default: empty FIB');
  const skip = lookup(params([10, 1, 2, 7]), BPF_FIB_LOOKUP.SKIP_NEIGH);
  assert.deepEqual([...field(skip.p, 'dmac')], new Array(6).fill(0xaa));
  assert.deepEqual([...field(skip.p, 'smac')], [2, 0, 0, 0, 0, 4]);
  const big = lookup(params([10, 1, 2, 7], 1501));
  assert.equal(big.r0, RET.FRAG_NEEDED);
  assert.equal(u16(field(big.p, 'mtu_result')), 1500);
  assert.equal(lookup(params([10, 1, 2, 7], 1500)).r0, RET.SUCCESS);
  assert.equal(lookup(params([10, 1, 2, 7]), 0, undefined, { plen: 63 }).r0, -ERRNO.EINVAL, 'plen below sizeof(struct bpf_fib_lookup)');
  assert.equal(lookup(params([10, 1, 2, 7]), 1 << 5).r0, -ERRNO.EINVAL, 'unknown flag');
  const noFamily = params([10, 1, 2, 7]);
  noFamily[0] = 7;
  assert.equal(lookup(noFamily).r0, -ERRNO.EAFNOSUPPORT);
  assert.throws(() => lookup(params([10, 1, 2, 7]), BPF_FIB_LOOKUP.SRC), /BPF_FIB_LOOKUP_SRC is not supported by the VM/);
  assert.throws(() => lookup(params([10, 1, 2, 7]), 0, { fibRoutes: [{ prefix: '10.0.0.0/33', ifindex: 1, smac: '02:00:00:00:00:01', dmac: '02:00:00:00:00:02' }] }), RunInputError);
});

test('bpf_fib_lookup from tc', () => {
  const r = lookup(params([10, 1, 9, 9]), BPF_FIB_LOOKUP.DIRECT, undefined, { type: BPF_PROG_TYPE.SCHED_CLS });
  assert.equal(r.r0, RET.SUCCESS);
  assert.equal(u32(field(r.p, 'ifindex')), 3);
  assert.equal(u16(field(r.p, 'mtu_result')), 9000);
});
