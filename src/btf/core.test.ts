/**
 * CO-RE engine on hand-made local/target BTF pairs: flavors, missing fields (poisoning),
 * ambiguity, enum64, bitfields, anonymous members, arrays, memory-size adjustment, type
 * relocations, TYPE_MATCHES, candidate pruning and the errors libbpf raises. Expected values are
 * computed by hand from libbpf's rules (relo_core.c).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BTF_KIND } from './types.js';
import { loadBtf, type BtfSpec } from './spec.js';
import type { CoreRelo, CoreReloKind } from './ext.js';
import type { Instruction } from '../isa/instruction.js';
import type { ObjectSpec, ProgramSpec } from '../object/types.js';
import { applyCoreRelocations, applyObjectCoreRelocations, CoreReloError, CORE_POISON_IMM, type CoreCandidateCache } from './core.js';
import { essentialName, typesMatch } from './core-compat.js';

/** Minimal BTF writer: each method appends one type and returns its id. */
class BtfBuilder {
  private readonly words: number[] = [];
  private readonly strs: string[] = [''];
  private strLen = 1;
  private readonly strOff = new Map<string, number>([['', 0]]);
  private next = 1;

  private str(s: string): number {
    let o = this.strOff.get(s);
    if (o === undefined) {
      o = this.strLen;
      this.strOff.set(s, o);
      this.strs.push(s);
      this.strLen += Buffer.byteLength(s) + 1;
    }
    return o;
  }
  private type(name: string, kind: number, vlen: number, kflag: boolean, sizeOrType: number, extra: number[]): number {
    this.words.push(this.str(name), ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType, ...extra);
    return this.next++;
  }
  int(name: string, size: number, signed = false): number {
    return this.type(name, BTF_KIND.INT, 0, false, size, [((signed ? 1 : 0) << 24) | (size * 8)]);
  }
  ptr(to: number): number {
    return this.type('', BTF_KIND.PTR, 0, false, to, []);
  }
  array(elem: number, index: number, n: number): number {
    return this.type('', BTF_KIND.ARRAY, 0, false, 0, [elem, index, n]);
  }
  typedef(name: string, to: number): number {
    return this.type(name, BTF_KIND.TYPEDEF, 0, false, to, []);
  }
  fwd(name: string, union = false): number {
    return this.type(name, BTF_KIND.FWD, 0, union, 0, []);
  }
  /** Members: [name, type, bit offset, bitfield size?]. */
  struct(name: string, size: number, members: [string, number, number, number?][], union = false): number {
    const kflag = members.some((m) => m[3]);
    const extra = members.flatMap(([n, t, off, bits]) => [this.str(n), t, kflag ? ((bits ?? 0) << 24) | off : off]);
    return this.type(name, union ? BTF_KIND.UNION : BTF_KIND.STRUCT, members.length, kflag, size, extra);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    return this.type(name, BTF_KIND.ENUM, values.length, signed, size, values.flatMap(([n, v]) => [this.str(n), v | 0]));
  }
  enum64(name: string, values: [string, bigint][], signed = false): number {
    return this.type(name, BTF_KIND.ENUM64, values.length, signed, 8, values.flatMap(([n, v]) => [this.str(n), Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0]));
  }
  build(): BtfSpec {
    const strBytes = Buffer.concat(this.strs.map((s) => Buffer.from(s + '\0')));
    const typeLen = this.words.length * 4;
    const buf = Buffer.alloc(24 + typeLen + strBytes.length);
    buf.writeUInt16LE(0xeb9f, 0);
    buf.writeUInt8(1, 2);
    buf.writeUInt32LE(24, 4);
    buf.writeUInt32LE(0, 8);
    buf.writeUInt32LE(typeLen, 12);
    buf.writeUInt32LE(typeLen, 16);
    buf.writeUInt32LE(strBytes.length, 20);
    this.words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, 24 + i * 4));
    strBytes.copy(buf, 24 + typeLen);
    return loadBtf(new Uint8Array(buf));
  }
}

const movImm = (imm: number): Instruction => ({ op: 0xb7, dst: 1, src: 0, off: 0, imm });
const lshImm = (imm: number): Instruction => ({ op: 0x67, dst: 1, src: 0, off: 0, imm });
const ldxW = (off: number): Instruction => ({ op: 0x61, dst: 0, src: 1, off, imm: 0 });
const ldxDW = (off: number): Instruction => ({ op: 0x79, dst: 0, src: 1, off, imm: 0 });
const lddw = (v: bigint): Instruction[] => [
  { op: 0x18, dst: 1, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)) },
  { op: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
];

