import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { XDP_ACTION, BPF_PROG_TYPE, BPF_F_TEST } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { encodeInstructions } from '../isa/index.js';
import { isRoot, requireOrSkip } from '../test-support.js';
import { KernelProgram, VerifierError } from './program.js';
import { KernelMap } from './map.js';
import { ERRNO } from './errno.js';
import { BPF_LOG, processedInsns, verificationTimeUsec, verifierStats } from './log.js';
import { addImm, call, exit, ldMapFd, ldxw, mov64, movReg, xdpReturn } from './testprogs.test.js';
import { possibleCpuCount } from '../uapi/cpus.js';

const packet = Uint8Array.from({ length: 64 }, (_, i) => i);

test('XDP r0 = XDP_PASS: test-run returns the verdict and the packet unchanged', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using p = KernelProgram.load({ type: 'xdp', insns: xdpReturn(XDP_ACTION.PASS), name: 'pass' });
  assert.equal(p.type, BPF_PROG_TYPE.XDP);
  assert.equal(p.verifierLog, '');
  const r = p.testRun({ dataIn: packet });
  assert.equal(r.retval, XDP_ACTION.PASS);
  assert.deepEqual(r.dataOut, packet);
  assert.equal(typeof r.duration, 'number');
  using drop = KernelProgram.load({ type: 'xdp', insns: xdpReturn(XDP_ACTION.DROP) });
  assert.equal(drop.testRun({ dataIn: packet }).retval, XDP_ACTION.DROP);
});

test('test-run refuses input the kernel refuses (XDP shorter than an Ethernet header)', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using p = KernelProgram.load({ type: 'xdp', insns: xdpReturn(XDP_ACTION.PASS) });
  assert.throws(() => p.testRun({ dataIn: new Uint8Array(10) }), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.EINVAL);
});

test('a rejected program raises VerifierError with EACCES and the kernel log', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  // exit without setting r0
  assert.throws(() => KernelProgram.load({ type: 'xdp', insns: [exit()], name: 'bad' }), (e: unknown) => {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.errno, ERRNO.EACCES);
    assert.match(e.log, /R0 !read_ok/);
    assert.match(e.message, /EACCES/);
    assert.match(e.message, /R0 !read_ok/);
    assert.equal(e.location.program, 'bad');
    return true;
  });
  // a helper XDP may not call: bpf_get_current_pid_tgid#14 is allowed; bpf_skb_load_bytes#26 is not
  assert.throws(() => KernelProgram.load({ type: 'xdp', insns: [call(26), mov64(0, 2), exit()] }),
    (e: unknown) => e instanceof VerifierError && /unknown func bpf_skb_load_bytes#26|program of this type cannot use helper/.test(e.log));
  // EINVAL for a malformed program (jump out of range) still carries the log
  assert.throws(() => KernelProgram.load({ type: 'xdp', insns: [{ op: 0x05, dst: 0, src: 0, off: 5, imm: 0 }, exit()] }),
    (e: unknown) => e instanceof VerifierError && e.errno === ERRNO.EINVAL && /jump out of range/.test(e.log));
});

test('log levels: 1 and 2 logs, BPF_LOG_STATS figures', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using p1 = KernelProgram.load({ type: 'xdp', insns: xdpReturn(2), logLevel: BPF_LOG.LEVEL1 });
  assert.equal(processedInsns(p1.verifierLog), 2);
  assert.equal(verificationTimeUsec(p1.verifierLog), undefined);
  using p2 = KernelProgram.load({ type: 'xdp', insns: xdpReturn(2), logLevel: BPF_LOG.LEVEL2 | BPF_LOG.STATS });
  assert.match(p2.verifierLog, /0: \(b7\) r0 = 2/);
  const stats = verifierStats(p2.verifierLog)!;
  assert.equal(stats.processedInsns, 2);
  assert.equal(stats.insnLimit, 1000000);
  assert.ok(Number.isInteger(stats.verificationTimeUsec) && stats.verificationTimeUsec! >= 0);
  assert.deepEqual(stats.stackDepth, [0]);
});

test('a log that does not fit is retried with log_true_size', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const insns = [...Array.from({ length: 200 }, (_, i) => mov64(1 + (i % 5), i)), ...xdpReturn(2)];
  using p = KernelProgram.load({ type: 'xdp', insns, logLevel: BPF_LOG.LEVEL2, logSize: 128 });
  assert.ok(p.verifierLog.length > 128);
  assert.equal(processedInsns(p.verifierLog), 202);
});

