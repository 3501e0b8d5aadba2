import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadError, VmFault } from '../errors.js';
import { BPF_FUNC } from '../uapi/index.js';
import { ins, prog } from './ins.test-helper.js';
import { MAX_TAIL_CALL_CNT, Vm, type TailCallTable } from './interpreter.js';
import { RegionKind } from './memory.js';
import { vmHelpers } from './helpers.js';
import type { VmProgram } from './program.js';
import type { Instruction } from '../isa/instruction.js';

const u64 = (x: bigint) => BigInt.asUintN(64, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const u32 = (x: bigint) => BigInt.asUintN(32, x);
const s32 = (x: bigint) => BigInt.asIntN(32, x);

/** Reference semantics of RFC 9669 ALU operations on unsigned 64-bit operands. */
function alu64(op: string, a: bigint, b: bigint): bigint {
  const n = b & 63n;
  switch (op) {
    case 'add': return u64(a + b);
    case 'sub': return u64(a - b);
    case 'mul': return u64(a * b);
    case 'div': return b === 0n ? 0n : a / b;
    case 'mod': return b === 0n ? a : a % b;
    case 'sdiv': return b === 0n ? 0n : u64(s64(a) / s64(b));
    case 'smod': return b === 0n ? a : u64(s64(a) % s64(b));
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return u64(a << n);
    case 'rsh': return a >> n;
    case 'arsh': return u64(s64(a) >> n);
    case 'mov': return b;
  }
  throw new Error(op);
}

function alu32(op: string, a64: bigint, b64: bigint): bigint {
  const a = u32(a64), b = u32(b64), n = b & 31n;
  switch (op) {
    case 'add': return u32(a + b);
    case 'sub': return u32(a - b);
    case 'mul': return u32(a * b);
    case 'div': return b === 0n ? 0n : a / b;
    case 'mod': return b === 0n ? a : a % b;
    case 'sdiv': return b === 0n ? 0n : u32(s32(a) / s32(b));
    case 'smod': return b === 0n ? a : u32(s32(a) % s32(b));
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return u32(a << n);
    case 'rsh': return a >> n;
    case 'arsh': return u32(s32(a) >> n);
    case 'mov': return b;
  }
  throw new Error(op);
}

function jump(op: string, a: bigint, b: bigint, is32: boolean): boolean {
  const ua = is32 ? u32(a) : u64(a), ub = is32 ? u32(b) : u64(b);
  const sa = is32 ? s32(a) : s64(a), sb = is32 ? s32(b) : s64(b);
  switch (op) {
    case 'jeq': return ua === ub;
    case 'jne': return ua !== ub;
    case 'jset': return (ua & ub) !== 0n;
    case 'jgt': return ua > ub;
    case 'jge': return ua >= ub;
    case 'jlt': return ua < ub;
    case 'jle': return ua <= ub;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
  }
  throw new Error(op);
}

/** Deterministic 64-bit values: edge cases, then xorshift-generated ones. */
function values(count: number): bigint[] {
  const edges = [0n, 1n, 2n, 3n, 7n, 31n, 32n, 33n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
    0x1fffffffffffffn, 0x20000000000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
    0xfffffffffffffffen, 0xffffffff80000000n, 0x123456789abcdef0n, 0xfedcba9876543210n];
  const out = [...edges];
  let x = 0x9e3779b97f4a7c15n;
  while (out.length < count) {
    x ^= u64(x << 13n); x ^= x >> 7n; x ^= u64(x << 17n);
    // Mix magnitudes so small and large operands meet.
    out.push(x >> BigInt(Number(x & 63n)));
  }
  return out;
}

const OPS = ['add', 'sub', 'mul', 'div', 'mod', 'sdiv', 'smod', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];

test('ALU64 and ALU32, register and immediate forms, match the reference semantics', () => {
  const vm = new Vm();
  const vals = values(40);
  let checked = 0;
  for (const op of OPS) {
    for (const is32 of [false, true]) {
      const mn = op + (is32 ? '32' : '');
      const regProg = vm.load(prog(ins('mov', { dst: 0, src: 1 }), ins(mn, { dst: 0, src: 2 }), ins('exit')));
      for (const a of vals) {
        for (const b of vals) {
          const want = is32 ? alu32(op, a, b) : alu64(op, a, b);
          assert.equal(vm.run(regProg, a, b), want, `${mn} ${a.toString(16)}, ${b.toString(16)} (reg)`);
          checked++;
        }
        for (const b of vals.filter((v) => v < 0x80000000n).concat([0xffffffffffffffffn, 0xffffffff80000000n])) {
          const imm = Number(s32(b));
          const p = vm.load(prog(ins('mov', { dst: 0, src: 1 }), ins(mn, { dst: 0, imm }), ins('exit')));
          const want = is32 ? alu32(op, a, BigInt(imm)) : alu64(op, a, u64(BigInt(imm)));
          assert.equal(vm.run(p, a), want, `${mn} ${a.toString(16)}, ${imm} (imm)`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 40000);
});

test('conditional jumps (JMP and JMP32, register and immediate) match the reference', () => {
  const vm = new Vm();
  const vals = values(30);
  for (const op of ['jeq', 'jne', 'jset', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle']) {
    for (const is32 of [false, true]) {
      const mn = op + (is32 ? '32' : '');
      const tail = prog(ins('mov', { dst: 0, imm: 0 }), ins('exit'), ins('mov', { dst: 0, imm: 1 }), ins('exit'));
      const regProg = vm.load(prog(ins(mn, { dst: 1, src: 2, off: 2 }), tail));
      for (const a of vals) {
        for (const b of vals) {
          assert.equal(vm.run(regProg, a, b), jump(op, a, b, is32) ? 1n : 0n, `${mn} ${a.toString(16)}, ${b.toString(16)}`);
        }
        for (const imm of [0, 1, -1, 0x7fffffff, -0x80000000, 31, -32]) {
          const p = vm.load(prog(ins(mn, { dst: 1, imm, off: 2 }), tail));
          assert.equal(vm.run(p, a), jump(op, a, u64(BigInt(imm)), is32) ? 1n : 0n, `${mn} ${a.toString(16)}, ${imm}`);
        }
      }
    }
  }
});

test('NEG, byte swaps, MOVSX and LDDW', () => {
  const vm = new Vm();
  const one = (i: ReturnType<typeof ins>, a: bigint) => vm.run(vm.load(prog(ins('mov', { dst: 0, src: 1 }), i, ins('exit'))), a);
  assert.equal(one(ins('neg', { dst: 0 }), 1n), 0xffffffffffffffffn);
  assert.equal(one(ins('neg', { dst: 0 }), 0n), 0n);
  assert.equal(one(ins('neg', { dst: 0 }), 0x8000000000000000n), 0x8000000000000000n);
  assert.equal(one(ins('neg32', { dst: 0 }), 0xffffffff00000001n), 0xffffffffn);
  assert.equal(one(ins('be16', { dst: 0 }), 0x1122334455667788n), 0x8877n);
  assert.equal(one(ins('be32', { dst: 0 }), 0x1122334455667788n), 0x88776655n);
  assert.equal(one(ins('be64', { dst: 0 }), 0x1122334455667788n), 0x8877665544332211n);
  assert.equal(one(ins('le16', { dst: 0 }), 0x1122334455667788n), 0x7788n);
  assert.equal(one(ins('le32', { dst: 0 }), 0x1122334455667788n), 0x55667788n);
  assert.equal(one(ins('le64', { dst: 0 }), 0x1122334455667788n), 0x1122334455667788n);
  assert.equal(one(ins('swap16', { dst: 0 }), 0x1122334455667788n), 0x8877n);
  assert.equal(one(ins('swap64', { dst: 0 }), 0x1122334455667788n), 0x8877665544332211n);
  const movsx = (mn: string, a: bigint) => vm.run(vm.load(prog(ins(mn, { dst: 0, src: 1 }), ins('exit'))), a);
  assert.equal(movsx('movsx864', 0x80n), 0xffffffffffffff80n);
  assert.equal(movsx('movsx1664', 0x7fffn), 0x7fffn);
  assert.equal(movsx('movsx3264', 0x80000000n), 0xffffffff80000000n);
  assert.equal(movsx('movsx832', 0xffn), 0xffffffffn);
  assert.equal(movsx('movsx1632', 0x18000n), 0xffff8000n);
  assert.equal(vm.run(vm.load(prog(ins('lddw', { dst: 0, value: 0x8877665544332211n }), ins('exit')))), 0x8877665544332211n);
});

test('loads, sign-extending loads and stores of every size on the stack', () => {
  const vm = new Vm();
  const p = vm.load(prog(
    ins('lddw', { dst: 1, value: 0x80f1e2d3c4b5a697n }),
    ins('stxdw', { dst: 10, src: 1, off: -8 }),
    ins('ldxsb', { dst: 2, src: 10, off: -1 }), // 0x80 → -128
    ins('ldxsh', { dst: 3, src: 10, off: -2 }), // 0x80f1
    ins('ldxsw', { dst: 4, src: 10, off: -4 }), // 0x80f1e2d3
    ins('ldxb', { dst: 5, src: 10, off: -8 }), // 0x97
    ins('stw', { dst: 10, off: -16, imm: -2 }),
    ins('ldxdw', { dst: 6, src: 10, off: -16 }),
    ins('sth', { dst: 10, off: -24, imm: 0x12345 }),
    ins('ldxh', { dst: 7, src: 10, off: -24 }),
    ins('mov', { dst: 0, imm: 0 }), ins('exit'),
  ));
  vm.run(p);
  const reg = (i: number) => vm.reg(i);
  assert.equal(reg(2), 0xffffffffffffff80n);
  assert.equal(reg(3), 0xffffffffffff80f1n);
  assert.equal(reg(4), 0xffffffff80f1e2d3n);
  assert.equal(reg(5), 0x97n);
  assert.equal(u32(reg(6)), 0xfffffffen);
  assert.equal(reg(7), 0x2345n);
});

test('atomics: add/or/and/xor with and without fetch, xchg, cmpxchg on W and DW', () => {
  const vm = new Vm();
  const run = (body: ReturnType<typeof ins>[], init: bigint, r1: bigint, r0 = 0n) => {
    const p = vm.load(prog(
      ins('lddw', { dst: 2, value: init }), ins('stxdw', { dst: 10, src: 2, off: -8 }),
      ins('lddw', { dst: 0, value: r0 }),
      ...body,
      ins('ldxdw', { dst: 3, src: 10, off: -8 }), ins('exit'),
    ));
    vm.run(p, r1);
    return { mem: vm.reg(3), r0: vm.reg(0), r1: vm.reg(1) };
  };
  assert.deepEqual(run([ins('lock add', { dst: 10, src: 1, off: -8 })], 0xffffffffn, 1n), { mem: 0x100000000n, r0: 0n, r1: 1n });
  assert.deepEqual(run([ins('lock add32', { dst: 10, src: 1, off: -8 })], 0x1ffffffffn, 1n), { mem: 0x100000000n, r0: 0n, r1: 1n });
  assert.deepEqual(run([ins('lock fetch add', { dst: 10, src: 1, off: -8 })], 5n, 3n), { mem: 8n, r0: 0n, r1: 5n });
  assert.deepEqual(run([ins('lock fetch or32', { dst: 10, src: 1, off: -8 })], 0xff00000001n, 2n), { mem: 0xff00000003n, r0: 0n, r1: 1n });
  assert.deepEqual(run([ins('lock fetch and', { dst: 10, src: 1, off: -8 })], 0xf0n, 0x3cn), { mem: 0x30n, r0: 0n, r1: 0xf0n });
  assert.deepEqual(run([ins('lock fetch xor32', { dst: 10, src: 1, off: -8 })], 0xf0n, 0xffffffffffffffffn), { mem: 0xffffff0fn, r0: 0n, r1: 0xf0n });
  assert.deepEqual(run([ins('lock xchg', { dst: 10, src: 1, off: -8 })], 7n, 9n), { mem: 9n, r0: 0n, r1: 7n });
  assert.deepEqual(run([ins('lock cmpxchg', { dst: 10, src: 1, off: -8 })], 7n, 9n, 7n), { mem: 9n, r0: 7n, r1: 9n });
  assert.deepEqual(run([ins('lock cmpxchg', { dst: 10, src: 1, off: -8 })], 7n, 9n, 6n), { mem: 7n, r0: 7n, r1: 9n });
  // 32-bit cmpxchg compares the low half of r0 and zero-extends the old value into r0.
  assert.deepEqual(run([ins('lock cmpxchg32', { dst: 10, src: 1, off: -8 })], 0xaa00000007n, 9n, 0xff00000007n), { mem: 0xaa00000009n, r0: 7n, r1: 9n });
});

test('every access is bounds- and permission-checked; faults name insn, address and size', () => {
  const vm = new Vm();
  const ro = vm.mem.addRegion(new Uint8Array(16), false, { kind: RegionKind.Global, name: '.rodata' });
  const fault = (p: ReturnType<typeof ins>[], ...args: (number | bigint)[]) => {
    try {
      vm.run(vm.load(prog(...p, ins('exit'))), ...args);
    } catch (e) {
      assert.ok(e instanceof VmFault, String(e));
      return e.toString();
    }
    assert.fail('no fault');
  };
  assert.match(fault([ins('mov', { dst: 0, imm: 0 }), ins('ldxdw', { dst: 0, src: 10, off: 0 })]), /^insn 1: invalid read of 8 bytes at 0x0000000[0-9a-f]00000200: stack region 'frame 0': offset 512 size 8 outside \[0, 512\)/);
  assert.match(fault([ins('ldxw', { dst: 0, src: 10, off: -513 })]), /insn 0: invalid read of 4 bytes at 0x0000000[0-9a-f]ffffffff/);
  assert.match(fault([ins('ldxb', { dst: 0, src: 1, off: 0 })], 0), /insn 0: invalid read of 1 byte at 0x0000000000000000: not a pointer/);
  assert.match(fault([ins('stb', { dst: 1, off: 3, imm: 1 })], vm.mem.pointer(ro, 0)), /insn 0: invalid write of 1 byte at .*global data region '.rodata' is read-only/);
  assert.match(fault([ins('ldxdw', { dst: 0, src: 1, off: 9 })], vm.mem.pointer(ro, 0)), /outside \[0, 16\)/);
  assert.match(fault([ins('lock add', { dst: 1, src: 2, off: 0 })], vm.mem.pointer(ro, 0)), /invalid write of 8 bytes.*read-only/);
  assert.match(fault([ins('ldxw', { dst: 0, src: 1, off: 0 })], vm.mem.pointer(vm.codeRegion, 0)), /handle region 'code' is not memory/);
  // A read-only region is still readable.
  vm.mem.bytes[ro][4] = 0x2a;
  assert.equal(vm.run(vm.load(prog(ins('ldxb', { dst: 0, src: 1, off: 4 }), ins('exit'))), vm.mem.pointer(ro, 0)), 0x2an);
});

test('load refuses what the kernel refuses before running', () => {
  const vm = new Vm();
  const refuse = (p: ReturnType<typeof ins>[], re: RegExp) => assert.throws(() => vm.load(prog(...p)), (e) => e instanceof LoadError && re.test(e.toString()));
  refuse([ins('call', { imm: BPF_FUNC.map_lookup_elem }), ins('exit')], /insn 0: helper bpf_map_lookup_elem#1 is not supported by the VM/);
  refuse([ins('mov', { dst: 10, imm: 0 }), ins('exit')], /frame pointer is read only/);
  refuse([ins('mov', { dst: 0, imm: 0 })], /last insn is not an exit or jmp/);
  refuse([ins('ja', { off: 5 }), ins('exit')], /jump out of range/);
  refuse([{ op: 0x07, dst: 0, src: 0, off: 1, imm: 1 }, ...ins('exit')].map((x) => [x]).flat() as never, /reserved/);
  refuse([ins('lddw', { dst: 1, src: 1, value: 3n }), ins('exit')], /pseudo source 1 needs a map resolver/);
  assert.throws(() => vm.load(new Uint8Array(0)), LoadError);
});

test('BPF-to-BPF calls: new frame per call, r6-r9 preserved, depth limited to 8 frames', () => {
  const vm = new Vm();
  // main: r6 = 6; store 1 at fp-8; call f; r0 = f's r0 + r6 + own fp-8 (untouched by f)
  const p = vm.load(prog(
    ins('mov', { dst: 6, imm: 6 }), ins('stdw', { dst: 10, off: -8, imm: 1 }),
    ins('call local', { imm: 4 }),
    ins('add', { dst: 0, src: 6 }), ins('ldxdw', { dst: 1, src: 10, off: -8 }), ins('add', { dst: 0, src: 1 }), ins('exit'),
    // f:
    ins('mov', { dst: 6, imm: 100 }), ins('stdw', { dst: 10, off: -8, imm: 50 }), ins('ldxdw', { dst: 0, src: 10, off: -8 }), ins('exit'),
  ));
  assert.equal(vm.run(p), 57n);
  // Recursion: depth counter in r1, each level calls itself until r1 reaches 0.
  const recurse = (levels: number) => vm.run(vm.load(prog(
    ins('call local', { imm: 1 }), ins('exit'),
    ins('jeq', { dst: 1, imm: 0, off: 2 }), ins('sub', { dst: 1, imm: 1 }), ins('call local', { imm: -3 }), ins('mov', { dst: 0, imm: 7 }), ins('exit'),
  )), levels);
  assert.equal(recurse(6), 7n); // 1 + 7 frames = 8
  assert.throws(() => recurse(7), (e) => e instanceof VmFault && /call stack of 9 frames is too deep/.test(e.message));
});

test('tail calls: jump to the prog-array slot, fall through on failure, at most 33 per run', () => {
  const vm = new Vm();
  const slots: (VmProgram | undefined)[] = [];
  const table: TailCallTable = { maxEntries: 4, tailCallTarget: (i) => slots[i] };
  const handle = vm.mem.pointer(vm.mem.addHandle(table, 'jmp_table'), 0);
  // Each program: r7 counts in the stack of frame 0? No: registers survive a tail call; r6 counts calls.
  const caller = (index: number) => vm.load(prog(
    ins('add', { dst: 6, imm: 1 }), ins('mov', { dst: 2, src: 8 }), ins('mov', { dst: 3, imm: index }),
    ins('call', { imm: BPF_FUNC.tail_call }), ins('mov', { dst: 0, src: 6 }), ins('exit'),
  ));
  const self = caller(0);
  slots[0] = self;
  vm.setReg(6, 0); vm.setReg(8, handle);
  vm.exec(self);
  assert.equal(vm.reg(0), BigInt(MAX_TAIL_CALL_CNT + 1)); // the first run plus 33 tail calls
  assert.equal(vm.tailCalls, MAX_TAIL_CALL_CNT);
  // An empty slot falls through (and counts), an index beyond max_entries falls through.
  for (const index of [2, 9]) {
    vm.setReg(6, 0);
    vm.exec(caller(index));
    assert.equal(vm.reg(0), 1n);
    assert.equal(vm.tailCalls, index === 2 ? 1 : 0);
  }
  // A tail call with something else than a prog array in r2 faults.
  vm.setReg(8, 5);
  assert.throws(() => vm.exec(self), /is not a prog array/);
});

test('bpf_loop calls back into the interpreter and returns the number of iterations', () => {
  const vm = new Vm();
  // sum = 0 at fp-8; bpf_loop(10, cb, fp-8, 0); r0 = sum * 1000 + iterations
  // cb(i, ctx): *ctx += i; return i == 6 (stop after the 7th call)
  const p = vm.load(prog(
    ins('stdw', { dst: 10, off: -8, imm: 0 }),
    ins('mov', { dst: 1, imm: 10 }), ins('lddw', { dst: 2, src: 4, imm: 9 }), ins('mov', { dst: 3, src: 10 }), ins('add', { dst: 3, imm: -8 }), ins('mov', { dst: 4, imm: 0 }),
    ins('call', { imm: BPF_FUNC.loop }),
    ins('ldxdw', { dst: 1, src: 10, off: -8 }), ins('mul', { dst: 1, imm: 1000 }), ins('add', { dst: 0, src: 1 }), ins('exit'),
    // cb (slot 12):
    ins('ldxdw', { dst: 3, src: 2, off: 0 }), ins('add', { dst: 3, src: 1 }), ins('stxdw', { dst: 2, src: 3, off: 0 }),
    ins('mov', { dst: 0, imm: 0 }), ins('jne', { dst: 1, imm: 6, off: 1 }), ins('mov', { dst: 0, imm: 1 }), ins('exit'),
  ), { helpers: vmHelpers });
  assert.equal(vm.run(p), 21n * 1000n + 7n);
});

test('LD_ABS / LD_IND read the packet big-endian; out of bounds ends the program with 0', () => {
  const vm = new Vm();
  const pkt = vm.mem.addRegion(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]), false, { kind: RegionKind.Packet });
  vm.ldAbsRegion = pkt;
  const run = (p: ReturnType<typeof ins>[], r: number) => vm.run(vm.load(prog(ins('mov', { dst: 6, src: 1 }), ins('mov', { dst: 7, imm: r }), ...p, ins('exit'))));
  assert.equal(run([ins('ldabsw', { imm: 2 })], 0), 0x02030405n);
  assert.equal(run([ins('ldabsh', { imm: 6 })], 0), 0x0607n);
  assert.equal(run([ins('ldindb', { src: 7, imm: 1 })], 6), 7n);
  assert.equal(run([ins('ldabsw', { imm: 5 }), ins('mov', { dst: 0, imm: 9 })], 0), 0n);
  assert.equal(run([ins('ldindh', { src: 7, imm: 0 }), ins('mov', { dst: 0, imm: 9 })], -1), 0n);
  // SKF_NET_OFF / SKF_LL_OFF: relative to the network / link-layer header, reaching before data.
  const buf = Uint8Array.from([0xaa, 0xbb, 0, 1, 2, 3]);
  vm.ldAbsRegion = vm.mem.addRegion(buf, false, { kind: RegionKind.Packet, start: 2 });
  vm.ldAbsNet = 2;
  vm.ldAbsMac = 0;
  assert.equal(run([ins('ldabsh', { imm: -0x100000 + 1 })], 0), 0x0102n);
  assert.equal(run([ins('ldabsh', { imm: -0x200000 })], 0), 0xaabbn);
  assert.equal(run([ins('ldabsw', { imm: -0x200000 + 3 }), ins('mov', { dst: 0, imm: 9 })], 0), 0n);
  vm.ldAbsMac = -1;
  assert.equal(run([ins('ldabsb', { imm: -0x200000 }), ins('mov', { dst: 0, imm: 9 })], 0), 0n);
});

test('a run past its instruction budget stops with a clear fault', () => {
  const vm = new Vm({ budget: 10_000 });
  const p = vm.load(prog(ins('ja', { off: -1 })));
  assert.throws(() => vm.run(p), (e) => e instanceof VmFault && /instruction budget of 10000 exceeded/.test(e.message) && e.location.insn === 0);
  assert.equal(vm.executed, 10_000);
});

test('the budget is charged per straight-line run yet stops at the exact instruction, after exactly its effects', () => {
  const code = prog(
    ins('mov', { dst: 6, imm: 0 }), ins('lddw', { dst: 7, value: 5n }), // slots 0, 1-2
    ins('add', { dst: 6, imm: 1 }), ins('stxdw', { dst: 10, src: 6, off: -8 }), ins('add', { dst: 7, imm: 1 }), // 3, 4, 5
    ins('jlt', { dst: 6, imm: 1000, off: -4 }), ins('exit'), // 6, 7
  );
  // The slots a run executes in order: the first run, then the loop's.
  const order = (k: number) => (k < 6 ? [0, 1, 3, 4, 5, 6][k] : [3, 4, 5, 6][(k - 6) % 4]);
  for (let budget = 0; budget < 24; budget++) {
    const vm = new Vm({ budget });
    const p = vm.load(code);
    assert.throws(() => vm.run(p), (e) => e instanceof VmFault && /instruction budget/.test(e.message) && e.location.insn === order(budget), `budget ${budget}`);
    assert.equal(vm.executed, budget);
    let stores = 0;
    for (let k = 0; k < budget; k++) if (order(k) === 4) stores++;
    const stack = new DataView(vm.mem.bytes[vm.stacks[0]].buffer);
    assert.equal(stack.getUint32(504, true), stores, `budget ${budget}: the stores before the fault happened, none after`);
  }
  // A fault inside a run counts the instructions up to and including the faulting one.
  const vm = new Vm();
  const p = vm.load(prog(ins('mov', { dst: 0, imm: 0 }), ins('add', { dst: 0, imm: 1 }), ins('ldxw', { dst: 1, src: 0, off: 0 }), ins('add', { dst: 0, imm: 1 }), ins('exit')));
  assert.throws(() => vm.run(p), (e) => e instanceof VmFault && e.location.insn === 2);
  assert.equal(vm.executed, 3);
  // …and the program's code is untouched by a stop (the next run with budget left finishes).
  const small = new Vm({ budget: 7 });
  const q = small.load(code);
  assert.throws(() => small.run(q), /instruction budget/);
  small.budget = 100_000;
  assert.equal(small.run(q), 0n);
  assert.equal(small.executed, 6 + 999 * 4 + 1);
});

test('superinstructions (fused adjacent instructions) behave as their instructions, also under jumps into them and budget stops', () => {
  const code = prog(
    ins('mov', { dst: 2, imm: 100 }), ins('mov', { dst: 3, imm: 0 }), // 0, 1
    ins('mov', { dst: 1, src: 3 }), ins('add', { dst: 1, imm: 14 }), ins('jgt', { dst: 1, src: 2, off: 3 }), // 2-4: bounds check
    ins('mov', { dst: 3, src: 1 }), ins('add', { dst: 3, imm: 1 }), ins('ja', { off: -6 }), // 5-6: pointer + offset
    ins('mov', { dst: 0, src: 3 }), ins('exit'),
  );
  const vm = new Vm();
  assert.equal(vm.run(vm.load(code)), 90n);
  assert.equal(vm.executed, 5 + 6 * 6 + 2);
  const order = (k: number) => (k < 5 ? k : [5, 6, 7, 2, 3, 4][(k - 5) % 6]);
  for (let budget = 0; budget < 30; budget++) {
    const small = new Vm({ budget });
    assert.throws(() => small.run(small.load(code)), (e) => e instanceof VmFault && e.location.insn === order(budget), `budget ${budget}`);
    assert.equal(small.executed, budget);
  }
  // A jump into the middle of a fused pair runs only the instructions from there.
  assert.equal(vm.run(vm.load(prog(
    ins('mov', { dst: 1, imm: 5 }), ins('ja', { off: 1 }), ins('mov', { dst: 1, src: 2 }), ins('add', { dst: 1, imm: 10 }),
    ins('mov', { dst: 0, src: 1 }), ins('exit'),
  )), 0, 1000), 15n);
  // 32-bit forms, the added register being the destination itself; a move of the high half is not kept.
  assert.equal(vm.run(vm.load(prog(
    ins('lddw', { dst: 3, value: 0x1_0000_0007n }), ins('mov32', { dst: 5, src: 3 }), ins('add32', { dst: 5, src: 5 }),
    ins('mov32', { dst: 0, src: 5 }), ins('add32', { dst: 0, imm: -20 }), ins('exit'),
  ))), 0xfffffffan);
  // A load then a 64-bit add: any registers, every width; a faulting load names its own slot and stops before the add.
  const loadAdd = (width: string, add: Partial<Instruction>) => vm.run(vm.load(prog(
    ins('lddw', { dst: 1, value: 0xffff_ffff_ffff_fff0n }), ins('stxdw', { dst: 10, src: 1, off: -8 }),
    ins('mov', { dst: 7, imm: 1 }), ins('mov', { dst: 8, imm: 0x20 }),
    ins(width, { dst: 5, src: 10, off: -8 }), ins('add', add), ins('mov', { dst: 0, src: add.dst }), ins('exit'),
  )));
  assert.equal(loadAdd('ldxdw', { dst: 5, src: 8 }), 0x10n);
  assert.equal(loadAdd('ldxw', { dst: 5, src: 8 }), 0x1_0000_0010n);
  assert.equal(loadAdd('ldxh', { dst: 7, src: 5 }), 0xfff1n);
  assert.equal(loadAdd('ldxb', { dst: 5, src: 5 }), 0x1e0n);
  const faulting = vm.load(prog(ins('mov', { dst: 7, imm: 1 }), ins('ldxw', { dst: 5, src: 1, off: 0 }), ins('add', { dst: 7, src: 5 }), ins('exit')));
  assert.throws(() => vm.run(faulting, 0), (e) => e instanceof VmFault && e.location.insn === 1 && /invalid read of 4 bytes/.test(e.message));
  assert.equal(vm.executed, 2);
  // 64-bit carry out of the low half, and the comparison in the fused bounds check is unsigned 64-bit.
  assert.equal(vm.run(vm.load(prog(
    ins('lddw', { dst: 3, value: 0xffff_fff0n }), ins('mov', { dst: 1, src: 3 }), ins('add', { dst: 1, imm: 0x20 }),
    ins('jgt', { dst: 1, src: 2, off: 1 }), ins('exit'), ins('mov', { dst: 0, src: 1 }), ins('exit'),
  )), 0, 0xffff_ffff), 0x1_0000_0010n);
});

test('callx calls the helper whose id is in the register; unknown ids fault', () => {
  const vm = new Vm();
  const helpers = new Map([[5, () => 42]]);
  const p = vm.load(prog(ins('call', { dst: 1 }), ins('exit')), { helpers });
  assert.equal(vm.run(p, 5), 42n);
  assert.throws(() => vm.run(p, 6), /callx: no helper #6/);
});

test('a program only runs in the VM it was loaded into', () => {
  const a = new Vm(), b = new Vm();
  const p = a.load(prog(ins('mov', { dst: 0, imm: 1 }), ins('exit')));
  assert.equal(a.run(p), 1n);
  assert.throws(() => b.run(p), (e) => e instanceof VmFault && /loaded into another VM/.test(e.message));
});
