/**
 * Differential tests of program contexts and helpers against the kernel: small programs (llvm
 * assembly) exercising one context rule or helper each — field reads and writes, ctx_in/ctx_out,
 * XDP head/meta/tail geometry, skb byte access, checksums, VLAN tags, size and protocol changes,
 * redirects, LD_ABS — run with the same input in the kernel (BPF_PROG_TEST_RUN) and in the VM;
 * retval, data_out, ctx_out or the refusal errno must agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KernelError } from '../errors.js';
import { assemble } from '../isa/asm.js';
import { KernelProgram } from '../kernel/program.js';
import { buildPacket } from '../packet/build.js';
import { ethernet, ipv4, ipv6, payload, tcp, udp, vlan } from '../packet/layers.js';
import { isRoot, requireOrSkip } from '../test-support.js';
import { loadVmProgram } from './object.js';
import { TestRunError } from './progtypes/testrun-error.js';

const eth = ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' });
const PKT = {
  tcp4: buildPacket([eth, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), tcp({ sport: 1000, dport: 80 }), payload(20)]),
  udp4: buildPacket([eth, ipv4({ src: '10.1.0.1', dst: '10.1.0.2' }), udp({ sport: 53, dport: 5353, checksum: 0 } as never), payload(12)]),
  tcp6: buildPacket([eth, ipv6({ src: 'fd00::1', dst: 'fd00::2' }), tcp({ sport: 2000, dport: 443 }), payload(8)]),
  vlan: buildPacket([eth, vlan({ vid: 100, pcp: 3 }), ipv4({ src: '10.2.0.1', dst: '10.2.0.2' }), udp({ sport: 1, dport: 2 }), payload(16)]),
  jumbo: buildPacket([eth, ipv4({ src: '10.3.0.1', dst: '10.3.0.2' }), udp({ sport: 7, dport: 7 }), payload(3980)]),
  bcast: buildPacket([ethernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.255' }), udp({ sport: 67, dport: 68 })]),
};

interface Case {
  name: string;
  type: string;
  asm: string;
  packets?: (keyof typeof PKT)[];
  ctxIn?: Uint8Array;
}

/** A 192-byte __sk_buff ctx_in with some u32 fields set. */
function skbCtx(fields: Record<number, number>): Uint8Array {
  const b = new Uint8Array(192), v = new DataView(b.buffer);
  for (const [off, val] of Object.entries(fields)) v.setUint32(Number(off), val, true);
  return b;
}

/** A 24-byte xdp_md ctx_in. */
function xdpCtx(data: number, dataEnd: number): Uint8Array {
  const b = new Uint8Array(24), v = new DataView(b.buffer);
  v.setUint32(0, data, true);
  v.setUint32(4, dataEnd, true);
  return b;
}

const readField = (off: number, size = 32) => `r0 = *(u${size} *)(r1 + ${off})\nexit`;
const ALL: (keyof typeof PKT)[] = ['tcp4', 'udp4', 'tcp6', 'vlan', 'bcast'];

