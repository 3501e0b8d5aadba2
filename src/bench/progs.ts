/**
 * Program test-runs of the bundled examples: VM ns/run (the whole BPF_PROG_TEST_RUN path —
 * context and packet set-up, interpreter, result) beside the kernel's test-run duration for the
 * same program and packet (root only), and pcap replay throughput in packets/s. CPU time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchReporter } from './report.js';
import { median } from './report.js';
import { loadObject } from '../kernel/object.js';
import { readObjectFile } from '../object/load.js';
import { captureReader, writePcap } from '../pcap/index.js';
import { BPF_PROG_TYPE as T } from '../uapi/index.js';
import { isRoot, repoRoot } from '../test-support.js';
import { loadVmObject } from '../vm/object.js';
import { replayCapture } from '../vm/replay.js';

/** Process CPU time in ns (wall time is noise on shared machines). */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

const RUNNABLE = new Set<number>([T.XDP, T.SCHED_CLS, T.SOCKET_FILTER]);

export async function run(r: BenchReporter): Promise<void> {
  r.section('program test-runs (examples, 74-byte TCP packet)');
  const dir = path.join(repoRoot, 'examples');
  const capBytes = new Uint8Array(readFileSync(path.join(dir, 'packets', 'mixed.pcap')));
  const packets = [...captureReader(capBytes).packets];
  const frame = packets.find((p) => p.data.length === 74)?.data ?? packets[2].data;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o')).sort()) {
    const spec = await readObjectFile(path.join(dir, f));
    for (const p of spec.programs.filter((q) => RUNNABLE.has(q.type))) {
      const vp = loadVmObject(spec).program(p.name);
      const samples: number[] = [];
      for (let k = 0; k < 2000; k++) vp.run({ dataIn: frame }); // warm-up
      for (let i = 0; i < 5; i++) {
        const n = 5000, t0 = cpuNs();
        for (let k = 0; k < n; k++) vp.run({ dataIn: frame });
        samples.push((cpuNs() - t0) / n);
      }
      let kernel: number | undefined;
      if (isRoot) {
        const ko = loadObject(spec);
        try {
          kernel = median([0, 1, 2].map(() => ko.program(p.name).testRun({ dataIn: frame, repeat: 100_000 }).duration));
        } finally {
          ko.close();
        }
      }
      r.row({ name: `test-run ${p.name} ns/run`, value: median(samples), unit: 'ns', kernel });
    }
  }

  r.section('pcap replay throughput');
  const big = writePcap(Array.from({ length: 100 }, () => packets).flat().map((p) => ({ data: p.data, timestamp: p.timestamp })));
  for (const name of ['xdp_counter', 'tc_classify']) {
    const spec = await readObjectFile(path.join(dir, `${name}.o`));
    const prog = loadVmObject(spec).program(spec.programs[0].name);
    replayCapture(prog, big); // warm-up
    const t0 = cpuNs();
    const s = replayCapture(prog, big);
    const secs = (cpuNs() - t0) / 1e9;
    r.row({ name: `replay ${name} (${s.results.length} packets)`, value: s.results.length / secs, unit: 'packets/s' });
  }
}
