/**
 * ebpf-samples corpus: every program whose type the VM runs either loads and runs on a sample
 * packet (or a zeroed context for tracing types) without a fault, or fails to load with a clear
 * error naming what the VM lacks (a helper, map type, kfunc). The listing is printed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LoadError, TsbpfError, VmFault } from '../errors.js';
import { readObjectFile } from '../object/load.js';
import { sampleTraffic } from '../packet/samples.js';
import { BPF_PROG_TYPE as T, progTypeName } from '../uapi/index.js';
import { listFiles, testdataDir } from '../test-support.js';
import { loadVmObject } from './object.js';
import { canTestRun } from './testrun.js';
import { TestRunError } from './progtypes/testrun-error.js';

/** Zeroed context sizes: pt_regs, bpf_perf_event_data, 12 raw args; tracepoints get 512 bytes. */
const CTX_SIZE: Partial<Record<number, number>> = { [T.KPROBE]: 168, [T.PERF_EVENT]: 184, [T.RAW_TRACEPOINT]: 96 };
const SKB_OR_XDP = new Set<number>([T.XDP, T.SCHED_CLS, T.SCHED_ACT, T.SOCKET_FILTER, T.CGROUP_SKB]);

test('ebpf-samples: supported program types load and run without a fault, or fail with a clear unsupported error', async () => {
  const files = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o');
  const frame = sampleTraffic().find((p) => p.data.length >= 60)!.data;
  let ran = 0, unsupported = 0;
  const faults: string[] = [];
  const reasons = new Map<string, number>();
  for (const f of files) {
    let spec;
    try { spec = await readObjectFile(f); } catch { continue; }
    for (const p of spec.programs) {
      if (!canTestRun(p.type)) continue;
      try {
        const obj = loadVmObject(spec, { programs: [p.name], cpus: 2, seed: 1 });
        const prog = obj.program(p.name);
        try {
          if (SKB_OR_XDP.has(p.type)) prog.run({ dataIn: frame });
          else prog.run({ ctxIn: new Uint8Array(CTX_SIZE[p.type] ?? 512) });
        } catch (e) {
          if (e instanceof TestRunError) throw e;
          // Programs the kernel's verifier rejects (e.g. tail_call_bad.o) may fault: typed, located, listed.
          assert.ok(e instanceof VmFault, `${path.basename(f)} ${p.name}: ${(e as Error).stack}`);
          faults.push(`${path.basename(f)} ${p.name} (${progTypeName(p.type)}): ${e.message}`);
          continue;
        }
        ran++;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof TsbpfError, `${path.basename(f)} ${p.name}: ${(e as Error).stack}`);
        const reason = e.message.match(/(helper bpf_\w+#\d+ is not (?:supported by the VM|allowed for \w+ programs)|map type \w+ is not supported by the VM|kfunc|ksym|lddw[^,]*)/)?.[0] ?? e.message;
        assert.ok(e instanceof LoadError || /not supported|not allowed/.test(e.message), `${path.basename(f)} ${p.name}: ${e.message}`);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        unsupported++;
      }
    }
  }
  console.log(`ebpf-samples: ${ran} programs ran, ${faults.length} faulted (verifier-rejected code), ${unsupported} refused at load:`);
  for (const f of faults) console.log(`  fault: ${f}`);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${n}  ${r}`);
  assert.ok(ran > 50, `only ${ran} programs ran`);
});