const cases: Case[] = [
  // __sk_buff reads (tc) at full and narrow widths
  ...([[0, 'len'], [4, 'pkt_type'], [8, 'mark'], [12, 'queue_mapping'], [16, 'protocol'], [20, 'vlan_present'], [32, 'priority'],
    [36, 'ingress_ifindex'], [40, 'ifindex'], [44, 'tc_index'], [68, 'hash'], [72, 'tc_classid'], [160, 'wire_len'], [164, 'gso_segs'], [176, 'gso_size']] as const)
    .map(([off, n]): Case => ({ name: `tc reads ${n}`, type: 'sched_cls', asm: readField(off), packets: ALL })),
  { name: 'tc narrow protocol read', type: 'sched_cls', asm: readField(16, 16), packets: ALL },
  { name: 'tc narrow len read (high half)', type: 'sched_cls', asm: readField(2, 16), packets: ALL },
  { name: 'tc wire_len with ctx_in', type: 'sched_cls', asm: readField(160), packets: ['tcp4'], ctxIn: skbCtx({}) },
  { name: 'tc wire_len from ctx_in', type: 'sched_cls', asm: readField(160), packets: ['tcp4'], ctxIn: skbCtx({ 160: 1500 }) },
  { name: 'tc mark from ctx_in', type: 'sched_cls', asm: readField(8), packets: ['tcp4'], ctxIn: skbCtx({ 8: 77, 48: 5 }) },
  { name: 'tc refuses ctx_in len', type: 'sched_cls', asm: readField(8), packets: ['tcp4'], ctxIn: skbCtx({ 0: 5 }) },
  { name: 'tc refuses ctx_in ifindex', type: 'sched_cls', asm: readField(8), packets: ['tcp4'], ctxIn: skbCtx({ 40: 999 }) },
  {
    name: 'tc writes mark, priority, cb → ctx_out', type: 'sched_cls', packets: ['tcp4'], ctxIn: skbCtx({ 8: 5, 52: 3 }),
    asm: 'r2 = 17\n*(u32 *)(r1 + 8) = r2\nr2 = 7\n*(u32 *)(r1 + 32) = r2\nr2 = 9\n*(u32 *)(r1 + 56) = r2\nr2 = 4\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit',
  },
  // socket filter: network-header data, LD_ABS, len
  { name: 'socket filter len', type: 'socket_filter', asm: readField(0), packets: ALL },
  { name: 'socket filter LD_ABS protocol byte', type: 'socket_filter', asm: 'r6 = r1\nr0 = *(u8 *)skb[9]\nexit', packets: ALL },
  { name: 'socket filter LD_ABS beyond the end', type: 'socket_filter', asm: 'r6 = r1\nr0 = *(u32 *)skb[2000]\nr0 = 5\nexit', packets: ['tcp4'] },
  { name: 'socket filter writes cb → ctx_out', type: 'socket_filter', asm: 'r2 = 9\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit', packets: ['tcp4'], ctxIn: skbCtx({}) },
  {
    name: 'socket filter load_bytes_relative MAC', type: 'socket_filter', packets: ALL,
    asm: 'r2 = 10\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 0\ncall 68\nr6 = r0\nr6 <<= 24\nr0 = *(u32 *)(r10 - 8)\nr0 ^= r6\nexit',
  },
  // skb byte access and checksums (tc)
  ...[[0, 8], [30, 4], [50, 8], [70, 4], [74, 1]].map(([off, len]): Case => ({
    name: `tc skb_load_bytes off ${off} len ${len}`, type: 'sched_cls', packets: ALL,
    asm: `r2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = ${off}\nr3 = r10\nr3 += -8\nr4 = ${len}\ncall 26\nr6 = r0\nr6 <<= 24\nr0 = *(u32 *)(r10 - 8)\nr0 ^= r6\nexit`,
  })),
  ...[[0, 1], [6, 1], [0, 0], [40, 1]].map(([off, hdr]): Case => ({
    name: `tc skb_load_bytes_relative off ${off} hdr ${hdr}`, type: 'sched_cls', packets: ALL,
    asm: `r2 = ${off}\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = ${hdr}\ncall 68\nr6 = r0\nr6 <<= 24\nr0 = *(u32 *)(r10 - 8)\nr0 ^= r6\nexit`,
  })),
  ...[[26, 0], [26, 2], [26, 1], [58, 0], [80, 0], [26, 4]].map(([off, flags]): Case => ({
    name: `tc skb_store_bytes off ${off} flags ${flags}`, type: 'sched_cls', packets: ['tcp4', 'udp4'],
    asm: `r2 = 0x11223344\n*(u32 *)(r10 - 8) = r2\nr2 = ${off}\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = ${flags}\ncall 9\nexit`,
  })),
  ...[[0x0100000a, 0x0200000a, 4], [7, 9, 0x14], [0x0a00, 0x0b00, 2], [0, 0x1234, 0], [5, 0x1234, 0], [1, 2, 8]].map(([from, to, flags]): Case => ({
    name: `tc l3_csum_replace ${from.toString(16)}→${to.toString(16)} flags ${flags}`, type: 'sched_cls', packets: ['tcp4', 'udp4'],
    asm: `r2 = 24\nr3 = ${from}\nr4 = ${to}\nr5 = ${flags}\ncall 10\nexit`,
  })),
  ...[[50, 4 | 0x10], [50, 2], [40, 4 | 0x20], [40, 4 | 0x20 | 0x40], [50, 0], [51, 4], [100, 4], [40, 0x100]].map(([off, flags]): Case => ({
    name: `tc l4_csum_replace off ${off} flags 0x${flags.toString(16)}`, type: 'sched_cls', packets: ['tcp4', 'udp4'],
    asm: `r2 = ${off}\nr3 = ${flags & 0xf ? 0x0100000a : 0}\nr4 = 0x0200000a\nr5 = ${flags}\ncall 11\nexit`,
  })),
  {
    name: 'tc csum_diff', type: 'sched_cls', packets: ['tcp4'],
    asm: 'r2 = 0x0100000a\n*(u32 *)(r10 - 8) = r2\nr2 = 0x0300000a\n*(u32 *)(r10 - 16) = r2\nr2 = 0x7\n*(u32 *)(r10 - 12) = r2\n' +
      'r1 = r10\nr1 += -8\nr2 = 4\nr3 = r10\nr3 += -16\nr4 = 8\nr5 = 0x1234\ncall 28\nexit',
  },
  // size, protocol and VLAN changes (tc)
  ...[60, 200, 20, 13, 70000].map((n): Case => ({ name: `tc skb_change_tail ${n}`, type: 'sched_cls', packets: ['tcp4', 'tcp6'], asm: `r2 = ${n}\nr3 = 0\ncall 38\nexit` })),
  ...[8, 0].map((n): Case => ({ name: `tc skb_change_head ${n}`, type: 'sched_cls', packets: ['tcp4'], asm: `r2 = ${n}\nr3 = 0\ncall 43\nexit` })),
  { name: 'tc skb_change_proto 4→6', type: 'sched_cls', packets: ['tcp4', 'tcp6'], asm: 'r6 = r1\nr2 = 0xdd86\nr3 = 0\ncall 31\nr1 = *(u32 *)(r6 + 16)\nr0 <<= 16\nr0 |= r1\nexit' },
  { name: 'tc skb_change_proto 6→4', type: 'sched_cls', packets: ['tcp4', 'tcp6'], asm: 'r6 = r1\nr2 = 0x0008\nr3 = 0\ncall 31\nr1 = *(u32 *)(r6 + 16)\nr0 <<= 16\nr0 |= r1\nexit' },
  { name: 'tc skb_change_type', type: 'sched_cls', packets: ['tcp4'], asm: 'r6 = r1\nr2 = 1\ncall 32\nr0 = *(u32 *)(r6 + 4)\nexit' },
  ...[[8, 0], [-8, 0], [4, 1], [-4, 1], [-60, 0], [5000, 0]].map(([d, mode]): Case => ({
    name: `tc skb_adjust_room ${d} mode ${mode}`, type: 'sched_cls', packets: ['tcp4', 'tcp6', 'vlan'], asm: `r2 = ${d}\nr3 = ${mode}\nr4 = 0\ncall 50\nexit`,
  })),
  {
    name: 'tc skb_vlan_push then read tag', type: 'sched_cls', packets: ['tcp4', 'vlan'],
    asm: 'r6 = r1\nr2 = 0x0081\nr3 = 42\ncall 18\nr1 = *(u32 *)(r6 + 24)\nr2 = *(u32 *)(r6 + 20)\nr0 <<= 8\nr0 |= r2\nr0 <<= 16\nr0 |= r1\nexit',
  },
  {
    name: 'tc skb_vlan_push twice', type: 'sched_cls', packets: ['tcp4'],
    asm: 'r6 = r1\nr2 = 0x0081\nr3 = 42\ncall 18\nr1 = r6\nr2 = 0xa888\nr3 = 7\ncall 18\nr0 = *(u32 *)(r6 + 16)\nexit',
  },
  { name: 'tc skb_vlan_pop', type: 'sched_cls', packets: ['tcp4', 'vlan'], asm: 'r6 = r1\ncall 19\nr1 = *(u32 *)(r6 + 16)\nr0 <<= 16\nr0 |= r1\nexit' },
  { name: 'tc skb_pull_data', type: 'sched_cls', packets: ['tcp4'], asm: 'r2 = 30\ncall 39\nr6 = r0\nr1 = 0\nexit' },
  { name: 'tc redirect', type: 'sched_cls', packets: ['tcp4'], asm: 'r1 = 5\nr2 = 0\ncall 23\nexit' },
  { name: 'tc redirect bad flags', type: 'sched_cls', packets: ['tcp4'], asm: 'r1 = 5\nr2 = 2\ncall 23\nexit' },
  { name: 'tc get_socket_uid', type: 'sched_cls', packets: ['tcp4'], asm: 'call 47\nexit' },
  ...[[23, 4], [25, 2]].map(([off, flags]): Case => ({ name: `tc l3_csum_replace odd offset ${off}`, type: 'sched_cls', packets: ['tcp4'], asm: `r2 = ${off}\nr3 = 1\nr4 = 2\nr5 = ${flags}\ncall 10\nexit` })),
  { name: 'tc skb_get_tunnel_key', type: 'sched_cls', packets: ['tcp4'], asm: 'r2 = r10\nr2 += -48\nr3 = 44\nr4 = 0\ncall 20\nexit' },
  // XDP geometry
  ...[-14, -216, -217, -256, 14, 40, 100].map((d): Case => ({ name: `xdp_adjust_head ${d}`, type: 'xdp', packets: ['tcp4', 'udp4'], asm: `r2 = ${d}\ncall 44\nexit` })),
  ...[-4, -32, -36, -216, -220, -3, 4].map((d): Case => ({ name: `xdp_adjust_meta ${d}`, type: 'xdp', packets: ['tcp4'], asm: `r2 = ${d}\ncall 54\nexit` })),
  ...[10, -10, 3000, 4000, -60].map((d): Case => ({ name: `xdp_adjust_tail ${d}`, type: 'xdp', packets: ['tcp4', 'udp4'], asm: `r2 = ${d}\ncall 65\nexit` })),
  { name: 'xdp meta then head', type: 'xdp', packets: ['tcp4'], asm: 'r6 = r1\nr2 = -8\ncall 54\nr1 = r6\nr2 = -20\ncall 44\nexit' },
  { name: 'xdp linear length of a jumbo frame', type: 'xdp', packets: ['tcp4', 'jumbo'], asm: 'r2 = *(u32 *)(r1 + 4)\nr3 = *(u32 *)(r1 + 0)\nr0 = r2\nr0 -= r3\nexit' },
  { name: 'xdp_adjust_head on a jumbo frame', type: 'xdp', packets: ['jumbo'], asm: 'r2 = -20\ncall 44\nexit' },
  { name: 'xdp ctx_in with 8 bytes of metadata', type: 'xdp', packets: ['tcp4'], ctxIn: xdpCtx(8, PKT.tcp4.length), asm: 'r2 = -4\ncall 54\nexit' },
  ...[[0, 10], [8, 10], [0, 0], [0, 200], [4, 2]].map(([d, e]): Case => ({
    name: `xdp ctx_in data ${d} data_end ${e}: linear part and fragments`, type: 'xdp', packets: ['tcp4'], ctxIn: xdpCtx(d, e),
    asm: 'r2 = *(u32 *)(r1 + 4)\nr3 = *(u32 *)(r1 + 0)\nr0 = r2\nr0 -= r3\nexit',
  })),
  ...[20, -20, -70, -60, 5000].map((t): Case => ({
    name: `xdp_adjust_tail ${t} with fragments`, type: 'xdp', packets: ['tcp4'], ctxIn: xdpCtx(0, 30), asm: `r2 = ${t}\ncall 65\nexit`,
  })),
  ...[20, -100, -3980, -4000].map((t): Case => ({ name: `xdp_adjust_tail ${t} on a jumbo frame`, type: 'xdp', packets: ['jumbo'], asm: `r2 = ${t}\ncall 65\nexit` })),
  { name: 'xdp ctx_in refused: unaligned metadata', type: 'xdp', packets: ['tcp4'], ctxIn: xdpCtx(6, PKT.tcp4.length), asm: 'r0 = 2\nexit' },
  { name: 'cgroup_skb reads len', type: 'cgroup_skb', packets: ALL, asm: 'r0 = *(u32 *)(r1 + 0)\nr0 &= 1\nexit' },
  { name: 'cgroup_skb writes mark → ctx_out', type: 'cgroup_skb', packets: ['tcp4'], ctxIn: skbCtx({}), asm: 'r2 = 3\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit' },
  { name: 'xdp reads ingress_ifindex', type: 'xdp', packets: ['tcp4'], asm: readField(12) },
  { name: 'xdp reads rx_queue_index', type: 'xdp', packets: ['tcp4'], asm: readField(16) },
  { name: 'xdp redirect', type: 'xdp', packets: ['tcp4'], asm: 'r1 = 3\nr2 = 0\ncall 23\nexit' },
  { name: 'xdp redirect bad flags', type: 'xdp', packets: ['tcp4'], asm: 'r1 = 3\nr2 = 1\ncall 23\nexit' },
];

