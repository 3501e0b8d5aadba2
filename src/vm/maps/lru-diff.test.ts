/**
 * LRU eviction against the kernel with the reference bit in play: an XDP program looks up the key
 * given by its packet length (bpf_map_lookup_elem sets the element's reference bit, as a VM
 * program-side lookup does), interleaved with bpf(2) updates, all on CPU 0. Every update's result
 * and the final contents must equal the kernel's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALU, CLASS, MODE, OP_CALL, OP_EXIT, OP_LDDW, SIZE, SRC, type Instruction } from '../../isa/index.js';
import { BPF_F, BPF_FUNC, BPF_MAP_TYPE as T, BPF_PSEUDO } from '../../uapi/index.js';
import { hasTool, isRoot, requireOrSkip } from '../../test-support.js';
import { KernelProgram } from '../../kernel/index.js';
import { KernelSide, prepareKernelSide } from './kernel.test.kit.js';
import { errnoName } from './errno.js';
import { createMap } from './factory.js';

const ins = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });

/** XDP: `u32 key = data_end - data; bpf_map_lookup_elem(map, &key); return XDP_PASS`. */
function lookupByLength(mapFd: number): Instruction[] {
  return [
    ins(CLASS.LDX | MODE.MEM | SIZE.W, 2, 1, 4), ins(CLASS.LDX | MODE.MEM | SIZE.W, 3, 1, 0),
    ins(CLASS.ALU64 | ALU.SUB | SRC.X, 2, 3),
    ins(CLASS.STX | MODE.MEM | SIZE.W, 10, 2, -4),
    ins(OP_LDDW, 1, BPF_PSEUDO.MAP_FD, 0, mapFd), ins(0),
    ins(CLASS.ALU64 | ALU.MOV | SRC.X, 2, 10), ins(CLASS.ALU64 | ALU.ADD | SRC.K, 2, 0, 0, -4),
    ins(OP_CALL, 0, 0, 0, BPF_FUNC.map_lookup_elem),
    ins(CLASS.ALU64 | ALU.MOV | SRC.K, 0, 0, 0, 2), ins(OP_EXIT),
  ];
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
}

test('LRU maps: program lookups (reference bits) and updates evict exactly what the kernel evicts', (t) => {
  if (!requireOrSkip(t, isRoot && hasTool('taskset') && hasTool('bpftool'), 'root, taskset and bpftool')) return;
  prepareKernelSide();
  const cases = [
    { type: T.LRU_HASH, maxEntries: 8, flags: BPF_F.ZERO_SEED, seed: 1 },
    { type: T.LRU_HASH, maxEntries: 40, flags: BPF_F.ZERO_SEED, seed: 2 },
    { type: T.LRU_HASH, maxEntries: 8, flags: BPF_F.ZERO_SEED | BPF_F.NO_COMMON_LRU, seed: 3 },
    { type: T.LRU_PERCPU_HASH, maxEntries: 8, flags: BPF_F.ZERO_SEED, seed: 4 },
  ];
  for (const c of cases) {
    const d = { type: c.type, keySize: 4, valueSize: 8, maxEntries: c.maxEntries, flags: c.flags };
    const k = KernelSide.create(d) as KernelSide;
    const v = createMap(d);
    const prog = KernelProgram.load({ type: 'xdp', insns: lookupByLength(k.fd) });
    try {
      const r = rng(c.seed);
      const keys = 3 * c.maxEntries;
      for (let i = 0; i < 400; i++) {
        const key = 14 + (r() % keys); // XDP test-runs need at least an Ethernet header
        const kb = Uint8Array.of(key, 0, 0, 0);
        if (r() % 3 === 0) {
          assert.equal(prog.testRun({ dataIn: new Uint8Array(key) }).retval, 2);
          v.lookup(kb, 0, 0);
        } else {
          const val = Uint8Array.of(i, i >> 8, 0, 0, 0, 0, 0, 1);
          const flags = r() % 4 === 0 ? 2 : 0;
          assert.equal(errnoName(v.updateElem(kb, val, flags)), errnoName(k.update(kb, val, flags)), `${v.typeName} op ${i}`);
        }
      }
      assert.deepEqual(v.dump(), k.dump(), `${v.typeName} flags 0x${c.flags.toString(16)}`);
      t.diagnostic(`${v.typeName} (flags 0x${c.flags.toString(16)}, ${c.maxEntries} entries): ${v.dump().length} survivors agree`);
    } finally {
      prog.close();
      k.destroy();
    }
  }
});
