import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, VmFault } from '../errors.js';
import { BPF_F, BPF_FUNC, BPF_MAP_TYPE, BPF_PSEUDO } from '../uapi/index.js';
import { ins, prog } from './ins.test-helper.js';
import { Vm } from './interpreter.js';
import { VmMaps } from './map-helpers.js';
import { createMap } from './maps/factory.js';
import { ProgArrayMap } from './maps/fdarray.js';
import type { RingBufMap } from './maps/ringbuf.js';
import { assemble } from '../isa/asm.js';
import type { VmProgram } from './program.js';

const u32le = (n: number) => Uint8Array.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
const u64le = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };

/** key = r1 (u32) at fp-4; value at lookup += 1, or insert 1: the classic counter. */
const counter = (mapIdx = 0) => prog(
  ins('stxw', { dst: 10, src: 1, off: -4 }),
  ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: mapIdx }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -4 }),
  ins('call', { imm: BPF_FUNC.map_lookup_elem }),
  ins('jeq', { dst: 0, imm: 0, off: 4 }),
  ins('mov', { dst: 1, imm: 1 }), ins('lock add', { dst: 0, src: 1, off: 0 }), ins('mov', { dst: 0, imm: 0 }), ins('exit'),
  // insert: value 1 at fp-16
  ins('stdw', { dst: 10, off: -16, imm: 1 }),
  ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: mapIdx }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -4 }),
  ins('mov', { dst: 3, src: 10 }), ins('add', { dst: 3, imm: -16 }), ins('mov', { dst: 4, imm: 0 }),
  ins('call', { imm: BPF_FUNC.map_update_elem }), ins('exit'),
);

test('map helpers: a hash-map counter run by the interpreter is visible through the map API', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const flows = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16, name: 'flows' });
  const p = vm.load(counter(), { helpers: maps.helpers(), resolveLd64: maps.resolver([flows]) });
  for (const key of [7, 7, 9, 7]) assert.equal(vm.run(p, key), 0n);
  assert.deepEqual(flows.lookupElem(u32le(7)), u64le(3n));
  assert.deepEqual(flows.lookupElem(u32le(9)), u64le(1n));
  // Deleting from the program side.
  const del = vm.load(prog(
    ins('stxw', { dst: 10, src: 1, off: -4 }),
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_FD, imm: flows.id }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -4 }),
    ins('call', { imm: BPF_FUNC.map_delete_elem }), ins('exit'),
  ), { helpers: maps.helpers(), resolveLd64: maps.resolver() });
  assert.equal(vm.run(del, 9), 0n);
  assert.equal(BigInt.asIntN(64, vm.run(del, 9)), -2n); // -ENOENT
  assert.equal(flows.lookupElem(u32le(9)), undefined);
});

test('per-CPU maps: lookups see the value of the CPU the run is on', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const pc = createMap({ type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 2, name: 'pc' }, { cpus: 4 });
  const p = vm.load(counter(), { helpers: maps.helpers(), resolveLd64: maps.resolver([pc]) });
  vm.cpu = 2; vm.run(p, 1); vm.run(p, 1);
  vm.cpu = 3; vm.run(p, 1);
  const values = pc.lookupElem(u32le(1)) as Uint8Array[];
  assert.deepEqual(values.map((v) => new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)), [0n, 0n, 2n, 1n]);
});

test('direct value access (global data) and BPF_F_RDONLY_PROG', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const data = createMap({ type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, name: '.data' });
  const rodata = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: BPF_F.RDONLY_PROG, name: '.rodata' });
  rodata.updateElem(u32le(0), u64le(40n));
  const opts = { helpers: maps.helpers(), resolveLd64: maps.resolver([data, rodata]) };
  // r0 = rodata[0] + 2; data[8..16] = r0
  const p = vm.load(prog(
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX_VALUE, imm: 1 }), ins('ldxdw', { dst: 0, src: 1, off: 0 }), ins('add', { dst: 0, imm: 2 }),
    [{ op: 0x18, dst: 2, src: BPF_PSEUDO.MAP_IDX_VALUE, off: 0, imm: 0 }, { op: 0, dst: 0, src: 0, off: 0, imm: 8 }],
    ins('stxdw', { dst: 2, src: 0, off: 0 }), ins('exit'),
  ), opts);
  assert.equal(vm.run(p), 42n);
  assert.deepEqual((data.lookupElem(u32le(0)) as Uint8Array).slice(8), u64le(42n));
  const write = vm.load(prog(ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX_VALUE, imm: 1 }), ins('stdw', { dst: 1, off: 0, imm: 1 }), ins('exit')), opts);
  assert.throws(() => vm.run(write), (e) => e instanceof VmFault && /map value region '.rodata' is read-only/.test(e.message));
  assert.throws(() => vm.load(prog(ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 5 }), ins('exit')), opts), (e) => e instanceof LoadError && /map index 5/.test(e.message));
  // BPF_F_WRONLY_PROG: programs may write but not read.
  const wo = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: BPF_F.WRONLY_PROG, name: 'wo' });
  const woOpts = { helpers: maps.helpers(), resolveLd64: maps.resolver([wo]) };
  vm.run(vm.load(prog(ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX_VALUE, imm: 0 }), ins('stdw', { dst: 1, off: 0, imm: 9 }), ins('exit')), woOpts));
  assert.deepEqual(wo.lookupElem(u32le(0)), u64le(9n));
  assert.throws(() => vm.run(vm.load(prog(ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX_VALUE, imm: 0 }), ins('ldxdw', { dst: 0, src: 1, off: 0 }), ins('exit')), woOpts)), /map value region 'wo' is write-only/);
});