test('program info: tag, xlated instructions, map ids; pin/get by path and id', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using m = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
  // r1 = map; r0 = 2; exit  — the map is referenced, so it appears in map_ids
  const insns = [...ldMapFd(1, m.fd), mov64(0, 2), exit()];
  using p = KernelProgram.load({ type: 'xdp', insns, name: 'with_map' });
  const info = p.info();
  assert.match(info.tag, /^[0-9a-f]{16}$/);
  assert.equal(info.name, 'with_map');
  assert.deepEqual(info.mapIds, [m.info().id]);
  assert.equal(info.verifiedInsns, 3);
  assert.ok(info.jitedInsns.length > 0);
  // the kernel rewrites the map fd into the map's address: same opcodes, different immediates
  assert.equal(info.xlatedInsns.length, encodeInstructions(insns).length);
  assert.equal(info.xlatedInsns[0], 0x18);
  const path = `/sys/fs/bpf/tsbpf_test_prog_${process.pid}`;
  p.pin(path);
  try {
    using again = KernelProgram.fromPin(path);
    assert.equal(again.info().id, info.id);
    assert.equal(again.type, BPF_PROG_TYPE.XDP);
    assert.equal(again.testRun({ dataIn: packet }).retval, 2);
    using byId = KernelProgram.fromId(info.id);
    assert.equal(byId.name, 'with_map');
    // a program pin opened as a map is refused, and the fd it opened is closed again
    const fds = readdirSync('/proc/self/fd').length;
    assert.throws(() => KernelMap.fromPin(path), /is a BPF program, not a map: EINVAL/);
    assert.equal(readdirSync('/proc/self/fd').length, fds);
  } finally {
    rmSync(path);
  }
});

test('error paths: closed program, bad program type name, empty program', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const p = KernelProgram.load({ type: 'xdp', insns: xdpReturn(2) });
  p.close();
  assert.throws(() => p.testRun({ dataIn: packet }), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.EBADF);
  assert.throws(() => KernelProgram.load({ type: 'nope', insns: xdpReturn(2) }), /unknown program type "nope"/);
  assert.throws(() => KernelProgram.load({ type: 'xdp', insns: [] }), /not a whole number of instructions/);
  assert.throws(() => KernelProgram.fromId(0x7fffffff), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.ENOENT && /ENOENT/.test(e.message));
});

test('measure: test-run of a trivial XDP program with repeat = 1e6', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using p = KernelProgram.load({ type: 'xdp', insns: [movReg(0, 1), mov64(0, 2), exit()] });
  const r = p.testRun({ dataIn: packet, repeat: 1_000_000 });
  assert.equal(r.retval, 2);
  assert.ok(r.duration > 0 && r.duration < 1000, `${r.duration} ns/run`);
  t.diagnostic(`kernel test-run: ${r.duration} ns/run (XDP r0 = 2, 64-byte packet, repeat 1e6)`);
});

test('test-run with ctx_in / ctx_out: sched_cls sees and rewrites __sk_buff, raw_tp gets its args on a chosen CPU', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  // r0 = skb->mark; skb->priority = r0 + 1; exit   (__sk_buff: mark @8, priority @32; 192 bytes)
  using cls = KernelProgram.load({
    type: 'sched_cls',
    insns: [ldxw(0, 1, 8), { op: 0xbf, dst: 2, src: 0, off: 0, imm: 0 }, addImm(2, 1), { op: 0x63, dst: 1, src: 2, off: 32, imm: 0 }, exit()],
  });
  const ctx = new Uint8Array(192);
  new DataView(ctx.buffer).setUint32(8, 7, true);
  const frame = new Uint8Array(64);
  frame[12] = 0x08; // IPv4 ethertype
  const r = cls.testRun({ dataIn: frame, ctxIn: ctx, ctxOutSize: 192 });
  assert.equal(r.retval, 7);
  const out = new DataView(r.ctxOut!.buffer);
  assert.equal(r.ctxOut!.length, 192);
  assert.equal(out.getUint32(8, true), 7);
  assert.equal(out.getUint32(32, true), 8);
  // The kernel refuses ctx fields a test-run may not set (here: __sk_buff.len).
  new DataView(ctx.buffer).setUint32(0, 1, true);
  assert.throws(() => cls.testRun({ dataIn: frame, ctxIn: ctx }), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.EINVAL);

  // raw_tp: r0 = args[0]
  using raw = KernelProgram.load({ type: 'raw_tracepoint', insns: [{ op: 0x79, dst: 0, src: 1, off: 0, imm: 0 }, exit()] });
  const args = new Uint8Array(8);
  new DataView(args.buffer).setUint32(0, 42, true);
  assert.equal(raw.testRun({ ctxIn: args }).retval, 42);
  assert.equal(raw.testRun({ ctxIn: args, flags: BPF_F_TEST.RUN_ON_CPU, cpu: possibleCpuCount() - 1 }).retval, 42);
  assert.throws(() => raw.testRun({ ctxIn: args, flags: BPF_F_TEST.RUN_ON_CPU, cpu: 4096 }), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.ENXIO);
});
