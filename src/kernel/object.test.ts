import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XDP_ACTION } from '../uapi/index.js';
import { KernelError, LoadError } from '../errors.js';
import { hasTool, isRoot, requireOrSkip } from '../test-support.js';
import { readObjectFile } from '../object/index.js';
import { loadObject } from './object.js';
import { KernelLink } from './link.js';
import { KernelMap } from './map.js';
import { RingBufReader } from './ringbuf.js';
import { VerifierError } from './program.js';
import { kernelVersionCode } from './kconfig.js';
import { ERRNO } from './errno.js';

/** Compiles C sources with clang into a temp dir: name → object path. */
function build(sources: Record<string, string>, headers: Record<string, Uint8Array> = {}): { dir: string; objects: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-kernel-'));
  for (const [name, bytes] of Object.entries(headers)) writeFileSync(path.join(dir, name), bytes);
  const objects: Record<string, string> = {};
  for (const [name, src] of Object.entries(sources)) {
    writeFileSync(path.join(dir, `${name}.c`), src);
    objects[name] = path.join(dir, `${name}.o`);
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', dir, '-c', path.join(dir, `${name}.c`), '-o', objects[name]]);
  }
  return { dir, objects };
}

const XDP_OBJ = `
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u16); __type(value, __u64); __uint(max_entries, 16); } proto_count SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __type(key, __u32); __type(value, __u64); __uint(max_entries, 1); } pkts SEC(".maps");
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, __u32); __uint(max_entries, 1); } inner_a SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, __u32); __array(values, struct inner);
} outer SEC(".maps") = { .values = { [1] = &inner_a } };
int tail_target(struct xdp_md *ctx);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32); __array(values, int (void *));
} jumps SEC(".maps") = { .values = { [2] = (void *)&tail_target } };

volatile const __u32 verdict = XDP_PASS;
__u64 seen_bytes = 0;
__u32 magic = 0xabcd;

static __attribute__((noinline)) __u16 eth_proto(void *data, void *end) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return 0;
  return __builtin_bswap16(eth->h_proto);
}

SEC("xdp") int tail_target(struct xdp_md *ctx) { return XDP_TX; }

SEC("xdp") int count(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  __u16 proto = eth_proto(data, end);
  __u64 one = 1, *c = bpf_map_lookup_elem(&proto_count, &proto);
  if (c) __sync_fetch_and_add(c, 1); else bpf_map_update_elem(&proto_count, &proto, &one, BPF_ANY);
  __u32 k = 0;
  __u64 *n = bpf_map_lookup_elem(&pkts, &k);
  if (n) *n += 1;
  seen_bytes += end - data;
  struct { __u32 magic; __u16 proto; __u16 len; } ev = { magic, proto, (__u16)(end - data) };
  bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
  __u32 slot = 1;
  void *in = bpf_map_lookup_elem(&outer, &slot);
  if (in) { __u32 z = 0; __u32 *v = bpf_map_lookup_elem(in, &z); if (v) *v += 1; }
  if (proto == 0x1234) bpf_tail_call(ctx, &jumps, 2);
  return verdict;
}
char LICENSE[] SEC("license") = "GPL";
`;

