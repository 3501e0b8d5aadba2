/**
 * perf_event_array against the kernel: an XDP program sends a 16-byte record per run with
 * bpf_perf_event_output(BPF_F_CURRENT_CPU) on CPU 0 into a one-page perf ring; the VM's reader
 * must hold the same samples (raw, padded) and drop the same number when the ring is full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, requireOrSkip } from '../../test-support.js';
import { KernelMap, KernelProgram, PerfBufReader } from '../../kernel/index.js';
import { onCpu, xdpRecordWriter } from '../../kernel/testprogs.test.js';
import { createMap } from './factory.js';
import { BPF_F_CURRENT_CPU, PerfEventArrayMap } from './perf.js';

test('perf_event_array: samples, padding and ring capacity match the kernel', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  const MAGIC = 0xfeed;
  using map = KernelMap.create({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 1 });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpRecordWriter(map.fd, 'perf', MAGIC) });
  using reader = new PerfBufReader(map, { pageCount: 1 });
  const vm = createMap({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 1 }, { cpus: 1 }) as PerfEventArrayMap;
  const vmReader = vm.open(0, 0, 1);
  const rec = new Uint8Array(16);
  const dv = new DataView(rec.buffer);
  onCpu(0, () => {
    for (let n = 14; n < 214; n++) {
      assert.equal(prog.testRun({ dataIn: new Uint8Array(n) }).retval, 2);
      dv.setBigUint64(0, BigInt(MAGIC), true);
      dv.setBigUint64(8, BigInt(n), true);
      vm.output(0, BPF_F_CURRENT_CPU, rec, 0, 16);
    }
  });
  const kernelSamples = reader.read().flatMap((r) => (r.type === 'sample' ? [r.data.slice()] : []));
  const vmSamples = vmReader.read();
  assert.equal(vmSamples.length, kernelSamples.length, 'samples that fit one page');
  assert.deepEqual(vmSamples, kernelSamples);
  assert.equal(vmReader.lost, 200 - kernelSamples.length);
  t.diagnostic(`${kernelSamples.length} samples of ${kernelSamples[0].length} raw bytes kept, ${vmReader.lost} lost`);
});