function program(insns: Instruction[], relos: [number, number, string, CoreReloKind][]): ProgramSpec {
  const coreRelos: CoreRelo[] = relos.map(([insn, typeId, access, kind]) => ({ insn, typeId, access, accessOff: 0, kind }));
  return {
    name: 'p', section: 'raw_tp/x', type: 0, expectedAttachType: 0, sleepable: false, xdpFrags: false, insns,
    functions: [{ name: 'p', insn: 0 }], references: [], funcInfo: [], lineInfo: [], coreRelos, license: 'GPL', kernVersion: 0,
  };
}

test('essential names drop the last ___flavor suffix only', () => {
  assert.equal(essentialName('task_struct___v1'), 'task_struct');
  assert.equal(essentialName('a___b___c'), 'a___b');
  assert.equal(essentialName('a____b'), 'a____b');
  assert.equal(essentialName('___a'), '___a');
  assert.equal(essentialName('plain'), 'plain');
});

test('flavored local struct: offsets from the target, missing field poisoned, existence 0', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('s___v1', 12, [['a', li, 0], ['b', li, 32], ['c', li, 64]]);
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const ts = t.struct('s', 12, [['x', ti, 0], ['b', ti, 32], ['a', ti, 64]]);
  const prog = program([ldxW(0), ldxW(4), ldxW(8), movImm(1), movImm(4)], [
    [0, ls, '0:0', 'field_byte_offset'], [1, ls, '0:1', 'field_byte_offset'], [2, ls, '0:2', 'field_byte_offset'],
    [3, ls, '0:2', 'field_exists'], [4, ls, '0:0', 'field_byte_size'],
  ]);
  const before = JSON.stringify(prog.insns);
  const r = applyCoreRelocations(prog, l.build(), t.build());
  assert.equal(JSON.stringify(prog.insns), before, 'the spec is not modified');
  assert.deepEqual(r.insns.map((i) => i.off).slice(0, 2), [8, 4]);
  assert.deepEqual(r.insns[2], { op: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM });
  assert.equal(r.insns[3].imm, 0);
  assert.equal(r.insns[4].imm, 4);
  assert.deepEqual(r.results.map((x) => x.poisoned), [false, false, true, false, false]);
  assert.equal(r.results[0].target?.typeId, ts);
  assert.equal(r.results[0].target?.spec, '<byte_off> [2] struct s.a (0:2 @ offset 8)');
  assert.equal(r.results[0].local.spec, '<byte_off> [2] struct s___v1.a (0:0 @ offset 0)');
  assert.ok(r.log.includes("CO-RE relocating [2] struct s___v1: found target candidate [2] struct s in [vmlinux]"));
  assert.ok(r.log.includes("prog 'p': relo #2: substituting insn #2 w/ invalid insn"));
});

test('ambiguous candidates: different offsets or values fail like libbpf; agreeing ones are fine', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('s', 4, [['a', li, 0]]);
  const local = l.build();
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const tl = t.int('long', 8, true);
  t.struct('s___a', 8, [['pad', ti, 0], ['a', ti, 32]]);
  t.struct('s___b', 4, [['a', ti, 0]]);
  assert.throws(() => applyCoreRelocations(program([ldxW(0)], [[0, ls, '0:0', 'field_byte_offset']]), local, t.build()),
    (e: Error) => e instanceof CoreReloError && /relo #0: field offset ambiguity: 0 != 32/.test(e.message));

  const t2 = new BtfBuilder();
  const t2i = t2.int('int', 4, true);
  const t2l = t2.int('long', 8, true);
  t2.struct('s___a', 8, [['a', t2i, 0]]);
  t2.struct('s___b', 8, [['a', t2l, 0]]);
  assert.throws(() => applyCoreRelocations(program([movImm(4)], [[0, ls, '0:0', 'field_byte_size']]), local, t2.build()),
    /relocation decision ambiguity: success 8 != success 4/);
  const r = applyCoreRelocations(program([ldxW(0)], [[0, ls, '0:0', 'field_byte_offset']]), local, t2.build());
  assert.deepEqual(r.results[0].candidates, [3, 4]);
  assert.equal(r.insns[0].off, 0);
  void tl;
});

