/**
 * Differential test of program runs against the kernel: every XDP / tc / socket filter program of
 * examples/, loaded fresh in the kernel (kernel/object.ts loadObject) and in the VM, runs the same
 * packets in the same order (examples/packets/mixed.pcap plus crafted extras: truncated, IPv6,
 * VLAN, IP options, long, runt frames); retval, data_out or the refusal errno must agree, then
 * every map's contents (per docs/fidelity.md: per-CPU maps compared summed over CPUs, LRU maps by
 * entry count).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadObject } from '../kernel/object.js';
import { KernelError } from '../errors.js';
import { readObjectFile } from '../object/load.js';
import { buildPacket } from '../packet/build.js';
import { readCapture } from '../pcap/index.js';
import { BPF_MAP_TYPE as M, BPF_PROG_TYPE as T } from '../uapi/index.js';
import { isRoot, repoRoot, requireOrSkip } from '../test-support.js';
import { loadVmObject } from './object.js';
import { TestRunError } from './progtypes/testrun-error.js';
import type { BpfMap, MapValue } from './maps/map.js';
import type { KernelMap } from '../kernel/map.js';
import { onCpu } from '../kernel/testprogs.test.js';

const examples = path.join(repoRoot, 'examples');
const RUNNABLE = new Set<number>([T.XDP, T.SCHED_CLS, T.SCHED_ACT, T.SOCKET_FILTER]);

/** Crafted packets beyond the capture. */
function extras(): Uint8Array[] {
  const eth = { kind: 'ethernet', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' } as const;
  const full = buildPacket([eth, { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { kind: 'udp', sport: 1234, dport: 53 }, { kind: 'payload', data: new Uint8Array(32).fill(7) }]);
  const v6 = buildPacket([eth, { kind: 'ipv6', src: 'fd00::1', dst: 'fd00::2' }, { kind: 'tcp', sport: 4000, dport: 443 }]);
  const vlan = buildPacket([eth, { kind: 'vlan', vid: 10 }, { kind: 'ipv4', src: '10.0.0.3', dst: '10.0.0.4' }, { kind: 'icmp', type: 8, code: 0 }]);
  const opts = buildPacket([eth, { kind: 'ipv4', src: '10.0.0.5', dst: '10.0.0.6', options: new Uint8Array([1, 1, 1, 0]) }, { kind: 'tcp', sport: 5, dport: 80 }]);
  const long = buildPacket([eth, { kind: 'ipv4', src: '10.0.0.7', dst: '10.0.0.8' }, { kind: 'udp', sport: 9, dport: 9 }, { kind: 'payload', data: new Uint8Array(1400).fill(0x5a) }]);
  return [full.subarray(0, 13), full.subarray(0, 14), full.subarray(0, 20), full.subarray(0, 34), full.subarray(0, 40), full, v6, v6.subarray(0, 53), vlan, opts, long];
}

function sumPerCpu(values: readonly Uint8Array[]): string {
  const n = values[0].length, w = n % 8 === 0 ? 8 : n % 4 === 0 ? 4 : 0;
  if (!w) return values.map((v) => Buffer.from(v).toString('hex')).sort().join('|');
  const sums = new Array<bigint>(n / w).fill(0n);
  for (const v of values) {
    const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i < n / w; i++) sums[i] += w === 8 ? d.getBigUint64(i * w, true) : BigInt(d.getUint32(i * w, true));
  }
  return sums.join(',');
}

/** Deterministic content of a map as a sorted list of strings (see docs/fidelity.md). */
function vmContent(m: BpfMap<MapValue>): string[] {
  if (m.type === M.PROG_ARRAY || m.type === M.RINGBUF || m.type === M.PERF_EVENT_ARRAY) return [];
  const out: string[] = [];
  for (const [k, v] of m.entries()) out.push(`${Buffer.from(k).toString('hex')}=${Array.isArray(v) ? sumPerCpu(v) : Buffer.from(v).toString('hex')}`);
  if (m.type === M.LRU_HASH || m.type === M.LRU_PERCPU_HASH) return [`entries=${out.length}`];
  return out.sort();
}

function kernelContent(m: KernelMap, type: number): string[] {
  if (type === M.PROG_ARRAY || type === M.RINGBUF || type === M.PERF_EVENT_ARRAY) return [];
  const out: string[] = [];
  for (const [k, v] of m) out.push(`${Buffer.from(k).toString('hex')}=${m.perCpu ? sumPerCpu(m.perCpuValues(v)) : Buffer.from(v).toString('hex')}`);
  if (type === M.LRU_HASH || type === M.LRU_PERCPU_HASH) return [`entries=${out.length}`];
  return out.sort();
}

const files = readdirSync(examples).filter((f) => f.endsWith('.o')).sort();
const capture = readCapture(new Uint8Array(readFileSync(path.join(examples, 'packets', 'mixed.pcap'))));
const packets = [...capture.packets.map((p) => p.data), ...extras()];

for (const file of files) {
  test(`VM and kernel agree on ${file} over ${packets.length} packets`, async (t) => {
    if (!requireOrSkip(t, isRoot, 'root')) return;
    const spec = await readObjectFile(path.join(examples, file));
    for (const p of spec.programs.filter((p) => RUNNABLE.has(p.type))) {
      const kobj = loadObject(spec);
      const vobj = loadVmObject(spec);
      try {
        const kp = kobj.program(p.name), vp = vobj.program(p.name);
        // One CPU for every kernel run: per-CPU maps then hold what the VM's one CPU holds (a
        // value the last packet left, not one per CPU the scheduler happened to use).
        onCpu(0, () => packets.forEach((pkt, i) => {
          let k: { retval: number; dataOut?: Uint8Array } | { errno: number };
          let v: { retval: number; dataOut?: Uint8Array } | { errno: number };
          try { k = kp.testRun({ dataIn: pkt }); } catch (e) { if (!(e instanceof KernelError)) throw e; k = { errno: e.errno }; }
          try { v = vp.run({ dataIn: pkt }); } catch (e) { if (!(e instanceof TestRunError)) throw e; v = { errno: e.errno }; }
          const show = (r: typeof k) => ('errno' in r ? { errno: r.errno } : { retval: r.retval, data_out: Buffer.from(r.dataOut ?? []).toString('hex') });
          assert.deepEqual(show(v), show(k), `${p.name}: packet ${i} (${pkt.length} bytes)`);
        }));
        spec.maps.forEach((ms) => {
          const km = kobj.maps.get(ms.name);
          if (!km) return;
          assert.deepEqual(vmContent(vobj.map(ms.name)), kernelContent(km, ms.type), `${p.name}: map ${ms.name}`);
        });
      } finally {
        kobj.close();
        vobj.close();
      }
    }
  });
}
