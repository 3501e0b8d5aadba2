/**
 * VM-side behaviour of test-runs that the kernel comparison cannot show: redirect targets, skb
 * metadata after a run, tracing contexts, context access rules, helper allow-lists, the trace
 * pipe, the simulated task and the seedable PRNG.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadError, VerifierRejectError, VmFault } from '../errors.js';
import { assemble } from '../isa/asm.js';
import { buildPacket } from '../packet/build.js';
import { ethernet, ipv4, tcp } from '../packet/layers.js';
import { formatPrintk } from './helpers/base.js';
import { loadVmProgram } from './object.js';
import { TestRunError } from './progtypes/testrun-error.js';
import { passedPacket, verdictName } from './replay.js';

const frame = buildPacket([ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), tcp({ sport: 1, dport: 2 })]);
const prog = (type: string, asm: string, o: Record<string, unknown> = {}) => loadVmProgram({ type, insns: assemble(asm + '\n'), cpus: 2, ...o });
/** Loads without the verifier: these tests check the VM's own run-time and load-time checks (defense in depth). */
const unverified = (type: string, asm: string, o: Record<string, unknown> = {}) => prog(type, asm, { verify: false, ...o });

test('redirect targets are reported with the redirect verdict only', () => {
  const x = prog('xdp', 'r1 = 7\nr2 = 0\ncall 23\nexit').run({ dataIn: frame });
  assert.equal(verdictName(6, x.retval), 'XDP_REDIRECT');
  assert.deepEqual(x.redirect, { ifindex: 7, flags: 0 });
  const t = prog('sched_cls', 'r1 = 9\nr2 = 1\ncall 23\nexit').run({ dataIn: frame });
  assert.equal(verdictName(3, t.retval), 'TC_ACT_REDIRECT');
  assert.deepEqual(t.redirect, { ifindex: 9, flags: 1 });
  const overridden = prog('xdp', 'r1 = 7\nr2 = 0\ncall 23\nr0 = 2\nexit').run({ dataIn: frame });
  assert.equal(overridden.redirect, undefined);
});

test('tc writes to mark, priority, tc_index, cb and the hash are visible after the run', () => {
  const r = prog('sched_cls', [
    'r6 = r1', 'r2 = 17', '*(u32 *)(r1 + 8) = r2', 'r2 = 5', '*(u32 *)(r1 + 32) = r2', 'r2 = 3', '*(u32 *)(r1 + 44) = r2',
    'r2 = 99', '*(u32 *)(r1 + 64) = r2', 'r1 = r6', 'r2 = 0x1234', 'call 48', 'r0 = 0', 'exit',
  ].join('\n')).run({ dataIn: frame });
  assert.equal(r.skb?.mark, 17);
  assert.equal(r.skb?.priority, 5);
  assert.equal(r.skb?.tcIndex, 3);
  assert.equal(r.skb?.cb[4], 99);
  assert.equal(r.skb?.hash, 0x1234);
  assert.equal(r.skb?.protocol, 0x0800);
});

test('context access rules: read-only and unreadable fields fault, naming the field', () => {
  assert.throws(() => unverified('sched_cls', 'r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit').run({ dataIn: frame }), (e: Error) => e instanceof VmFault && /len is not writable by sched_cls/.test(e.message));
  assert.throws(() => unverified('socket_filter', 'r0 = *(u32 *)(r1 + 76)\nexit').run({ dataIn: frame }), /data is not readable by socket_filter/);
  assert.throws(() => unverified('sched_cls', 'r0 = *(u16 *)(r1 + 76)\nexit').run({ dataIn: frame }), /data must be accessed as a whole 4-byte field/);
  assert.throws(() => unverified('xdp', 'r2 = 1\n*(u32 *)(r1 + 12) = r2\nr0 = 2\nexit').run({ dataIn: frame }), /ingress_ifindex is not writable by xdp/);
});

