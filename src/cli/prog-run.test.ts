/** `tsbpf prog run`: JSON and human output shapes, output files, and bad input. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCapture } from '../pcap/index.js';
import { repoRoot } from '../test-support.js';

const bin = path.join(repoRoot, 'dist/cli/bin.js');
const ex = (f: string) => path.join(repoRoot, 'examples', f);
const pcap = ex('packets/mixed.pcap');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'prog', 'run', ...args], { encoding: 'utf8' });
const firstFrame = () => readCapture(new Uint8Array(readFileSync(pcap))).packets[2].data;

test('single input: JSON {retval, duration, data_out} and --data-out', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-run-'));
  try {
    const frame = firstFrame();
    writeFileSync(path.join(dir, 'in.bin'), frame);
    const r = run(ex('xdp_counter.o'), '--prog', 'xdp_count', '--data-in', path.join(dir, 'in.bin'), '--data-out', path.join(dir, 'out.bin'), '--json', '--repeat', '3');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['retval', 'duration', 'data_out']);
    assert.equal(j.retval, 2);
    assert.equal(j.data_out, Buffer.from(frame).toString('hex'));
    assert.deepEqual(new Uint8Array(readFileSync(path.join(dir, 'out.bin'))), frame);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pcap: JSON results per packet (errors inline) and maps in bpftool dump shape', () => {
  const r = run(ex('xdp_counter.o'), '--prog', 'xdp_count', '--pcap', pcap, '--json', '--maps');
  assert.equal(r.status, 1, 'a refused runt frame makes the run fail');
  const j = JSON.parse(r.stdout);
  const n = readCapture(new Uint8Array(readFileSync(pcap))).packets.length;
  assert.equal(j.results.length, n);
  assert.equal(j.results.filter((x: { error?: string }) => x.error).length, 1);
  assert.match(j.results.find((x: { error?: string }) => x.error).error, /shorter than an Ethernet header/);
  assert.ok(j.results.every((x: { retval?: number; error?: string }) => x.error || (x.retval === 2 && typeof (x as { data_out?: string }).data_out === 'string')));
  const stats = j.maps.proto_stats as { key: string[]; value: string[] }[];
  assert.ok(stats.length > 5);
  assert.ok(stats.every((e) => e.key.length === 4 && e.value.length === 16 && e.key.every((b) => /^0x[0-9a-f]{2}$/.test(b))));
  // Packets counted = packets run.
  const total = stats.reduce((s, e) => s + Number(BigInt('0x' + e.value.slice(0, 8).reverse().map((b) => b.slice(2)).join(''))), 0);
  assert.equal(total, n - 1);
  assert.match(r.stderr, /1 of \d+ packets failed/);
  assert.doesNotMatch(r.stderr, /\[#/, 'no progress bar when stderr is not a terminal');
});

test('pcap: human output has one line per packet with the verdict and the length change; --pcap-out keeps passed packets', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-run-'));
  try {
    const out = path.join(dir, 'out.pcap');
    const r = run(ex('xdp_icmp_echo.o'), '--prog', 'xdp_icmp_echo', '--pcap', pcap, '--maps', '--pcap-out', out);
    const lines = r.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l));
    const n = readCapture(new Uint8Array(readFileSync(pcap))).packets.length;
    assert.equal(lines.length, n);
    assert.ok(lines.some((l) => /XDP_TX/.test(l)) && lines.some((l) => /XDP_PASS/.test(l)));
    const passed = readCapture(new Uint8Array(readFileSync(out))).packets;
    assert.equal(passed.length, lines.filter((l) => /XDP_(TX|PASS)/.test(l)).length);
    const tc = run(ex('tc_classify.o'), '--prog', 'tc_classify', '--pcap', pcap);
    assert.match(tc.stdout, /TC_ACT_OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: clear errors and non-zero exit codes', () => {
  const missing = run(ex('xdp_counter.o'), '--pcap', pcap);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing --prog/);
  const unknown = run(ex('xdp_counter.o'), '--prog', 'nope', '--pcap', pcap);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no program 'nope' \(programs: xdp_count\)/);
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-run-'));
  try {
    writeFileSync(path.join(dir, 'bad.pcap'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const bad = run(ex('xdp_counter.o'), '--prog', 'xdp_count', '--pcap', path.join(dir, 'bad.pcap'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /not a pcap or pcapng file/);
    assert.equal(bad.stdout, '');
    writeFileSync(path.join(dir, 'short.bin'), new Uint8Array(8));
    const short = run(ex('xdp_counter.o'), '--prog', 'xdp_count', '--data-in', path.join(dir, 'short.bin'), '--json');
    assert.equal(short.status, 1);
    assert.match(short.stderr, /shorter than an Ethernet header \(EINVAL\)/);
    assert.equal(short.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
