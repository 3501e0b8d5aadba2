/**
 * Helpers that act on maps given by lddw: bpf_perf_event_output (skb/xdp variants append packet
 * bytes) and bpf_redirect_map (target reported, fallback action for a missing key), over an
 * ObjectSpec built here like the object loader builds one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BPF_MAP_TYPE } from '../uapi/index.js';
import { buildPacket } from '../packet/build.js';
import { ethernet, ipv4, udp } from '../packet/layers.js';
import { PerfEventArrayMap } from './maps/perf.js';
import { loadVmObject } from './object.js';
import { ldMap, mapSpec as map, objectSpec as object } from './object.test.kit.js';

const frame = buildPacket([ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ sport: 1, dport: 2 })]);

test('bpf_perf_event_output writes the sample and the requested packet bytes to the CPU\'s reader', () => {
  const spec = object([
    'r6 = r1', 'r2 = 0x0807060504030201 ll', '*(u64 *)(r10 - 8) = r2', 'r1 = r6', ldMap(2, 0),
    'r3 = 0xffffffff ll', 'r4 = 14', 'r4 <<= 32', 'r3 |= r4',
    'r4 = r10', 'r4 += -8', 'r5 = 8', 'r1 = r6', 'call 25', 'r0 = 2', 'exit',
  ].join('\n'), [map('events', BPF_MAP_TYPE.PERF_EVENT_ARRAY, 4, 4, 2)]);
  const obj = loadVmObject(spec, { cpus: 2 });
  const events = obj.map('events') as PerfEventArrayMap;
  const reader = events.open(1, 1);
  assert.equal(obj.program('p').run({ dataIn: frame, cpu: 1 }).retval, 2);
  const samples = reader.read();
  assert.equal(samples.length, 1);
  assert.deepEqual([...samples[0].subarray(0, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(samples[0].subarray(8, 22), frame.subarray(0, 14));
  // On CPU 0 there is no reader in slot 0: -ENOENT, nothing written.
  obj.program('p').run({ dataIn: frame, cpu: 0 });
  assert.equal(reader.read().length, 0);
});

test('bpf_redirect_map reports the devmap target, or returns the fallback action for a missing key', () => {
  const spec = object([ldMap(1, 0), 'r2 = 0', 'r3 = 1', 'call 51', 'exit'].join('\n'), [map('tx', BPF_MAP_TYPE.DEVMAP, 4, 4, 4)]);
  const obj = loadVmObject(spec, { cpus: 1 });
  const dev = obj.map('tx');
  assert.equal(obj.program('p').run({ dataIn: frame }).retval, 1, 'XDP_DROP fallback for an empty slot');
  assert.equal(dev.updateElem(new Uint8Array(4), Uint8Array.of(5, 0, 0, 0)), 0);
  const r = obj.program('p').run({ dataIn: frame });
  assert.equal(r.retval, 4);
  assert.deepEqual(r.redirect, { ifindex: 5, flags: 1, map: 'tx', key: 0 });
});
