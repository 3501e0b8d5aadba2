import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { decodeInstructions, type Instruction } from './instruction.js';
import { formatInstructionXlated, formatProgramXlated, type XlatedResolver } from './disasm-xlated.js';
import { assemble } from './asm.js';
import { CALL_KIND, PSEUDO } from './table.js';
import { requireOrSkip, isRoot, hasTool } from '../test-support.js';

const x = (src: string, resolver?: XlatedResolver): string[] => formatProgramXlated(assemble(src), resolver).trimEnd().split('\n');

test('bpftool xlated syntax of representative instructions', () => {
  assert.deepEqual(x('r0 = 2\ncall 1\nr1 = *(u64 *)(r10 - 8)\nif r1 == 0 goto +1\nlock *(u64 *)(r1 + 0) += r2\nexit'), [
    '   0: (b7) r0 = 2',
    '   1: (85) call bpf_map_lookup_elem#1',
    '   2: (79) r1 = *(u64 *)(r10 -8)',
    '   3: (15) if r1 == 0x0 goto pc+1',
    '   4: (db) lock *(u64 *)(r1 +0) += r2',
    '   5: (95) exit',
  ]);
  const insns = assemble('ld_pseudo r1, 1, 5\nld_pseudo r2, 2, 7\nr0 = 0x100000000 ll\ncall sub\nexit\nsub:\nw0 = (s8)w1\nr0 s/= r1\nr0 = bswap16 r0\nexit');
  insns[3].imm = 16; // map value offset in the second half
  assert.deepEqual(formatProgramXlated(insns).trimEnd().split('\n'), [
    '   0: (18) r1 = map[id:5]',
    '   2: (18) r2 = map[id:7][0]+16',
    '   4: (18) r0 = 0x100000000',
    '   6: (85) call pc+1',
    '   7: (95) exit',
    '   8: (bc) w0 = (s8)w1',
    '   9: (3f) r0 s/= r1',
    '  10: (d7) r0 = bswap16 r0',
    '  11: (95) exit',
  ]);
  const names: XlatedResolver = {
    call: (p, i) => (p[i].src === CALL_KIND.PSEUDO_CALL ? `+${p[i].imm}#sub` : 'my_kfunc'),
    imm: (p, i) => (p[i].src === PSEUDO.MAP_FD ? `map[id:${p[i].imm}] (counts)` : undefined),
  };
  assert.equal(formatInstructionXlated(insns, 0, names), '(18) r1 = map[id:5] (counts)');
  assert.equal(formatInstructionXlated(insns, 6, names), '(85) call pc+1#sub');
  assert.equal(formatInstructionXlated([{ op: 0x85, dst: 0, src: 2, off: 0, imm: 77 }], 0, names), '(85) call my_kfunc#77');
  assert.equal(formatInstructionXlated([{ op: 0x85, dst: 0, src: 2, off: 0, imm: 77 }], 0), '(85) call kernel-function#77');
  assert.equal(formatInstructionXlated([{ op: 0xff, dst: 0, src: 0, off: 0, imm: 0 }], 0), '(ff) unknown');
});

/** C programs the kernel loads; `%S` is replaced by a per-run suffix so JIT symbols are unique. */
const PROGRAMS: Record<string, { cflags: string[]; source: string }> = {
  maps_atomics: {
    cflags: ['-mcpu=v3'],
    source: `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } h SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } a SEC(".maps");
__u64 g = 3; __u32 w; const volatile __u32 limit = 7;
static __attribute__((noinline)) int sub_%S(int v) { return v * 3 + (int)g; }
SEC("xdp") int prog_%S(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  __u32 k = ctx->ingress_ifindex & 3;
  __u64 *v = bpf_map_lookup_elem(&h, &k);
  if (v) { __sync_fetch_and_add(v, 1); __sync_fetch_and_or(v, 2); __sync_fetch_and_and(v, 3); __sync_fetch_and_xor(v, 4);
           g += __sync_fetch_and_add(v, 5) + __sync_lock_test_and_set(v, 6) + __sync_val_compare_and_swap(v, 6, 7); }
  __u32 r = __sync_fetch_and_add(&w, 1) + __sync_fetch_and_xor(&w, 9) + __sync_val_compare_and_swap(&w, 1, 2);
  v = bpf_map_lookup_elem(&a, &k);
  if (v) *v += 2;
  if (data + 14 > end) return XDP_PASS;
  if (((unsigned char *)data)[12] == 8 && (int)k > -3 && r < limit) r += bpf_htons(((__u16 *)data)[6]);
  return (sub_%S(k) + r / (k + 1) + r % 5) & 3;
}
char LICENSE[] SEC("license") = "GPL";`,
  },
  socket_ringbuf_loop: {
    cflags: [],
    source: `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } jt SEC(".maps");
static int cb_%S(__u32 i, void *ctx) { *(__u64 *)ctx += i; return 0; }
SEC("socket") int sock_%S(struct __sk_buff *skb) {
  __u64 sum = load_byte(skb, 9) + load_half(skb, skb->len & 7);
  bpf_loop(4, cb_%S, &sum, 0);
  bpf_ringbuf_output(&rb, &sum, sizeof(sum), 0);
  bpf_tail_call(skb, &jt, 0);
  return (int)sum;
}
char LICENSE[] SEC("license") = "GPL";`,
  },
  tc_kfuncs: {
    cflags: ['-mcpu=v3'],
    source: `
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *ptr, __u32 offset, void *buffer, __u32 buffer__szk) __ksym;
SEC("tc") int tc_%S(struct __sk_buff *skb) {
  struct bpf_dynptr p; char buf[4];
  if (bpf_dynptr_from_skb(skb, 0, &p)) return TC_ACT_SHOT;
  unsigned char *d = bpf_dynptr_slice(&p, 0, buf, sizeof(buf));
  if (!d) return TC_ACT_OK;
  long v = -(long)skb->len; v >>= 3; int s = (int)skb->mark; s = -s; s >>= 2;
  if (d[0] & 4) skb->mark = (unsigned)(v ^ s);
  if ((int)skb->priority < s) skb->priority = 7;
  return TC_ACT_OK;
}
char LICENSE[] SEC("license") = "GPL";`,
  },
};

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });

/** Kernel symbols by address (what bpftool resolves call targets with). */
function kallsyms(): { byAddr: Map<bigint, string>; byName: Map<string, bigint> } {
  const byAddr = new Map<bigint, string>(), byName = new Map<string, bigint>();
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [addr, , name] = line.split(/\s+/);
    if (!name) continue;
    const a = BigInt('0x' + addr);
    if (!byAddr.has(a)) byAddr.set(a, name);
    byName.set(name, a);
  }
  return { byAddr, byName };
}

/**
 * Loads C programs into the kernel, then disassembles the kernel's own xlated bytes with
 * formatProgramXlated and compares every instruction line with `bpftool prog dump xlated`.
 * The resolver does what bpftool does: helper and kfunc names from /proc/kallsyms at
 * `__bpf_call_base + imm`, subprogram JIT symbols `bpf_prog_<tag>_<name>` from /proc/kallsyms,
 * map ids checked against `bpftool prog show -j` map_ids.
 */
test('agrees with bpftool prog dump xlated on programs loaded into the kernel', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  if (!requireOrSkip(t, hasTool('clang') && hasTool('bpftool'), 'clang and bpftool')) return;
  if (!existsSync('/sys/fs/bpf') || !sh('mount', []).includes(' /sys/fs/bpf ')) sh('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  const suffix = `t${process.pid.toString(36)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-xlated-'));
  const pins = `/sys/fs/bpf/tsbpf_isa_${suffix}`;
  let compared = 0;
  try {
    for (const [name, prog] of Object.entries(PROGRAMS)) {
      const c = path.join(dir, `${name}.c`), o = path.join(dir, `${name}.o`);
      writeFileSync(c, prog.source.replaceAll('%S', suffix));
      sh('clang', ['-O2', '-g', '-target', 'bpf', ...prog.cflags, '-c', c, '-o', o]);
      sh('bpftool', ['prog', 'loadall', o, `${pins}_${name}`]);
      const syms = kallsyms();
      const callBase = syms.byName.get('__bpf_call_base')!;
      for (const pin of readdirSync(`${pins}_${name}`)) {
        const info = JSON.parse(sh('bpftool', ['prog', 'show', 'pinned', `${pins}_${name}/${pin}`, '-j'])) as { id: number; map_ids?: number[] };
        const expected = sh('bpftool', ['prog', 'dump', 'xlated', 'id', String(info.id)]).split('\n').filter((l) => /^\s*\d+: \(/.test(l));
        const file = path.join(dir, `${pin}.xlated`);
        sh('bpftool', ['prog', 'dump', 'xlated', 'id', String(info.id), 'file', file]);
        const insns = decodeInstructions(readFileSync(file));
        const mapIds = new Set(info.map_ids ?? []);
        const resolver: XlatedResolver = {
          call(p: readonly Instruction[], i: number) {
            if (p[i].src !== CALL_KIND.PSEUDO_CALL) return syms.byAddr.get(callBase + BigInt(p[i].imm));
            const ksym = [...syms.byName.keys()].find((s) => new RegExp(`^bpf_prog_[0-9a-f]{16}_(sub|cb)_${suffix}$`).test(s));
            return `${p[i].off < 0 ? p[i].off : `+${p[i].off}`}#${ksym}`;
          },
          imm(p: readonly Instruction[], i: number) {
            if (p[i].src === PSEUDO.MAP_FD || p[i].src === PSEUDO.MAP_VALUE) assert.ok(mapIds.has(p[i].imm), `map id ${p[i].imm} not among ${[...mapIds]}`);
            return undefined;
          },
        };
        const ours = formatProgramXlated(insns, resolver).trimEnd().split('\n');
        if (process.env.TSBPF_SHOW) t.diagnostic(expected.join("\n"));
        assert.deepEqual(ours, expected, `${name}/${pin}`);
        compared += ours.length;
      }
      rmSync(`${pins}_${name}`, { recursive: true, force: true });
    }
  } finally {
    for (const name of Object.keys(PROGRAMS)) rmSync(`${pins}_${name}`, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`${compared} xlated instructions compared with bpftool`);
  assert.ok(compared > 50);
});