test('tail calls through a ProgArrayMap; maps of maps yield inner map pointers', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const jmp = createMap({ type: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, name: 'jmp' }) as ProgArrayMap<VmProgram>;
  const opts = { helpers: maps.helpers(), resolveLd64: maps.resolver([jmp]) };
  const target = vm.load(prog(ins('mov', { dst: 0, imm: 77 }), ins('exit')), opts);
  const entry = vm.load(prog(
    ins('lddw', { dst: 2, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('mov', { dst: 3, src: 1 }),
    ins('call', { imm: BPF_FUNC.tail_call }), ins('mov', { dst: 0, imm: 1 }), ins('exit'),
  ), opts);
  assert.equal(jmp.set(2, target), 0);
  assert.equal(vm.run(entry, 2), 77n);
  assert.equal(vm.run(entry, 1), 1n); // empty slot: falls through

  const inner = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, name: 'inner' });
  const outer = createMap({ type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner, name: 'outer' });
  assert.equal(outer.updateElem(u32le(1), u32le(inner.id)), 0);
  inner.updateElem(u32le(3), u64le(5n));
  // inner = outer[1]; return inner[3]
  const p = vm.load(prog(
    ins('stw', { dst: 10, off: -4, imm: 1 }),
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -4 }),
    ins('call', { imm: BPF_FUNC.map_lookup_elem }), ins('jeq', { dst: 0, imm: 0, off: 7 }),
    ins('stw', { dst: 10, off: -4, imm: 3 }), ins('mov', { dst: 1, src: 0 }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -4 }),
    ins('call', { imm: BPF_FUNC.map_lookup_elem }), ins('ldxdw', { dst: 0, src: 0, off: 0 }), ins('exit'),
    ins('mov', { dst: 0, imm: -1 }), ins('exit'),
  ), { helpers: maps.helpers(), resolveLd64: maps.resolver([outer]) });
  assert.equal(vm.run(p), 5n);
});

test('bpf_for_each_map_elem calls back per element with key and value pointers and stops on 1', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const h = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, name: 'h' });
  for (const k of [1, 2, 3, 4]) h.updateElem(u32le(k), u64le(BigInt(k * 10)));
  // sum at fp-8; visited = for_each(h, cb, fp-8, 0); return visited * 1000 + sum
  // cb(map, key, value, ctx): *ctx += *value + *key; *value += 1; return *key == stopKey
  const body = (stopKey: number) => prog(
    ins('stdw', { dst: 10, off: -8, imm: 0 }),
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('lddw', { dst: 2, src: BPF_PSEUDO.FUNC, imm: 9 }),
    ins('mov', { dst: 3, src: 10 }), ins('add', { dst: 3, imm: -8 }), ins('mov', { dst: 4, imm: 0 }),
    ins('call', { imm: BPF_FUNC.for_each_map_elem }),
    ins('mul', { dst: 0, imm: 1000 }), ins('ldxdw', { dst: 1, src: 10, off: -8 }), ins('add', { dst: 0, src: 1 }), ins('exit'),
    // cb (slot 13)
    ins('ldxw', { dst: 5, src: 2, off: 0 }), ins('ldxdw', { dst: 6, src: 3, off: 0 }),
    ins('ldxdw', { dst: 7, src: 4, off: 0 }), ins('add', { dst: 7, src: 6 }), ins('add', { dst: 7, src: 5 }), ins('stxdw', { dst: 4, src: 7, off: 0 }),
    ins('add', { dst: 6, imm: 1 }), ins('stxdw', { dst: 3, src: 6, off: 0 }),
    ins('mov', { dst: 0, imm: 0 }), ins('jne', { dst: 5, imm: stopKey, off: 1 }), ins('mov', { dst: 0, imm: 1 }), ins('exit'),
  );
  const opts = { helpers: maps.helpers(), resolveLd64: maps.resolver([h]) };
  assert.equal(vm.run(vm.load(body(99), opts)), 4000n + 100n + 10n);
  assert.deepEqual(h.lookupElem(u32le(3)), u64le(31n), 'values are writable through the pointer');
  const order: number[] = [];
  for (let k = h.nextKey(); k; k = h.nextKey(k)) order.push(k[0]);
  assert.equal(vm.run(vm.load(body(2), opts)) / 1000n, BigInt(order.indexOf(2) + 1), 'stops after the callback returning 1');
  // The key copy is read-only.
  const writeKey = prog(
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('lddw', { dst: 2, src: BPF_PSEUDO.FUNC, imm: 5 }),
    ins('mov', { dst: 3, imm: 0 }), ins('mov', { dst: 4, imm: 0 }), ins('call', { imm: BPF_FUNC.for_each_map_elem }), ins('exit'),
    ins('stw', { dst: 2, off: 0, imm: 5 }), ins('mov', { dst: 0, imm: 0 }), ins('exit'),
  );
  assert.throws(() => vm.run(vm.load(writeKey, opts)), /h keys' is read-only/);
});