test('helpers: not allowed for the program type, or allowed but missing in the VM, fail the load', () => {
  assert.throws(() => unverified('socket_filter', 'r2 = 0\ncall 9\nexit'), (e: Error) => e instanceof LoadError && /helper bpf_skb_store_bytes#9 is not allowed for socket_filter programs/.test(e.message));
  assert.throws(() => unverified('xdp', 'call 84\nexit'), /helper bpf_sk_lookup_tcp#84 is not supported by the VM/);
  assert.throws(() => unverified('xdp', 'call 9\nexit'), /bpf_skb_store_bytes#9 is not allowed for xdp programs/);
  assert.throws(() => unverified('kprobe', 'call 58\nexit'), /bpf_override_return#58 is not allowed for kprobe programs/);
});

test('tracing contexts: raw tracepoint args, kprobe pt_regs, refusals', () => {
  const args = new Uint8Array(16);
  new DataView(args.buffer).setBigUint64(8, 0x1122334455n, true);
  const raw = unverified('raw_tracepoint', 'r0 = *(u64 *)(r1 + 8)\nexit').run({ ctxIn: args });
  assert.equal(raw.r0, 0x1122334455n);
  assert.equal(raw.retval, 0x22334455);
  assert.throws(() => unverified('raw_tracepoint', 'r0 = 0\nexit').run({ ctxIn: new Uint8Array(7) }), TestRunError);
  const regs = new Uint8Array(168);
  new DataView(regs.buffer).setBigUint64(112, 42n, true); // di: first argument
  assert.equal(unverified('kprobe', 'r0 = *(u64 *)(r1 + 112)\nexit').run({ ctxIn: regs }).retval, 42);
  assert.throws(() => unverified('kprobe', 'r2 = 1\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit').run({ ctxIn: regs }), /read-only/);
  assert.throws(() => unverified('kprobe', 'r0 = 0\nexit').run({ dataIn: frame }), /take no data_in/);
});

test('simulated task, seedable PRNG and the trace pipe', () => {
  const task = { pid: 11, tgid: 10, uid: 1000, gid: 100, comm: 'worker' };
  assert.equal(prog('tracepoint', 'call 14\nexit', { task }).run({ ctxIn: new Uint8Array(8) }).r0, (10n << 32n) | 11n);
  assert.equal(prog('tracepoint', 'call 15\nexit', { task }).run({ ctxIn: new Uint8Array(8) }).r0, (100n << 32n) | 1000n);
  const rnd = (seed: number) => prog('xdp', 'call 7\nexit', { seed }).run({ dataIn: frame, repeat: 3 }).retval;
  assert.equal(rnd(5), rnd(5));
  assert.notEqual(rnd(5), rnd(6));
  // "x=%d %s\n" on the stack, then bpf_trace_printk(fmt, 9, 42, &"hi").
  const p = prog('xdp', [
    'r1 = 0x0a73252064253d78 ll', '*(u64 *)(r10 - 16) = r1', 'r1 = 0', '*(u64 *)(r10 - 8) = r1',
    'r1 = 0x6968', '*(u64 *)(r10 - 24) = r1',
    'r1 = r10', 'r1 += -16', 'r2 = 9', 'r3 = 42', 'r4 = r10', 'r4 += -24', 'call 6', 'r0 = 2', 'exit',
  ].join('\n'), { task });
  const fmtCheck = formatPrintk('x=%d %s\n', [42n, 0n], () => 'hi');
  assert.equal(fmtCheck, 'x=42 hi\n');
  p.run({ dataIn: frame });
  const lines = p.env.readTrace();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^\s+worker-11 +\[000\] d\.\.31 +\d+\.\d{6}: bpf_trace_printk: x=42 hi$/);
  assert.equal(formatPrintk('%d %d %d %d', [1n, 2n, 3n, 4n], () => ''), undefined, 'more than 3 arguments are refused');
  assert.equal(formatPrintk('%lld %llx %u %5d|%-3d|', [-1n, 255n, -1n, 7n], () => ''), undefined);
  assert.equal(formatPrintk('%lld %llx %u %5d', [-1n, 255n, 0xffffffffn, 7n], () => ''), undefined);
  assert.equal(formatPrintk('%lld %llx %5d', [-1n, 255n, 7n], () => ''), '-1 ff     7');
});

test('replay helpers: which packets a verdict lets through', () => {
  assert.ok(passedPacket(6, 2, frame));
  assert.equal(passedPacket(6, 1, frame), undefined);
  assert.equal(passedPacket(3, 2, frame), undefined);
  assert.equal(passedPacket(1, 10, frame)?.length, 24);
  assert.equal(verdictName(3, 0xffffffff), 'TC_ACT_UNSPEC');
});

test('loading verifies like the kernel: a rejected program fails with the verifier message and log', () => {
  assert.throws(() => prog('xdp', 'r0 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r0 + 4000)\nr0 = 2\nexit'), (e: Error) =>
    e instanceof VerifierRejectError && /invalid access to packet, off=4000 size=1/.test(e.message) && e.location.insn === 1 && /processed \d+ insns/.test(e.log));
  // The same program without the verifier is stopped by the VM's own memory checks.
  assert.throws(() => unverified('xdp', 'r0 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r0 + 4000)\nr0 = 2\nexit').run({ dataIn: frame }), VmFault);
});

test('perf_event: bpf_perf_prog_read_value reads the simulated event; a wrong size clears the buffer with -EINVAL', () => {
  const asm = (size: number) => `r2 = r10\nr2 += -24\nr3 = ${size}\ncall 56\nr6 = r0\nr0 = *(u64 *)(r10 - 24)\nr0 += r6\nexit`;
  const ctx = new Uint8Array(184);
  const perfEventValue = { counter: 1234n, enabled: 10n, running: 5n };
  assert.equal(prog('perf_event', asm(24), { perfEventValue }).run({ ctxIn: ctx }).retval, 1234);
  assert.equal(prog('perf_event', asm(16), { perfEventValue }).run({ ctxIn: ctx }).r0, -22n & 0xffffffffffffffffn);
});
