import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { main } from './main.js';
import { requireOrSkip, testdataDir } from '../test-support.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), stderrIsTty: false });
  return { code, out, err };
}

const samples = path.join(testdataDir, 'ebpf-samples');
const twomaps = path.join(samples, 'build/twomaps.o');
const tcx = path.join(samples, 'cilium-examples/tcx_bpf_bpfel.o');

test('object show --json has exactly the documented shape', async (t) => {
  if (!requireOrSkip(t, existsSync(tcx), 'corpus')) return;
  const r = await run('object', 'show', tcx, '--json');
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), {
    programs: [
      { name: 'ingress_prog_func', section: 'tc', type: 'sched_cls', insns: 6 },
      { name: 'egress_prog_func', section: 'tc', type: 'sched_cls', insns: 6 },
    ],
    maps: [{ name: 'tcx_bpf_.bss', type: 'array', key_size: 4, value_size: 16, max_entries: 1, flags: 1024 }],
  });
});

test('object show: table, several files, errors and exit codes', async (t) => {
  if (!requireOrSkip(t, existsSync(twomaps), 'corpus')) return;
  const one = await run('object', 'show', twomaps);
  assert.equal(one.code, 0);
  assert.match(one.out, /^programs \(1\):\n {2}name +section +type +insns\n {2}func +\.text +unspec +17\n/);
  assert.match(one.out, /maps \(2\):\n {2}name +type +key_size +value_size +max_entries +flags\n {2}map1 +array +4 +8 +1 +0x0\n/);
  const two = await run('object', 'show', twomaps, tcx, '--json');
  const j = JSON.parse(two.out);
  assert.deepEqual(j.map((x: { file: string }) => x.file), [twomaps, tcx]);
  const bad = await run('object', 'show', path.join(samples, 'invalid/badsymsize.o'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /badsymsize\.o: offset 0x[0-9a-f]+: /);
  const mixed = await run('object', 'show', twomaps, path.join(samples, 'invalid/badsymsize.o'));
  assert.equal(mixed.code, 2);
  assert.match(mixed.out, /twomaps\.o:\nprograms/);
  assert.equal((await run('object', 'show')).code, 2);
  assert.equal((await run('object', 'show', '/nonexistent.o')).code, 2);
  assert.match((await run('object', 'show', '--help')).out, /usage: tsbpf object show/);
});

test('object dump: formats, --prog, bad usage', async (t) => {
  if (!requireOrSkip(t, existsSync(twomaps), 'corpus')) return;
  const llvm = await run('object', 'dump', twomaps);
  assert.equal(llvm.code, 0);
  assert.match(llvm.out, /file format elf64-bpf\n\nDisassembly of section \.text:\n\n0000000000000000 <func>:\n/);
  const x = await run('object', 'dump', twomaps, '--format', 'xlated', '--prog', 'func');
  assert.equal(x.code, 0);
  assert.match(x.out, /\(18\) r1 = map\[map1\]/);
  assert.equal((await run('object', 'dump', twomaps, '--prog', 'nope')).code, 2);
  assert.equal((await run('object', 'dump', twomaps, '--format', 'gas')).code, 2);
  assert.match((await run('object', 'dump', '--help')).out, /usage: tsbpf object dump/);
});

test('type names are bpftool\'s, also for aliased UAPI values', async () => {
  const { mapTypeName } = await import('../uapi/index.js');
  assert.equal(mapTypeName(19), 'cgroup_storage');
  assert.equal(mapTypeName(21), 'percpu_cgroup_storage');
  assert.equal(mapTypeName(1), 'hash');
});