test('candidate lists are pruned per local type, as libbpf does', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('s', 12, [['a', li, 0], ['b', li, 32], ['c', li, 64]]);
  const local = l.build();
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const sx = t.struct('s___x', 8, [['a', ti, 0], ['c', ti, 32]]);
  const sy = t.struct('s___y', 8, [['a', ti, 0], ['b', ti, 32]]);
  const target = t.build();
  // relo #0 (b) only matches s___y: s___x is dropped, so c is not found afterwards.
  const cache: CoreCandidateCache = new Map();
  const r = applyCoreRelocations(program([ldxW(4), movImm(1)], [[0, ls, '0:1', 'field_byte_offset'], [1, ls, '0:2', 'field_exists']]), local, target, { cache });
  assert.deepEqual(cache.get(ls), [sy]);
  assert.equal(r.insns[1].imm, 0);
  // Alone, c exists in s___x.
  const r2 = applyCoreRelocations(program([movImm(1)], [[0, ls, '0:2', 'field_exists']]), local, target);
  assert.equal(r2.insns[0].imm, 1);
  assert.deepEqual(r2.results[0].candidates, [sx]);
});

test('bitfields: offsets, sizes and shifts from the target layout', () => {
  const l = new BtfBuilder();
  const lu = l.int('unsigned int', 4);
  const ls = l.struct('bf', 8, [['x', lu, 0], ['a', lu, 32, 3], ['b', lu, 35, 5]]);
  const t = new BtfBuilder();
  const tu = t.int('unsigned int', 4);
  t.struct('bf', 16, [['x', tu, 0], ['y', tu, 32], ['pad', tu, 64, 30], ['b', tu, 94, 5]]);
  const prog = program([ldxW(4), movImm(4), lshImm(56), lshImm(59), movImm(0)], [
    [0, ls, '0:2', 'field_byte_offset'], [1, ls, '0:2', 'field_byte_size'], [2, ls, '0:2', 'field_lshift_u64'],
    [3, ls, '0:2', 'field_rshift_u64'], [4, ls, '0:2', 'field_signed'],
  ]);
  const r = applyCoreRelocations(prog, l.build(), t.build());
  assert.equal(r.insns[0].off, 8);
  assert.equal(r.insns[0].op, 0x61, 'bitfield loads keep their size');
  assert.deepEqual(r.insns.slice(1).map((i) => i.imm), [8, 29, 59, 0]);
  assert.equal(r.results[0].target?.spec, '<byte_off> [2] struct bf.b (0:3 @ offset 11.6)');
  // Shifts of a field wider than 8 bytes wrap in 32 bits, as libbpf computes them.
  const w = new BtfBuilder();
  const wi = w.int('int', 4, true);
  const ws = w.struct('wide', 16, [['a', w.array(wi, wi, 4), 0]]);
  const wide = w.build();
  const rw = applyCoreRelocations(program([...lddw(0xffffffc0n), ...lddw(0xffffffc0n)], [[0, ws, '0:0', 'field_lshift_u64'], [2, ws, '0:0', 'field_rshift_u64']]), wide, wide);
  assert.deepEqual(rw.results.map((x) => x.newValue), [0xffffffc0n, 0xffffffc0n]);
  // A bitfield straddling 8 bytes cannot be read.
  const t2 = new BtfBuilder();
  const t2u = t2.int('unsigned long', 8);
  t2.struct('bf', 16, [['x', t2u, 0], ['b', t2u, 62, 5]]);
  assert.throws(() => applyCoreRelocations(program([movImm(4)], [[0, ls, '0:2', 'field_byte_size']]), l.build(), t2.build()), /can't be satisfied for bitfield/);
});

test('arrays and anonymous members: high-level and raw specs, flexible arrays, bounds', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const la = l.array(li, li, 4);
  const ls = l.struct('t', 16, [['a', la, 0]]);
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const tl = t.int('long', 8, true);
  const ta = t.array(ti, ti, 4);
  const inner = t.struct('', 20, [['q', ti, 0], ['a', ta, 32]]);
  const un = t.struct('', 20, [['z', ti, 0], ['', inner, 0]], true);
  t.struct('t', 32, [['pad', tl, 0], ['', un, 64]]);
  const r = applyCoreRelocations(program([ldxW(8), movImm(4), movImm(16)], [
    [0, ls, '0:0:2', 'field_byte_offset'], [1, ls, '0:0:2', 'field_byte_size'], [2, ls, '0:0', 'field_byte_size'],
  ]), l.build(), t.build());
  assert.equal(r.insns[0].off, 20);
  assert.deepEqual(r.insns.slice(1).map((i) => i.imm), [4, 16]);
  assert.equal(r.results[0].target?.spec, '<byte_off> [6] struct t.a[2] (0:1:1:1:2 @ offset 20)');
  assert.equal(r.results[0].local.spec, '<byte_off> [3] struct t.a[2] (0:0:2 @ offset 8)');

  // Index beyond the target's bound: no match, poisoned. A flexible array has no bound.
  const t2 = new BtfBuilder();
  const t2i = t2.int('int', 4, true);
  t2.struct('t', 8, [['a', t2.array(t2i, t2i, 2), 0]]);
  const r2 = applyCoreRelocations(program([ldxW(8)], [[0, ls, '0:0:2', 'field_byte_offset']]), l.build(), t2.build());
  assert.equal(r2.results[0].poisoned, true);
  const t3 = new BtfBuilder();
  const t3i = t3.int('int', 4, true);
  t3.struct('t', 4, [['n', t3i, 0], ['a', t3.array(t3i, t3i, 0), 32]]);
  const r3 = applyCoreRelocations(program([ldxW(8)], [[0, ls, '0:0:2', 'field_byte_offset']]), l.build(), t3.build());
  assert.equal(r3.insns[0].off, 12);
  // Array accessor kinds other than offset/size are refused.
  assert.throws(() => applyCoreRelocations(program([movImm(0)], [[0, ls, '0:0:2', 'field_signed']]), l.build(), t.build()), /can't be applied to array access/);
});

test('load size follows the target field for unsigned ints and pointers; otherwise poisoned', () => {
  const l = new BtfBuilder();
  const lu = l.int('unsigned long long', 8);
  const ll = l.int('long long', 8, true);
  const ls = l.struct('m', 16, [['f', lu, 0], ['g', ll, 64]]);
  const t = new BtfBuilder();
  const tu = t.int('unsigned int', 4);
  const ti = t.int('int', 4, true);
  t.struct('m', 8, [['g', ti, 0], ['f', tu, 32]]);
  const r = applyCoreRelocations(program([ldxDW(0), ldxDW(8)], [[0, ls, '0:0', 'field_byte_offset'], [1, ls, '0:1', 'field_byte_offset']]), l.build(), t.build());
  assert.deepEqual(r.insns[0], { op: 0x61, dst: 0, src: 1, off: 4, imm: 0 });
  assert.deepEqual(r.results[0].memSize, { from: 8, to: 4 });
  assert.equal(r.results[1].poisoned, true);
  assert.equal(r.insns[1].imm, CORE_POISON_IMM);
});

test('enum values: ENUM vs ENUM64, flavored enumerators, missing values, s32 widening', () => {
  const l = new BtfBuilder();
  const le = l.enum64('e', [['A', 0x100000000n], ['B___old', 2n], ['GONE', 3n]]);
  const l32 = l.enum('f', 4, [['NEG', 0x7fffffff]]);
  const t = new BtfBuilder();
  t.enum64('e', [['X', 1n], ['A', 0x123456789n], ['B', 7n]]);
  t.enum('f', 4, [['NEG', -1]]);
  const insns = [...lddw(0x100000000n), ...lddw(2n), movImm(1), ...lddw(3n), ...lddw(0x7fffffffn)];
  const r = applyCoreRelocations(program(insns, [
    [0, le, '0', 'enumval_value'], [2, le, '1', 'enumval_value'], [4, le, '2', 'enumval_exists'], [5, le, '2', 'enumval_value'], [7, l32, '0', 'enumval_value'],
  ]), l.build(), t.build());
  const imm64 = (i: number) => (BigInt(r.insns[i + 1].imm >>> 0) << 32n) | BigInt(r.insns[i].imm >>> 0);
  assert.equal(imm64(0), 0x123456789n);
  assert.equal(imm64(2), 7n);
  assert.equal(r.insns[4].imm, 0);
  assert.deepEqual([r.insns[5].imm, r.insns[6].imm], [CORE_POISON_IMM, CORE_POISON_IMM], 'both lddw halves poisoned');
  assert.equal(imm64(7), 0xffffffffffffffffn, 'an ENUM value is a __s32 widened to 64 bits');
  assert.equal(r.results[1].target?.spec, '<enumval_value> [1] enum64 e::B = 7');
});

test('type relocations: exists, size, ids, typedefs, missing types', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('task', 8, [['a', li, 0]]);
  const lt = l.typedef('task_t', ls);
  const lm = l.struct('missing', 4, [['a', li, 0]]);
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const ts = t.struct('task', 24, [['a', ti, 0]]);
  const tt = t.typedef('task_t', ts);
  const insns = [movImm(1), movImm(8), movImm(8), ...lddw(BigInt(ls)), ...lddw(BigInt(ls)), movImm(1), ...lddw(BigInt(lm)), movImm(4)];
  const r = applyCoreRelocations(program(insns, [
    [0, ls, '0', 'type_exists'], [1, ls, '0', 'type_size'], [2, lt, '0', 'type_size'], [3, ls, '0', 'type_id_target'],
    [5, ls, '0', 'type_id_local'], [7, lm, '0', 'type_exists'], [8, lm, '0', 'type_id_target'], [10, lm, '0', 'type_size'],
  ]), l.build(), t.build());
  assert.deepEqual([r.insns[0].imm, r.insns[1].imm, r.insns[2].imm, r.insns[3].imm, r.insns[5].imm], [1, 24, 24, ts, ls]);
  assert.deepEqual([r.insns[7].imm, r.insns[8].imm, r.insns[10].imm], [0, 0, 0]);
  assert.ok(r.results.every((x) => !x.poisoned));
  void tt;
});