test('ring buffer helpers: a reserved record is its own region until submitted; output copies', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const rb = createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, name: 'events' }) as RingBufMap;
  const opts = { helpers: maps.helpers(), resolveLd64: maps.resolver([rb]) };
  // r6 = reserve(8); *(u64 *)r6 = r7 (arg); submit(r6); then output 4 bytes from the stack
  const p = vm.load(assemble(`
    mov %r7, %r1
    lddw %r1, 0
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, fail
    stxdw [%r0], %r7
    mov %r1, %r0
    mov %r2, 0
    call 132
    stw [%r10-4], 0x01020304
    lddw %r1, 0
    mov %r2, %r10
    add %r2, -4
    mov %r3, 4
    mov %r4, 0
    call 130
    exit
  fail:
    mov %r0, -1
    exit`, { syntax: 'conformance' }).map((insn) => insn.op === 0x18 ? { ...insn, src: BPF_PSEUDO.MAP_IDX } : insn), opts); // lddw → map #0
  assert.equal(vm.run(p, 0x1122334455667788n), 0n);
  assert.deepEqual(rb.drain().map((r) => [...r]), [[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11], [4, 3, 2, 1]]);
  // Writing a record after submitting it faults: its region is gone.
  const after = vm.load(prog(
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('mov', { dst: 2, imm: 8 }), ins('mov', { dst: 3, imm: 0 }),
    ins('call', { imm: BPF_FUNC.ringbuf_reserve }), ins('mov', { dst: 6, src: 0 }),
    ins('mov', { dst: 1, src: 0 }), ins('mov', { dst: 2, imm: 0 }), ins('call', { imm: BPF_FUNC.ringbuf_discard }),
    ins('stdw', { dst: 6, off: 0, imm: 1 }), ins('exit'),
  ), opts);
  assert.throws(() => vm.run(after), (e) => e instanceof VmFault && e.location.insn === 9 && /no memory region/.test(e.message));
  // The record region covers exactly the record.
  const over = vm.load(prog(
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('mov', { dst: 2, imm: 8 }), ins('mov', { dst: 3, imm: 0 }),
    ins('call', { imm: BPF_FUNC.ringbuf_reserve }), ins('stdw', { dst: 0, off: 8, imm: 1 }), ins('exit'),
  ), opts);
  assert.throws(() => vm.run(over), /ringbuf region 'events record': offset 8 size 8 outside \[0, 8\)/);
});

test('queue helpers: push, peek and pop through program memory', () => {
  const vm = new Vm();
  const maps = new VmMaps(vm.mem);
  const q = createMap({ type: 'queue', keySize: 0, valueSize: 8, maxEntries: 4, name: 'q' });
  const opts = { helpers: maps.helpers(), resolveLd64: maps.resolver([q]) };
  const call = (id: number, value: bigint, flags = 0) => vm.run(vm.load(prog(
    ins('lddw', { dst: 2, value }), ins('stxdw', { dst: 10, src: 2, off: -8 }),
    ins('lddw', { dst: 1, src: BPF_PSEUDO.MAP_IDX, imm: 0 }), ins('mov', { dst: 2, src: 10 }), ins('add', { dst: 2, imm: -8 }), ins('mov', { dst: 3, imm: flags }),
    ins('call', { imm: id }), ins('ldxdw', { dst: 1, src: 10, off: -8 }), ins('lsh', { dst: 0, imm: 32 }), ins('or', { dst: 0, src: 1 }), ins('exit'),
  ), opts));
  assert.equal(call(BPF_FUNC.map_push_elem, 5n), 5n);
  assert.equal(call(BPF_FUNC.map_push_elem, 6n), 6n);
  assert.equal(call(BPF_FUNC.map_peek_elem, 0n), 5n);
  assert.equal(call(BPF_FUNC.map_pop_elem, 0n), 5n);
  assert.equal(call(BPF_FUNC.map_pop_elem, 0n), 6n);
  assert.equal(call(BPF_FUNC.map_pop_elem, 9n) >> 32n, 0xfffffffen); // -ENOENT, value zeroed
});
