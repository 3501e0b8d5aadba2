import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VmFault } from '../errors.js';
import { ins, prog } from './ins.test-helper.js';
import { Vm } from './interpreter.js';
import { MAX_REGIONS, Memory, PacketBuffer, RegionKind, TWO32, XDP_PACKET_HEADROOM, formatAddress } from './memory.js';

test('a region is found from the upper half of a pointer; the lower half is the offset', () => {
  const mem = new Memory();
  const bytes = new Uint8Array(32);
  const id = mem.addRegion(bytes, true, { kind: RegionKind.MapValue, name: 'counts' });
  assert.ok(id > 0);
  assert.equal(mem.pointer(id, 8), id * TWO32 + 8);
  assert.equal(mem.resolve(8, id, 8, true, 0), 8);
  assert.equal(mem.bytes[id], bytes, 'storage is registered by reference, never copied');
  assert.throws(() => mem.resolve(28, id, 8, false, 3), (e) => e instanceof VmFault && e.location.insn === 3 && /read of 8 bytes at .*map value region 'counts': offset 28 size 8 outside \[0, 32\)/.test(e.message));
  assert.equal(formatAddress(-1, 0x7f), '0x0000007fffffffff');
});

test('map value storage registered once is shared with the program (loads see host writes, host sees stores)', () => {
  const vm = new Vm();
  const storage = new Uint8Array(16);
  const id = vm.mem.addRegion(storage, true, { kind: RegionKind.MapValue });
  const p = vm.load(prog(ins('ldxdw', { dst: 0, src: 1, off: 0 }), ins('add', { dst: 0, imm: 1 }), ins('stxdw', { dst: 1, src: 0, off: 0 }), ins('exit')));
  new DataView(storage.buffer).setBigUint64(8, 41n, true);
  assert.equal(vm.run(p, vm.mem.pointer(id, 8)), 42n);
  assert.equal(new DataView(storage.buffer).getBigUint64(8, true), 42n);
});

test('bounds can move (packet headroom) and regions can be removed and their ids reused', () => {
  const mem = new Memory();
  const buf = new Uint8Array(256 + 64);
  const id = mem.addRegion(buf, true, { kind: RegionKind.Packet, start: 256, end: 256 + 64 });
  assert.throws(() => mem.resolve(255, id, 1, false, 0), VmFault);
  mem.setBounds(id, 240, 256 + 64); // adjust_head by -16
  assert.equal(mem.resolve(240, id, 1, false, 0), 240);
  assert.throws(() => mem.setBounds(id, 0, 1000), VmFault);
  mem.removeRegion(id);
  assert.equal(mem.has(id), false);
  assert.throws(() => mem.resolve(240, id, 1, false, 0), /no memory region/);
  assert.equal(mem.addRegion(new Uint8Array(1), false), id);
});

test('hooked regions route every access through their hooks (e.g. 32-bit context fields yielding pointers)', () => {
  const vm = new Vm();
  const log: string[] = [];
  const pkt = vm.mem.addRegion(new Uint8Array(64), true, { kind: RegionKind.Packet });
  const ctx = vm.mem.addRegion(new Uint8Array(24), true, {
    kind: RegionKind.Context,
    name: 'xdp_md',
    hooks: {
      load: (off, size, out, at) => { log.push(`load ${off}/${size}`); out[at] = off === 0 ? 0 : 64; out[at + 1] = pkt; },
      store: (off, size, lo) => { log.push(`store ${off}/${size}=${lo}`); },
    },
  });
  const p = vm.load(prog(
    ins('ldxw', { dst: 2, src: 1, off: 0 }), ins('ldxw', { dst: 3, src: 1, off: 4 }),
    ins('stw', { dst: 1, off: 8, imm: 7 }),
    ins('mov', { dst: 0, src: 3 }), ins('sub', { dst: 0, src: 2 }), ins('exit'),
  ));
  // 4-byte loads of the pointer fields yield full 64-bit packet pointers, as the kernel's rewrite does.
  assert.equal(vm.run(p, vm.mem.pointer(ctx, 0)), 64n);
  assert.equal(vm.reg(2), BigInt(vm.mem.pointer(pkt, 0)));
  assert.deepEqual(log, ['load 0/4', 'load 4/4', 'store 8/4=7']);
  assert.throws(() => vm.run(vm.load(prog(ins('ldxw', { dst: 0, src: 1, off: 22 }), ins('exit'))), vm.mem.pointer(ctx, 0)), /context region 'xdp_md': offset 22 size 4 outside \[0, 24\)/);
});

test('the region table has a fixed capacity and says so when full', () => {
  const mem = new Memory();
  assert.throws(() => { for (let i = 0; i < MAX_REGIONS; i++) mem.addRegion(new Uint8Array(0), false); }, /too many memory regions/);
});

test('PacketBuffer: XDP geometry with headroom; the window grows into it and programs see exactly [meta, end)', () => {
  const mem = new Memory();
  const pkt = new PacketBuffer(mem, Uint8Array.from([1, 2, 3, 4]), XDP_PACKET_HEADROOM, 16);
  assert.equal(pkt.data, 256);
  assert.throws(() => mem.resolve(255, pkt.region, 1, false, 0), VmFault);
  assert.throws(() => mem.resolve(258, pkt.region, 4, false, 0), VmFault);
  pkt.setWindow(248, 252, 260); // head grown by 4, then 4 bytes of metadata before it
  assert.equal(mem.resolve(248, pkt.region, 12, true, 0), 248);
  assert.deepEqual([...pkt.bytes()], [0, 0, 0, 0, 1, 2, 3, 4]);
  assert.equal(pkt.metadata().length, 4);
  assert.throws(() => pkt.setWindow(250, 249, 260), VmFault);
  assert.equal(pkt.pointer(252), pkt.region * TWO32 + 252);
});

test('pointer arithmetic that leaves a region and comes back reaches the same bytes (the carry is 64-bit exact)', () => {
  const vm = new Vm();
  const id = vm.mem.addRegion(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), true, { name: 'r' });
  // r1 = p - 16 (borrows into the region half); then access [r1 + 16] = p[0]
  const p = vm.load(prog(
    ins('sub', { dst: 1, imm: 16 }),
    ins('ldxw', { dst: 0, src: 1, off: 16 }), ins('stb', { dst: 1, off: 17, imm: 9 }),
    ins('mov', { dst: 2, imm: 1 }), ins('lock add', { dst: 1, src: 2, off: 16 }),
    ins('exit'),
  ));
  assert.equal(vm.run(p, vm.mem.pointer(id, 0)), 0x04030201n);
  assert.deepEqual([...vm.mem.bytes[id]], [2, 9, 3, 4, 5, 6, 7, 8]);
  // Still out of bounds when the carried address is: reported at the real address.
  const bad = vm.load(prog(ins('sub', { dst: 1, imm: 16 }), ins('ldxw', { dst: 0, src: 1, off: 8 }), ins('exit')));
  assert.throws(() => vm.run(bad, vm.mem.pointer(id, 0)), new RegExp(`insn 1: invalid read of 4 bytes at 0x${(id - 1).toString(16).padStart(8, '0')}fffffff8`));
});