const KCONFIG_OBJ = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_TSBPF_NOT_A_REAL_OPTION __kconfig __weak;
__u64 out[3];
SEC("xdp") int read_kconfig(struct xdp_md *ctx) {
  out[0] = LINUX_KERNEL_VERSION; out[1] = CONFIG_BPF_SYSCALL; out[2] = CONFIG_TSBPF_NOT_A_REAL_OPTION + 7;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;

const CORE_OBJ = `
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
__u32 target_tgid = 0;
__u32 core_tgid = 0;
__u64 hits = 0;
SEC("raw_tracepoint/sys_enter") int on_enter(void *ctx) {
  if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
  struct task_struct *t = (void *)bpf_get_current_task();
  core_tgid = BPF_CORE_READ(t, tgid);
  __sync_fetch_and_add(&hits, 1);
  return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u16 = (n: number) => new Uint8Array(new Uint16Array([n]).buffer);
const le64 = (b: Uint8Array, off = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const frame = (proto: number, len = 60) => {
  const f = new Uint8Array(len);
  f[12] = proto >> 8; f[13] = proto & 0xff;
  return f;
};

test('loadObject: clang-built XDP object with hash, percpu, ringbuf, map-in-map, prog-array, global data', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang'), 'root and clang')) return;
  const { dir, objects } = build({ xdp_obj: XDP_OBJ });
  try {
    const spec = await readObjectFile(objects.xdp_obj);
    using obj = loadObject(spec, { logLevel: 1 });
    assert.deepEqual([...obj.programs.keys()].sort(), ['count', 'tail_target']);
    assert.deepEqual([...obj.maps.keys()].sort(), [
      'events', 'inner_a', 'jumps', 'outer', 'pkts', 'proto_count', 'xdp_obj.bss', 'xdp_obj.data', 'xdp_obj.rodata',
    ]);
    assert.ok(obj.btf, 'the object BTF was loaded');
    assert.deepEqual(obj.warnings, []);
    assert.match(obj.program('count').verifierLog, /processed \d+ insns/);
    // The kernel knows the program's BTF (func_info) and its maps.
    const info = obj.program('count').info();
    assert.ok(info.btfId > 0);
    const used = [...obj.maps].filter(([name]) => name !== 'inner_a').map(([, m]) => m.info().id);
    assert.deepEqual([...info.mapIds].sort((a, b) => a - b), used.sort((a, b) => a - b));
    using ring = new RingBufReader(obj.map('events'));
    const count = obj.program('count');
    assert.equal(count.testRun({ dataIn: frame(0x0800) }).retval, XDP_ACTION.PASS);
    assert.equal(count.testRun({ dataIn: frame(0x0800, 100) }).retval, XDP_ACTION.PASS);
    assert.equal(count.testRun({ dataIn: frame(0x86dd) }).retval, XDP_ACTION.PASS);
    // tail call through the statically initialised prog array
    assert.equal(count.testRun({ dataIn: frame(0x1234) }).retval, XDP_ACTION.TX);
    assert.equal(le64(obj.map('proto_count').lookup(u16(0x0800))!), 2n);
    assert.equal(le64(obj.map('proto_count').lookup(u16(0x86dd))!), 1n);
    const perCpu = obj.map('pkts');
    assert.equal(perCpu.perCpuValues(perCpu.lookup(u32(0))!).reduce((s, v) => s + le64(v), 0n), 4n);
    assert.equal(le64(obj.map('xdp_obj.bss').lookup(u32(0))!), 60n + 100n + 60n + 60n);
    assert.deepEqual(obj.map('xdp_obj.data').lookup(u32(0)), u32(0xabcd));
    // .rodata holds its initial value and is frozen
    assert.deepEqual(obj.map('xdp_obj.rodata').lookup(u32(0)), u32(XDP_ACTION.PASS));
    assert.throws(() => obj.map('xdp_obj.rodata').update(u32(0), u32(1)), (e: unknown) => e instanceof KernelError && e.errno === ERRNO.EPERM);
    // the inner map reached through outer[1] is inner_a
    assert.deepEqual(obj.map('inner_a').lookup(u32(0)), u32(4));
    const events = ring.read().map((r) => { const v = new DataView(r.buffer, r.byteOffset); return [v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true)]; });
    assert.deepEqual(events, [[0xabcd, 0x0800, 60], [0xabcd, 0x0800, 100], [0xabcd, 0x86dd, 60], [0xabcd, 0x1234, 60]]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('loadObject: .rodata can be adjusted between open and load', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang'), 'root and clang')) return;
  const { dir, objects } = build({ xdp_obj: XDP_OBJ });
  try {
    const spec = await readObjectFile(objects.xdp_obj);
    spec.maps.find((m) => m.name === 'xdp_obj.rodata')!.data!.set(u32(XDP_ACTION.DROP));
    using obj = loadObject(spec, { programs: ['count', 'tail_target'] });
    assert.equal(obj.program('count').testRun({ dataIn: frame(0x0800) }).retval, XDP_ACTION.DROP);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('loadObject: .kconfig externs get the running kernel\'s values', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang'), 'root and clang')) return;
  const { dir, objects } = build({ kcfg: KCONFIG_OBJ });
  try {
    using obj = loadObject(await readObjectFile(objects.kcfg));
    assert.equal(obj.program('read_kconfig').testRun({ dataIn: frame(0x0800) }).retval, XDP_ACTION.PASS);
    const out = obj.map('kcfg.bss').lookup(u32(0))!;
    assert.deepEqual([le64(out, 0), le64(out, 8), le64(out, 16)], [BigInt(kernelVersionCode()), 1n, 7n]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

/** Like build(), with vmlinux.h (bpftool btf dump of the running kernel) beside the sources. */
function buildWithVmlinux(sources: Record<string, string>): { dir: string; objects: Record<string, string> } {
  const vmlinuxH = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], { maxBuffer: 1 << 28 });
  return build(sources, { 'vmlinux.h': vmlinuxH });
}

test('loadObject: CO-RE relocations are applied by the kernel (core_relos)', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang') && hasTool('bpftool'), 'root, clang and bpftool')) return;
  const { dir: dir0, objects } = buildWithVmlinux({ core: CORE_OBJ });
  try {
    const spec = await readObjectFile(objects.core);
    assert.ok(spec.programs[0].coreRelos.length > 0, 'the object has CO-RE relocations');
    using obj = loadObject(spec);
    obj.map('core.bss').update(u32(0), new Uint8Array(16).fill(0).map((_, i) => (i < 4 ? (process.pid >> (8 * i)) & 0xff : 0)));
    {
      using link = KernelLink.rawTracepoint(obj.program('on_enter'), 'sys_enter');
      for (let i = 0; i < 5; i++) statSync('/');
    }
    const bss = obj.map('core.bss').lookup(u32(0))!;
    const v = new DataView(bss.buffer);
    assert.equal(v.getUint32(4, true), process.pid, 'task->tgid read through the CO-RE relocated offset');
    assert.ok(v.getBigUint64(8, true) >= 5n);
  } finally {
    rmSync(dir0, { recursive: true });
  }
});

test('loadObject: failures name the program and close everything', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang'), 'root and clang')) return;
  const bad = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, __u64); __uint(max_entries, 1); } m SEC(".maps");
SEC("xdp") int oob(struct xdp_md *ctx) {
  __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&m, &k);
  return v ? (int)v[1] : 0;
}
SEC("unknown_section") int untyped(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
`;
  const { dir, objects } = build({ bad });
  try {
    const spec = await readObjectFile(objects.bad);
    const before = (await import('node:fs')).readdirSync('/proc/self/fd').length;
    assert.throws(() => loadObject(spec, { programs: ['oob'] }), (e: unknown) => {
      assert.ok(e instanceof VerifierError);
      assert.equal(e.errno, ERRNO.EACCES);
      assert.match(e.log, /invalid access to map value, value_size=8 off=8 size=8/);
      assert.equal(e.location.program, 'oob');
      assert.equal(e.location.section, 'xdp');
      assert.equal(e.location.file, objects.bad);
      return true;
    });
    assert.equal((await import('node:fs')).readdirSync('/proc/self/fd').length, before, 'no fd left open');
    assert.throws(() => loadObject(spec, { programs: ['untyped'] }), (e: unknown) => e instanceof LoadError && /does not name a program type/.test(e.message));
    using typed = loadObject(spec, { programs: ['untyped'], programTypes: { untyped: 'socket_filter' } });
    assert.equal(typed.program('untyped').typeName, 'socket_filter');
    assert.throws(() => loadObject(spec, { programs: ['nope'] }), /no program 'nope'/);
    // Without a selection, a program of unknown type is skipped with a warning (libbpf: not autoloaded).
    const { dir: dir2, objects: mixed } = build({ mixed: bad.replace(/SEC\("xdp"\)[^}]*\}\n/, '') });
    try {
      using m = loadObject(await readObjectFile(mixed.mixed));
      assert.deepEqual([...m.programs.keys()], []);
      assert.deepEqual(m.warnings, ["program 'untyped': section 'unknown_section' does not name a program type; not loaded"]);
    } finally {
      rmSync(dir2, { recursive: true });
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('loadObject: maps pinned by name are created once and reused', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang'), 'root and clang')) return;
  const src = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, __u64); __uint(max_entries, 1);
         __uint(pinning, LIBBPF_PIN_BY_NAME); } shared_counter SEC(".maps");
