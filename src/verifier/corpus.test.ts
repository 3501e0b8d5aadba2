import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadObjectSpec } from '../object/index.js';
import { BPF_PROG_TYPE } from '../uapi/index.js';
import { corpusSpec, loaderProgType } from './corpus.js';
import { listFiles, testdataDir, requireOrSkip } from '../test-support.js';

test('corpus loader types: iproute2 and Suricata objects get their loader\'s program type', () => {
  assert.equal(loaderProgType('cilium/bpf_xdp_dsr_linux.o', '2/21'), BPF_PROG_TYPE.XDP);
  assert.equal(loaderProgType('cilium/bpf_lxc.o', 'from-container'), BPF_PROG_TYPE.SCHED_CLS);
  assert.equal(loaderProgType('cilium-core/bpf_host.o', 'tc/tail'), BPF_PROG_TYPE.SCHED_CLS);
  assert.equal(loaderProgType('ovs/datapath.o', 'af_xdp'), BPF_PROG_TYPE.XDP);
  assert.equal(loaderProgType('ovs/datapath.o', 'tail-32'), BPF_PROG_TYPE.SCHED_CLS);
  assert.equal(loaderProgType('linux/lwt_len_hist_kern.o', 'len_hist'), BPF_PROG_TYPE.LWT_OUT);
  assert.equal(loaderProgType('suricata/lb.o', 'loadbalancer'), BPF_PROG_TYPE.SOCKET_FILTER);
  // PREVAIL's test programs have no loader, and unknown sections of known objects stay untyped.
  assert.equal(loaderProgType('build/stackok.o', '.text'), undefined);
  assert.equal(loaderProgType('linux/lwt_len_hist_kern.o', 'other'), undefined);
});

test('corpus loader types cover every untyped program outside build/', (t) => {
  const samples = path.join(testdataDir, 'ebpf-samples');
  const files = listFiles(samples, '.o');
  if (!requireOrSkip(t, files.length > 20, 'the ebpf-samples corpus')) return;
  const untyped: string[] = [];
  let slotsDropped = 0;
  for (const file of files) {
    const rel = path.relative(samples, file);
    let spec;
    try {
      spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { file });
    } catch {
      continue;
    }
    const typed = corpusSpec(rel, spec);
    for (const p of typed.programs) if (!p.type && !rel.startsWith('build/')) untyped.push(`${rel}:${p.section}`);
    for (const [i, m] of typed.maps.entries()) {
      assert.ok(!m.slots?.some((s) => 'program' in s), `${rel}: ${m.name} keeps program slots`);
      if (spec.maps[i].slots?.some((s) => 'program' in s)) slotsDropped++;
    }
    // The original spec is left as it was.
    assert.ok(spec.programs.every((p, i) => p === typed.programs[i] || !p.type));
  }
  assert.deepEqual(untyped, []);
  assert.ok(slotsDropped > 0, 'some corpus object has static prog-array slots');
});
