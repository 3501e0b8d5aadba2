import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { BPF_ATTACH_TYPE, BPF_F_ATTACH, BPF_FUNC, BPF_LINK_TYPE } from '../uapi/index.js';
import { KernelError } from '../errors.js';
import { hasTool, isRoot, requireOrSkip } from '../test-support.js';
import { KernelLink, progAttach, progDetach } from './link.js';
import { KernelMap } from './map.js';
import { KernelProgram } from './program.js';
import { ERRNO } from './errno.js';
import { call, exit, ldMapFd, mov64, movReg, addImm, onCpu, xdpReturn } from './testprogs.test.js';
import { onlineCpus } from '../uapi/cpus.js';
import { PERF_COUNT_SW, PERF_TYPE, perfEventClose, perfEventOpen } from './perf.js';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const errnoIs = (name: string) => (e: unknown) => e instanceof KernelError && e.errno === ERRNO[name];

/** raw_tp program: `counter[0] += 1` (atomic), return 0. */
function counterProgram(mapFd: number) {
  return [
    mov64(1, 0), { op: 0x63, dst: 10, src: 1, off: -4, imm: 0 }, // *(u32 *)(r10 - 4) = r1
    ...ldMapFd(1, mapFd), movReg(2, 10), addImm(2, -4), call(BPF_FUNC.map_lookup_elem),
    { op: 0x15, dst: 0, src: 0, off: 2, imm: 0 }, // if r0 == 0 goto +2
    mov64(1, 1), { op: 0xdb, dst: 0, src: 1, off: 0, imm: 0 }, // lock *(u64 *)(r0 + 0) += r1
    mov64(0, 0), exit(),
  ];
}

test('raw tracepoint link: attached program runs on every sys_enter, info names the tracepoint', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using counter = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  using prog = KernelProgram.load({ type: 'raw_tracepoint', insns: counterProgram(counter.fd), name: 'count_sys' });
  const count = () => new DataView(counter.lookup(u32(0))!.buffer).getBigUint64(0, true);
  {
    using link = KernelLink.rawTracepoint(prog, 'sys_enter');
    const info = link.info();
    assert.equal(info.type, BPF_LINK_TYPE.RAW_TRACEPOINT);
    assert.equal(info.progId, prog.info().id);
    assert.equal(info.tracepoint, 'sys_enter');
    using byId = KernelLink.fromId(info.id);
    assert.equal(byId.info().tracepoint, 'sys_enter');
    for (let i = 0; i < 10; i++) statSync('/');
    assert.ok(count() >= 10n, `counted ${count()} syscalls`);
  }
  const after = count();
  statSync('/');
  assert.equal(count(), after, 'closing the link detaches the program');
  assert.throws(() => KernelLink.rawTracepoint(prog, 'no_such_tracepoint'), errnoIs('ENOENT'));
});

test('tracepoint link (perf event + BPF_LINK_CREATE): runs on raw_syscalls/sys_enter, on every CPU', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using counter = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  using prog = KernelProgram.load({ type: 'tracepoint', insns: counterProgram(counter.fd) });
  const count = () => new DataView(counter.lookup(u32(0))!.buffer).getBigUint64(0, true);
  {
    using link = KernelLink.tracepoint(prog, 'raw_syscalls', 'sys_enter');
    assert.equal(link.info().type, BPF_LINK_TYPE.PERF_EVENT);
    for (const cpu of [0, onlineCpus().at(-1)!]) onCpu(cpu, () => { for (let i = 0; i < 10; i++) statSync('/'); });
    assert.ok(count() >= 20n, `counted ${count()} syscalls`);
  }
  const after = count();
  statSync('/');
  assert.equal(count(), after, 'closing the link detaches the program');
  assert.throws(() => KernelLink.tracepoint(prog, 'no_such_category', 'nothing'), /tracepoint no_such_category\/nothing not found/);
});

test('perf_event link: a program on a software cpu-clock event samples CPU 0', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using counter = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  using prog = KernelProgram.load({ type: 'perf_event', insns: counterProgram(counter.fd) });
  // sample every 100 µs of CPU-0 clock
  const event = perfEventOpen({ type: PERF_TYPE.SOFTWARE, config: PERF_COUNT_SW.CPU_CLOCK, sample_period: 100_000 }, 0);
  try {
    using link = KernelLink.perfEvent(prog, event);
    assert.equal(link.info().type, BPF_LINK_TYPE.PERF_EVENT);
    onCpu(0, () => { const end = Date.now() + 50; while (Date.now() < end); });
    const n = new DataView(counter.lookup(u32(0))!.buffer).getBigUint64(0, true);
    assert.ok(n >= 100n, `${n} samples in 50 ms of CPU 0 clock`);
  } finally {
    perfEventClose(event);
  }
});

