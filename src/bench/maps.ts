/**
 * Map benchmarks: memory of a 1,000,000-entry hash map (4-byte keys, 8-byte values; target
 * ≤ 64 MiB) beside the kernel's bytes_memlock for the same map, and ns per program-side
 * update/lookup beside the kernel's: an XDP program doing one map operation per run under
 * BPF_PROG_TEST_RUN with `repeat`, minus the same program without the operation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BPF_ANY } from '../uapi/index.js';
import { createMap, type HashMap } from '../vm/maps/index.js';
import { median, type BenchReporter } from './report.js';

const N = 1_000_000;
const MULT = 2654435761;

/** The kernel side: an XDP object with a 1M-entry hash map and three programs, built and run with clang/bpftool. */
const KERNEL_PROG = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, ${N}); __type(key, __u32); __type(value, __u64); } h SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); } ctr SEC(".maps");
static __always_inline __u32 next(void) { __u32 z = 0; __u32 *c = bpf_map_lookup_elem(&ctr, &z); if (!c) return 0; __u32 v = *c; *c = v + 1; return v; }
SEC("xdp") int base(struct xdp_md *ctx) { __u32 k = (next() % ${N}) * ${MULT}u; return k ? 2 : 1; }
SEC("xdp") int upd(struct xdp_md *ctx) { __u32 k = next() * ${MULT}u; __u64 v = k; bpf_map_update_elem(&h, &k, &v, BPF_ANY); return 2; }
SEC("xdp") int lkp(struct xdp_md *ctx) { __u32 k = (next() % ${N}) * ${MULT}u; __u64 *v = bpf_map_lookup_elem(&h, &k); return v ? 2 : 1; }
char LICENSE[] SEC("license") = "GPL";
`;

interface KernelFigures {
  memlock: number;
  updateNs: number;
  lookupNs: number;
}

function kernelFigures(): KernelFigures | string {
  if (process.getuid?.() !== 0) return 'kernel figures need root';
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-bench-maps-'));
  const pin = `/sys/fs/bpf/tsbpf_bench_maps_${process.pid}`;
  try {
    writeFileSync(path.join(dir, 'm.c'), KERNEL_PROG);
    writeFileSync(path.join(dir, 'pkt'), new Uint8Array(64));
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', 'm.c', '-o', 'm.o'], { cwd: dir });
    execFileSync('bpftool', ['prog', 'loadall', path.join(dir, 'm.o'), pin]);
    const run = (p: string) => JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'run', 'pinned', `${pin}/${p}`, 'data_in', path.join(dir, 'pkt'), 'repeat', String(N)]).toString()).duration as number;
    const upd = run('upd'), lkp = run('lkp'), base = run('base');
    const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show']).toString()) as { name: string; max_entries: number; bytes_memlock: number; type: string }[];
    // The newest map named h with our size is the one this object created.
    const h = maps.filter((m) => m.name === 'h' && m.type === 'hash' && m.max_entries === N).pop();
    return { memlock: h?.bytes_memlock ?? NaN, updateNs: upd - base, lookupNs: lkp - base };
  } catch (e) {
    return `kernel figures unavailable: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function nsPerOp(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

export async function run(r: BenchReporter): Promise<void> {
  const k = kernelFigures();
  const kernel = typeof k === 'string' ? undefined : k;
  if (typeof k === 'string') r.note(k);

  // Figures are medians over rounds: the machines are shared and noisy.
  const key = new Uint8Array(4), val = new Uint8Array(8);
  const kv = new DataView(key.buffer), vv = new DataView(val.buffer);
  const fill = (m: HashMap) => nsPerOp(N, () => {
    for (let i = 0; i < N; i++) {
      const kk = Math.imul(i, MULT) >>> 0;
      kv.setUint32(0, kk, true);
      vv.setUint32(0, kk, true);
      if (m.update(key, 0, val, 0, BPF_ANY, 0) !== 0) throw new Error(`update ${i} failed`);
    }
  });
  const updates: number[] = [];
  let m: HashMap | undefined;
  let mib = 0;
  for (let round = 0; round < 3; round++) {
    m = undefined;
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    m = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: N }) as HashMap;
    updates.push(fill(m));
    const after = process.memoryUsage();
    if (round === 0) mib = (after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed)) / 1048576;
  }
  r.row({ name: 'hash 1M entries (4B key, 8B value) memory', value: mib, unit: 'MiB', kernel: kernel && kernel.memlock / 1048576, target: 64 });
  const lookups: number[] = [];
  for (let round = 0; round < 5; round++) {
    let hits = 0;
    lookups.push(nsPerOp(N, () => {
      for (let i = 0; i < N; i++) {
        kv.setUint32(0, Math.imul(i, MULT) >>> 0, true);
        if (m!.lookup(key, 0, 0) >= 0) hits++;
      }
    }));
    if (hits !== N) throw new Error(`lookup found ${hits} of ${N}`);
  }
  r.row({ name: 'hash 1M lookup (program side)', value: median(lookups), unit: 'ns/op', kernel: kernel?.lookupNs });
  r.row({ name: 'hash 1M update (program side, new keys)', value: median(updates), unit: 'ns/op', kernel: kernel?.updateNs });
  const a = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1024 });
  const arrNs = median([0, 1, 2].map(() => nsPerOp(N, () => {
    for (let i = 0; i < N; i++) {
      kv.setUint32(0, i & 1023, true);
      a.lookup(key, 0, 0);
    }
  })));
  r.row({ name: 'array lookup (program side)', value: arrNs, unit: 'ns/op' });
  const lru = createMap({ type: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 10_000 });
  const lruNs = median([0, 1, 2].map(() => nsPerOp(N, () => {
    for (let i = 0; i < N; i++) {
      kv.setUint32(0, Math.imul(i, MULT) >>> 0, true);
      lru.update(key, 0, val, 0, BPF_ANY, 0);
    }
  })));
  r.row({ name: 'lru_hash 10k update with eviction', value: lruNs, unit: 'ns/op' });
}