type Outcome = { retval: number; data_out: string; ctx_out?: string } | { errno: number };

for (const c of cases) {
  test(`kernel and VM agree: ${c.name}`, (t) => {
    if (!requireOrSkip(t, isRoot, 'root')) return;
    const insns = assemble(c.asm + '\n');
    const kp = KernelProgram.load({ type: c.type, insns });
    const vp = loadVmProgram({ type: c.type, insns, cpus: 1 });
    try {
      for (const name of c.packets ?? ['tcp4']) {
        const dataIn = PKT[name];
        const show = (run: () => { retval: number; dataOut?: Uint8Array; ctxOut?: Uint8Array }): Outcome => {
          try {
            const r = run();
            return { retval: r.retval, data_out: Buffer.from(r.dataOut ?? []).toString('hex'), ...(r.ctxOut ? { ctx_out: Buffer.from(r.ctxOut).toString('hex') } : {}) };
          } catch (e) {
            if (e instanceof KernelError || e instanceof TestRunError) return { errno: e.errno };
            throw e;
          }
        };
        const ctxOutSize = c.ctxIn ? c.ctxIn.length : undefined;
        const k = show(() => kp.testRun({ dataIn, ctxIn: c.ctxIn, ctxOutSize }));
        const v = show(() => vp.run({ dataIn, ctxIn: c.ctxIn, ctxOutSize }));
        assert.deepEqual(v, k, `${c.name} on ${name}`);
      }
    } finally {
      kp.close();
    }
  });
}