test('XDP link on a veth: create, info, pin, detach', (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('ip'), 'root and ip')) return;
  const dev = `tsbk${process.pid % 100000}`;
  execFileSync('ip', ['link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`]);
  const pin = `/sys/fs/bpf/tsbpf_test_link_${process.pid}`;
  try {
    const ifindex = Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8'));
    using prog = KernelProgram.load({ type: 'xdp', insns: xdpReturn(2), expectedAttachType: 'xdp' });
    using link = KernelLink.create(prog, ifindex, 'xdp');
    assert.deepEqual(link.info(), { type: BPF_LINK_TYPE.XDP, id: link.info().id, progId: prog.info().id, ifindex });
    assert.match(execFileSync('ip', ['link', 'show', dev]).toString(), /xdp/);
    // A second XDP link on the same device is refused.
    assert.throws(() => KernelLink.create(prog, ifindex, BPF_ATTACH_TYPE.XDP), errnoIs('EBUSY'));
    link.pin(pin);
    using again = KernelLink.fromPin(pin);
    assert.equal(again.info().id, link.info().id);
    link.detach();
    assert.doesNotMatch(execFileSync('ip', ['link', 'show', dev]).toString(), /xdp/);
    // tcx: a sched_cls program on the device's ingress, ordered after another
    using cls = KernelProgram.load({ type: 'sched_cls', insns: [mov64(0, -1), exit()], expectedAttachType: 'tcx_ingress' });
    using first = KernelLink.create(cls, ifindex, 'tcx_ingress');
    assert.deepEqual(first.info(), { type: BPF_LINK_TYPE.TCX, id: first.info().id, progId: cls.info().id, ifindex, attachType: BPF_ATTACH_TYPE.TCX_INGRESS });
    // the same program twice in one chain is refused; another one goes after the first
    assert.throws(() => KernelLink.create(cls, ifindex, 'tcx_ingress'), errnoIs('EEXIST'));
    using cls2 = KernelProgram.load({ type: 'sched_cls', insns: [mov64(0, -1), exit()], expectedAttachType: 'tcx_ingress' });
    using second = KernelLink.create(cls2, ifindex, 'tcx_ingress', { flags: BPF_F_ATTACH.AFTER, tcx: { relativeFd: cls.fd } });
    assert.equal(second.info().progId, cls2.info().id);
    // relative to a link instead of a program: BPF_F_LINK
    using cls3 = KernelProgram.load({ type: 'sched_cls', insns: [mov64(0, -1), exit()], expectedAttachType: 'tcx_ingress' });
    assert.throws(() => KernelLink.create(cls3, ifindex, 'tcx_ingress', { flags: BPF_F_ATTACH.BEFORE, tcx: { relativeFd: 100000 } }), errnoIs('EBADF'));
    using third = KernelLink.create(cls3, ifindex, 'tcx_ingress', { flags: BPF_F_ATTACH.BEFORE | BPF_F_ATTACH.LINK, tcx: { relativeFd: first.fd } });
    assert.equal(third.info().attachType, BPF_ATTACH_TYPE.TCX_INGRESS);

  } finally {
    rmSync(pin, { force: true });
    execFileSync('ip', ['link', 'del', dev]);
  }
});

/** The cgroup v2 mount point, if any. */
function cgroup2Root(): string | undefined {
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, dir, fstype] = line.split(' ');
    if (fstype === 'cgroup2') return dir;
  }
  return undefined;
}

test('cgroup_skb: PROG_ATTACH / PROG_DETACH and a cgroup link', (t) => {
  const root = cgroup2Root();
  if (!requireOrSkip(t, isRoot && root !== undefined, 'root and cgroup v2')) return;
  const dir = `${root}/tsbpf_test_${process.pid}`;
  mkdirSync(dir);
  const cg = openSync(dir, 'r');
  try {
    using prog = KernelProgram.load({ type: 'cgroup_skb', insns: [mov64(0, 1), exit()], expectedAttachType: 'cgroup_inet_ingress' });
    progAttach(prog, cg, 'cgroup_inet_ingress');
    // Attaching again without flags replaces; mixing in BPF_F_ALLOW_MULTI is refused.
    progAttach(prog, cg, 'cgroup_inet_ingress');
    assert.throws(() => progAttach(prog, cg, 'cgroup_inet_ingress', { flags: BPF_F_ATTACH.ALLOW_MULTI }), errnoIs('EPERM'));
    progDetach(prog, cg, 'cgroup_inet_ingress');
    assert.throws(() => progDetach(prog, cg, 'cgroup_inet_ingress'), errnoIs('ENOENT'));
    using link = KernelLink.create(prog, cg, 'cgroup_inet_ingress');
    const info = link.info();
    assert.equal(info.type, BPF_LINK_TYPE.CGROUP);
    assert.equal(info.attachType, BPF_ATTACH_TYPE.CGROUP_INET_INGRESS);
    assert.ok(info.cgroupId! > 0n);
    assert.throws(() => KernelLink.create(prog, cg, 'no_such_attach'), /unknown attach type "no_such_attach"/);
  } finally {
    closeSync(cg);
    rmdirSync(dir);
  }
});