test('TYPE_MATCHES: member names, int signedness, array lengths, fwd behind pointers', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const lm = l.struct('m', 4, [['a', li, 0]]);
  const lp = l.struct('p', 8, [['n', l.ptr(l.fwd('node')), 0]]);
  const local = l.build();
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  const tu = t.int('unsigned int', 4);
  t.struct('m___1', 16, [['b', ti, 0], ['a', ti, 32]]);
  t.struct('m___2', 4, [['a', tu, 0]]);
  const tn = t.struct('node', 4, [['v', ti, 0]]);
  t.struct('p', 8, [['n', t.ptr(tn), 0]]);
  const target = t.build();
  assert.equal(typesMatch(local, lm, target, 3), true);
  assert.equal(typesMatch(local, lm, target, 4), false, 'signedness differs');
  const r = applyCoreRelocations(program([movImm(1), movImm(1)], [[0, lm, '0', 'type_matches'], [1, lp, '0', 'type_matches']]), local, target);
  assert.deepEqual(r.results[0].candidates, [3]);
  assert.deepEqual([r.insns[0].imm, r.insns[1].imm], [1, 1]);
});

test('libbpf errors: unexpected instruction values, anonymous types, bad access strings', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('s', 8, [['a', li, 0], ['b', li, 32]]);
  const anon = l.struct('', 4, [['a', li, 0]]);
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  t.struct('s', 8, [['b', ti, 0], ['a', ti, 32]]);
  const local = l.build();
  const target = t.build();
  const fails = (insns: Instruction[], relo: [number, number, string, CoreReloKind], re: RegExp) =>
    assert.throws(() => applyCoreRelocations(program(insns, [relo]), local, target), (e: Error) => e instanceof CoreReloError && re.test(e.message) && (e as CoreReloError).location.insn === relo[0]);
  fails([ldxW(0), ldxW(8)], [1, ls, '0:1', 'field_byte_offset'], /unexpected insn #1 \(LDX\/ST\/STX\) value: got 8, exp 4 -> 0/);
  fails([movImm(3)], [0, ls, '0:0', 'field_byte_size'], /unexpected insn #0 \(ALU\/ALU64\) value: got 3, exp 4 -> 4/);
  fails([movImm(4)], [0, anon, '0:0', 'field_byte_size'], /target candidate search failed for \[3\] struct <anon>/);
  fails([movImm(4)], [0, ls, '0:7', 'field_byte_size'], /parsing \[2\] struct s \+ 0:7 failed/);
  fails([movImm(4)], [0, ls, '0::1', 'field_byte_size'], /malformed access string/);
  fails([movImm(4)], [0, ls, '1', 'type_size'], /must be '0'/);
  fails([{ op: 0x85, dst: 0, src: 0, off: 0, imm: 1 }], [0, ls, '0:0', 'field_byte_offset'], /trying to relocate unrecognized insn #0/);
  fails([movImm(4)], [3, ls, '0:0', 'field_byte_size'], /outside the program/);
});

test('applyObjectCoreRelocations shares one candidate cache across the programs of an object', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const ls = l.struct('s', 12, [['a', li, 0], ['b', li, 32], ['c', li, 64]]);
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  t.struct('s___x', 8, [['a', ti, 0], ['c', ti, 32]]);
  t.struct('s___y', 8, [['a', ti, 0], ['b', ti, 32]]);
  const p1 = { ...program([ldxW(4)], [[0, ls, '0:1', 'field_byte_offset']]), name: 'one' };
  const p2 = { ...program([movImm(1)], [[0, ls, '0:2', 'field_exists']]), name: 'two' };
  const p3 = { ...program([movImm(7)], []), name: 'three' };
  const obj: ObjectSpec = { name: 'o', license: 'GPL', kernVersion: 0, programs: [p1, p2, p3], maps: [], externs: [], btf: l.build() };
  const r = applyObjectCoreRelocations(obj, t.build());
  assert.equal(r.get('one')!.insns[0].off, 4);
  assert.equal(r.get('two')!.insns[0].imm, 0, 'the first program pruned s___x');
  assert.deepEqual(r.get('three')!.insns, p3.insns);
  assert.throws(() => applyObjectCoreRelocations({ ...obj, btf: undefined }, t.build()), /without a .BTF section/);
});

test('fuzz: malformed records, types and instructions give typed errors, never crashes', () => {
  const l = new BtfBuilder();
  const li = l.int('int', 4, true);
  const la = l.array(li, li, 0);
  const self = l.typedef('loop', 3); // refers to itself (id 3)
  l.struct('s', 16, [['a', li, 0], ['', 6, 32], ['arr', la, 64], ['bf', li, 96, 3]]);
  const inner = l.struct('', 8, [['x', li, 0], ['', 5, 32]], true); // anonymous union nesting s itself
  l.enum64('e', [['A', 1n]]);
  l.fwd('s');
  const local = l.build();
  const t = new BtfBuilder();
  const ti = t.int('int', 4, true);
  t.struct('s___1', 16, [['arr', t.array(ti, ti, 1), 0], ['a', ti, 32]]);
  t.enum('e', 4, [['A', 5]]);
  t.typedef('loop', 5);
  const target = t.build();
  void self;
  void inner;
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const kinds: CoreReloKind[] = ['field_byte_offset', 'field_byte_size', 'field_exists', 'field_signed', 'field_lshift_u64', 'field_rshift_u64',
    'type_id_local', 'type_id_target', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches'];
  const access = ['0', '1', '0:0', '0:1', '0:1:0', '0:1:1:0', '0:2:5', '0:3', '0:9', '', ':', '0::1', '-1', '0:99999999999', '0:1:1:1:1:1:1:1:1:1'];
  const insnPool: Instruction[][] = [[movImm(0)], [ldxW(0)], [ldxDW(4)], lddw(1n), [{ op: 0x85, dst: 0, src: 0, off: 0, imm: 1 }], [{ op: 0x0f, dst: 1, src: 2, off: 0, imm: 0 }], [{ op: 0x63, dst: 10, src: 1, off: -4, imm: 0 }]];
  let typed = 0;
  let ok = 0;
  for (let i = 0; i < 3000; i++) {
    const insns = insnPool[rnd(insnPool.length)].map((x) => ({ ...x }));
    const prog = program(insns, [[rnd(insns.length + 1), rnd(11), access[rnd(access.length)], kinds[rnd(kinds.length)]]]);
    try {
      applyCoreRelocations(prog, local, target);
      ok++;
    } catch (e) {
      assert.ok(e instanceof CoreReloError, `iteration ${i}: ${String(e)} (${JSON.stringify(prog.coreRelos)})`);
      typed++;
    }
  }
  assert.ok(ok >= 10 && typed >= 1000, `${ok} relocated, ${typed} refused`);
});