SEC("xdp") int bump(struct xdp_md *ctx) {
  __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&shared_counter, &k);
  if (v) __sync_fetch_and_add(v, 1);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;
  const { dir, objects } = build({ pinned: src });
  const pinRoot = `/sys/fs/bpf/tsbpf_test_pins_${process.pid}`;
  mkdirSync(pinRoot);
  try {
    const spec = await readObjectFile(objects.pinned);
    using a = loadObject(spec, { pinRoot });
    using b = loadObject(spec, { pinRoot });
    assert.equal(a.map('shared_counter').info().id, b.map('shared_counter').info().id);
    a.program('bump').testRun({ dataIn: frame(0x0800) });
    b.program('bump').testRun({ dataIn: frame(0x0800) });
    assert.equal(le64(b.map('shared_counter').lookup(u32(0))!), 2n);
    // A pinned map with other parameters is refused, not silently reused.
    spec.maps[0].maxEntries = 2;
    assert.throws(() => loadObject(spec, { pinRoot }), /pinned at .* has different parameters/);
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true });
  }
});

const ITER_OBJ = `
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
SEC("iter/bpf_map") int dump_maps(struct bpf_iter__bpf_map *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct bpf_map *map = ctx->map;
  if (!map) return 0;
  BPF_SEQ_PRINTF(seq, "%u %u\\n", map->id, map->max_entries);
  return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;

test('loadObject + iterator link: an iter/bpf_map program (attach_btf_id from the kernel BTF) lists the maps', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang') && hasTool('bpftool'), 'root, clang and bpftool')) return;
  const { dir, objects } = buildWithVmlinux({ iter: ITER_OBJ });
  try {
    using obj = loadObject(await readObjectFile(objects.iter));
    const prog = obj.program('dump_maps');
    assert.ok(prog.info().attachBtfId > 0, 'attached to bpf_iter_bpf_map in vmlinux BTF');
    using probe = KernelMap.create({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 4242 });
    using link = KernelLink.iterator(prog);
    const lines = new TextDecoder().decode(link.readIterator()).trim().split('\n');
    assert.ok(lines.includes(`${probe.info().id} 4242`), `the new map appears in ${lines.length} lines`);
    // a second pass re-runs the iterator
    assert.ok(new TextDecoder().decode(link.readIterator()).includes(`${probe.info().id} 4242`));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

const KSYM_OBJ = `
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
extern void *bpf_cast_to_kern_ctx(void *) __ksym;
extern const int bpf_prog_active __ksym;
extern const void bpf_prog_put __ksym;
__u64 out[2];
SEC("xdp") int ksyms(struct xdp_md *ctx) {
  struct xdp_buff *kctx = bpf_cast_to_kern_ctx(ctx);
  out[0] = kctx->data_end - kctx->data;
  out[1] = (__u64)&bpf_prog_put;
  return XDP_PASS;
}
SEC("xdp") int typed_ksym(struct xdp_md *ctx) {
  const int *active = bpf_this_cpu_ptr(&bpf_prog_active);
  return *active ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
`;

test('loadObject: kfunc calls, typed and typeless ksyms resolved against the running kernel', async (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('clang') && hasTool('bpftool'), 'root, clang and bpftool')) return;
  const { dir, objects } = buildWithVmlinux({ ksym: KSYM_OBJ });
  try {
    const spec = await readObjectFile(objects.ksym);
    assert.deepEqual(spec.externs.map((e) => [e.name, e.kind, e.isFunc]).sort(), [
      ['bpf_cast_to_kern_ctx', 'ksym', true], ['bpf_prog_active', 'ksym', false], ['bpf_prog_put', 'ksym', false],
    ]);
    using obj = loadObject(spec, { programs: ['ksyms'] });
    assert.equal(obj.program('ksyms').testRun({ dataIn: frame(0x0800, 77) }).retval, XDP_ACTION.PASS);
    const out = obj.map('ksym.bss').lookup(u32(0))!;
    const kallsym = readFileSync('/proc/kallsyms', 'utf8').split('\n').find((l) => l.split(/\s+/)[2] === 'bpf_prog_put')!.split(/\s+/)[0];
    assert.deepEqual([le64(out, 0), le64(out, 8)], [77n, BigInt(`0x${kallsym}`)]);
    // A typed ksym becomes BPF_PSEUDO_BTF_ID of the kernel's VAR; this kernel (no
    // CONFIG_KALLSYMS_ALL) then has no address for data symbols, and says so.
    assert.throws(() => loadObject(spec, { programs: ['typed_ksym'] }),
      (e: unknown) => e instanceof VerifierError && /failed to find the address for kernel symbol 'bpf_prog_active'/.test(e.log));
  } finally {
    rmSync(dir, { recursive: true });
  }
});
