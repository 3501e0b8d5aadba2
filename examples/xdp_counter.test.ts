/**
 * Testing an eBPF program with tsbpf, no root needed: open the object in the VM, set map
 * contents, run the program on a crafted packet, assert on the verdict, the packet out and the
 * maps. Run by `npm test` (src/vm/examples.test.ts compiles and runs every examples/*.test.ts).
 *
 * In your project: `import { openObject } from 'tsbpf/vm'` and run with `node --test`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openObject, verdictName } from 'tsbpf/vm';
import { buildPacket, ethernet, ipv4, udp, payload } from 'tsbpf/packet';

const OBJECT = new URL('./xdp_counter.o', import.meta.url).pathname;

test('xdp_count passes UDP and counts it per (ethertype, IP protocol)', async () => {
  const obj = await openObject(OBJECT, { cpus: 1 });
  const prog = obj.program('xdp_count');

  const frame = buildPacket([
    ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
    udp({ sport: 1234, dport: 53 }),
    payload(18),
  ]);
  const r = prog.run({ dataIn: frame });
  assert.equal(verdictName(prog.type, r.retval), 'XDP_PASS');
  assert.deepEqual(r.dataOut, frame, 'the program does not modify the packet');

  // proto_stats: key { __be16 ethertype; u8 ip protocol; u8 pad }, value { u64 packets; u64 bytes }.
  const stats = obj.map('proto_stats');
  const key = Uint8Array.of(0x08, 0x00, 17, 0);
  const value = stats.lookupElem(key) as Uint8Array;
  const v = new DataView(value.buffer, value.byteOffset);
  assert.equal(v.getBigUint64(0, true), 1n);
  assert.equal(v.getBigUint64(8, true), BigInt(frame.length));

  // Maps persist across runs and can be set from the test.
  const seeded = new Uint8Array(16);
  new DataView(seeded.buffer).setBigUint64(0, 41n, true);
  stats.updateElem(key, seeded);
  prog.run({ dataIn: frame });
  assert.equal(new DataView((stats.lookupElem(key) as Uint8Array).buffer).getBigUint64(0, true), 42n);

  // A runt frame is refused like BPF_PROG_TEST_RUN refuses it (EINVAL).
  assert.throws(() => prog.run({ dataIn: frame.subarray(0, 10) }), /shorter than an Ethernet header/);
});
