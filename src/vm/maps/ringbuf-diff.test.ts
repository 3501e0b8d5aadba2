/**
 * Ring buffer against the kernel: an XDP program reserves a 16-byte record per run and submits
 * it (even packet lengths) or discards it (odd); the VM ring gets the same reserve/submit/discard
 * sequence. The kernel's data area (mmap'ed read-only, headers included), producer position and
 * consumed records must equal the VM's byte for byte, across wrap-arounds and a full ring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, requireOrSkip } from '../../test-support.js';
import { KernelMap, KernelProgram, RingBufReader } from '../../kernel/index.js';
import { getpagesize, MAP_FAILED, MAP_SHARED, mmap, munmap, PROT_READ, viewOf } from '../../kernel/libc.js';
import { xdpReserveSubmitDiscard } from '../../kernel/testprogs.test.js';
import { createMap } from './factory.js';
import { RingBufMap, BPF_RB_PROD_POS } from './ringbuf.js';

test('ringbuf: record headers, positions and contents equal the kernel ring, byte for byte', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  for (const size of [4096, 16384]) compareRing(t, size);
});

/** Runs the sequence on a ring of `size` bytes (pg_off in headers grows with the record's page). */
function compareRing(t: import('node:test').TestContext, size: number): void {
  using map = KernelMap.create({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: size });
  using prog = KernelProgram.load({ type: 'xdp', insns: xdpReserveSubmitDiscard(map.fd) });
  using reader = new RingBufReader(map);
  const page = getpagesize();
  const len = page + 2 * size;
  const addr = mmap(0n, len, PROT_READ, MAP_SHARED, map.fd, page);
  assert.notEqual(addr, MAP_FAILED);
  try {
    const view = viewOf(addr, len);
    const producer = new BigUint64Array(view, 0, 1);
    const kernelData = new Uint8Array(view, page, size);
    const rb = createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: size }) as RingBufMap;
    const vmRun = (n: number) => {
      const off = rb.reserve(16, 0);
      if (off < 0) return;
      new DataView(rb.values.buffer).setBigUint64(off, BigInt(n), true);
      new DataView(rb.values.buffer).setBigUint64(off + 8, 0n, true);
      if (n & 1) rb.discard(off, 0);
      else rb.submit(off, 0);
    };
    let n = 14;
    for (let round = 0; round < 6; round++) {
      // Rounds grow past the ring's capacity (size / 24 records) so it fills and wraps.
      const runs = Math.floor((size / 24) * (0.7 + round * 0.15));
      for (let i = 0; i < runs; i++, n++) {
        const pkt = 14 + (n % 1500);
        assert.equal(prog.testRun({ dataIn: new Uint8Array(pkt) }).retval, 2);
        vmRun(pkt);
      }
      assert.equal(Number(producer[0]), rb.query(BPF_RB_PROD_POS), `round ${round}: producer position`);
      assert.deepEqual(rb.values.subarray(0, size), kernelData, `round ${round}: data area`);
      if (round % 3 !== 2) {
        const kernelRecords = reader.read().map((d) => d.slice());
        assert.deepEqual(rb.drain(), kernelRecords, `round ${round}: records`);
      }
    }
    t.diagnostic(`${size}-byte ring: producer at ${rb.query(BPF_RB_PROD_POS)} after ${n - 14} runs`);
  } finally {
    munmap(addr, len);
  }
}
