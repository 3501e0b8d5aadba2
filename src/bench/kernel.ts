/**
 * Kernel backend figures: the kernel's own test-run cost of a trivial XDP program (the baseline
 * every VM figure is compared with), and what one bpf(2) call through koffi costs from Node.
 */
import type { BenchReporter } from './report.js';
import { median } from './report.js';
import { KernelMap, KernelProgram } from '../kernel/index.js';
import { isRoot } from '../test-support.js';

export async function run(r: BenchReporter): Promise<void> {
  if (!isRoot) {
    r.note('skipped: the kernel backend needs root');
    return;
  }
  using prog = KernelProgram.load({ type: 'xdp', insns: [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 2 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] });
  const packet = new Uint8Array(64);
  const runs = Array.from({ length: 5 }, () => prog.testRun({ dataIn: packet, repeat: 1_000_000 }).duration);
  r.row({ name: 'kernel test-run XDP `r0 = 2; exit` (64 B)', value: median(runs), unit: 'ns/run' });

  using map = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024 });
  const key = new Uint8Array(4), value = new Uint8Array(8), out = new Uint8Array(8);
  const n = 200_000;
  map.update(key, value);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) map.lookup(key, out);
  r.row({ name: 'bpf(BPF_MAP_LOOKUP_ELEM) from Node via koffi', value: Number(process.hrtime.bigint() - t0) / n, unit: 'ns/op' });
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) map.update(key, value);
  r.row({ name: 'bpf(BPF_MAP_UPDATE_ELEM) from Node via koffi', value: Number(process.hrtime.bigint() - t0) / n, unit: 'ns/op' });
  t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) prog.testRun({ dataIn: packet });
  r.row({ name: 'testRun() round trip (repeat 1)', value: Number(process.hrtime.bigint() - t0) / 1000, unit: 'ns/call' });
}
