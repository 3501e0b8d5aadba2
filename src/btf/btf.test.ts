import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadBtf } from './spec.js';
import { parseBtf } from './parse.js';
import { findCoreCandidates } from './core.js';
import { formatBtfRaw } from './format-raw.js';
import { formatBtfC } from './format-c.js';
import { parseBtfExt, resolveCoreAccess } from './ext.js';
import { readElf } from '../elf/reader.js';
import { decodeInstructions } from '../isa/instruction.js';
import { BtfError } from '../errors.js';
import { hasTool, listFiles, requireOrSkip, testdataDir } from '../test-support.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const objects = listFiles(path.join(testdataDir, 'ebpf-samples'), '.o').filter((f) => !f.includes('/invalid/'));

/** Encodes a BTF blob from raw type words and a string table (which must start with NUL). */
function blob(types: number[], strings: string): Uint8Array {
  const str = new TextEncoder().encode(strings);
  const b = new Uint8Array(24 + types.length * 4 + str.length);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 0xeb9f, true);
  b[2] = 1;
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, types.length * 4, true);
  dv.setUint32(16, types.length * 4, true);
  dv.setUint32(20, str.length, true);
  types.forEach((w, i) => dv.setUint32(24 + 4 * i, w >>> 0, true));
  b.set(str, 24 + types.length * 4);
  return b;
}
const info = (kind: number, vlen = 0, kflag = 0) => (kflag << 31) | (kind << 24) | vlen;
const INT = (name: number, size: number, bits: number, enc = 0) => [name, info(1), size, (enc << 24) | bits];

test('parses every kind and prints the raw format', () => {
  const strs = '\0int\0s\0a\0b\0E\0X\0f\0x\0sec\0tag\0fl\0E64\0Y\0';
  const off = (s: string) => strs.indexOf(`\0${s}\0`) + 1;
  const spec = loadBtf(blob([
    ...INT(off('int'), 4, 32, 1), // [1]
    0, info(2), 1, // [2] PTR -> int
    0, info(3), 0, 1, 1, 4, // [3] ARRAY int[4]
    off('s'), info(4, 2, 1), 8, off('a'), 1, 0, off('b'), 1, (3 << 24) | 32, // [4] STRUCT with a bitfield
    off('E'), info(6, 1, 1), 4, off('X'), -1, // [5] signed ENUM
    off('s'), info(7, 0, 1), 0, // [6] FWD union
    off('f'), info(8), 1, // [7] TYPEDEF
    0, info(9), 1, 0, info(10), 1, 0, info(11), 2, // [8] VOLATILE [9] CONST [10] RESTRICT
    0, info(13, 1), 1, off('x'), 2, // [11] FUNC_PROTO int (int *x)
    off('f'), info(12, 1), 11, // [12] FUNC global
    off('x'), info(14), 1, 1, // [13] VAR global
    off('sec'), info(15, 1), 4, 13, 0, 4, // [14] DATASEC
    off('fl'), info(16), 8, // [15] FLOAT
    off('tag'), info(17), 4, -1, // [16] DECL_TAG
    off('tag'), info(18), 1, // [17] TYPE_TAG
    off('E64'), info(19, 1), 8, off('Y'), 1, 2, // [18] ENUM64 = 2^33 + 1
  ], strs));
  assert.equal(formatBtfRaw(spec), [
    "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
    "[2] PTR '(anon)' type_id=1",
    "[3] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4",
    "[4] STRUCT 's' size=8 vlen=2\n\t'a' type_id=1 bits_offset=0\n\t'b' type_id=1 bits_offset=32 bitfield_size=3",
    "[5] ENUM 'E' encoding=SIGNED size=4 vlen=1\n\t'X' val=-1",
    "[6] FWD 's' fwd_kind=union",
    "[7] TYPEDEF 'f' type_id=1",
    "[8] VOLATILE '(anon)' type_id=1",
    "[9] CONST '(anon)' type_id=1",
    "[10] RESTRICT '(anon)' type_id=2",
    "[11] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'x' type_id=2",
    "[12] FUNC 'f' type_id=11 linkage=global",
    "[13] VAR 'x' type_id=1, linkage=global",
    "[14] DATASEC 'sec' size=4 vlen=1\n\ttype_id=13 offset=0 size=4 (VAR 'x')",
    "[15] FLOAT 'fl' size=8",
    "[16] DECL_TAG 'tag' type_id=4 component_idx=-1",
    "[17] TYPE_TAG 'tag' type_id=1",
    "[18] ENUM64 'E64' encoding=UNSIGNED size=8 vlen=1\n\t'Y' val=8589934593ULL",
    '',
  ].join('\n'));
  assert.equal(spec.size(3), 16);
  assert.equal(spec.size(7), 4);
  assert.equal(spec.size(2), 8);
  assert.equal(spec.alignment(4), 4);
  assert.equal(spec.typeByName('s', 'STRUCT')?.id, 4);
  assert.equal(spec.typeByName('s', 'FWD')?.id, 6);
  assert.equal(spec.skipModifiers(9).id, 1);
  assert.throws(() => spec.size(12), /FUNC has no size/);
});

test('detects loops and out-of-range references', () => {
  // [1] TYPEDEF -> [2] CONST -> [1]
  const loop = loadBtf(blob([1, info(8), 2, 0, info(10), 1], '\0t\0'));
  assert.throws(() => loop.size(1), (e: unknown) => e instanceof BtfError && /loops/.test(e.message));
  assert.throws(() => loop.skipModifiers(2), BtfError);
  // [1] ARRAY of itself
  const arr = loadBtf(blob([0, info(3), 0, 1, 1, 2], '\0'));
  assert.throws(() => arr.size(1), /loops/);
  assert.throws(() => arr.alignment(1), /loops/);
  assert.throws(() => loadBtf(blob([0, info(2), 7], '\0')), /type id 7 out of range/);
  assert.throws(() => loadBtf(blob([99, info(2), 0], '\0')), /string offset 99 outside/);
  assert.throws(() => loadBtf(blob([0, info(25), 0], '\0')), /unknown BTF kind 25/);
  assert.throws(() => loadBtf(blob([0, info(4, 5), 4], '\0')), /truncated STRUCT members/);
  const bad = blob([], '\0');
  new DataView(bad.buffer).setUint32(20, 1000, true);
  assert.throws(() => loadBtf(bad, { section: '.BTF' }), (e: unknown) => e instanceof BtfError && e.location.section === '.BTF' && e.location.offset === 16);
  const be = blob([], '\0');
  be[0] = 0xeb; be[1] = 0x9f;
  assert.throws(() => loadBtf(be), /big-endian/);
});

test('lazy decoding: errors found by the scan are the ones of a full decode', () => {
  const strs = '\0a\0s\0';
  // A member referring to a missing type: reported with the member's name.
  assert.throws(() => loadBtf(blob([3, info(4, 1), 4, 1, 7, 0], strs), { section: '.BTF' }),
    (e: unknown) => e instanceof BtfError && e.message.includes("type [1] STRUCT: member 'a' type id 7 out of range (1 types)") && e.location.offset === 24);
  assert.throws(() => loadBtf(blob([0, info(13, 1), 0, 1, 9], strs)), /type \[1\] FUNC_PROTO: parameter 'a' type id 9 out of range/);
  assert.throws(() => loadBtf(blob([0, info(3), 0, 0, 5, 1], strs)), /type \[1\] ARRAY: index type id 5 out of range/);
  assert.throws(() => loadBtf(blob([0, info(15, 1), 0, 4, 0, 4], strs)), /type \[1\] DATASEC: variable type id 4 out of range/);
  // A member name outside the string table, located at the member.
  assert.throws(() => loadBtf(blob([3, info(4, 1), 4, 99, 0, 0], strs)), (e: unknown) => e instanceof BtfError && /string offset 99 outside/.test(e.message) && e.location.offset === 36);
  // A type section that ends inside a record: bytes left are counted exactly.
  const cut = blob([...INT(1, 4, 32), 0], strs);
  const dv = new DataView(cut.buffer);
  dv.setUint32(12, 17, true); // one INT (16 bytes) and 1 byte of the next header
  assert.throws(() => loadBtf(cut), /truncated header of type \[2\] \(need 12 bytes, 1 left\)/);
  dv.setUint32(12, 14, true);
  assert.throws(() => loadBtf(cut), /truncated INT data of type \[1\] \(need 4 bytes, 2 left\)/);
});

test('lazy decoding: unaligned blobs, names without decoding, withTypes', () => {
  const strs = '\0int\0s\0a\0';
  const words = [...INT(1, 4, 32), 5, info(4, 1), 4, 7, 1, 0, 5, info(7), 0];
  const b = blob(words, strs);
  const odd = new Uint8Array(b.length + 1).subarray(1);
  odd.set(b);
  const spec = loadBtf(odd);
  assert.deepEqual(spec.types, parseBtf(b).types);
  assert.equal(spec.typeCount, 4);
  assert.deepEqual([1, 2, 3].map((id) => spec.typeName(id)), ['int', 's', 's']);
  assert.deepEqual(spec.typeIdsByName('s'), [2, 3]);
  assert.deepEqual([...spec.typeNames()].sort(), ['int', 's']);
  assert.equal(spec.type(2), spec.type(2), 'a type is decoded once');
  assert.throws(() => spec.type(4), /type id 4 out of range \(3 types\)/);
  assert.throws(() => spec.typeName(-1), /out of range/);
  const fixed = spec.withTypes([{ id: 3, kind: 'FWD', name: 'u', union: true }]);
  assert.equal(fixed.type(3).name, 'u');
  assert.deepEqual(fixed.typeIdsByName('s'), [2]);
  assert.deepEqual(fixed.typeIdsByName('u'), [3]);
  assert.equal(fixed.types[3].name, 'u');
  assert.equal(spec.type(3).name, 's', 'the original is unchanged');
  assert.equal(fixed.type(2), spec.type(2), 'types that are not replaced are shared');
});

test('CO-RE candidates: exact and flavored names, in id order', () => {
  const strs = '\0s\0s___a\0s___b___c\0s___b\0';
  const off = (s: string) => strs.indexOf(`\0${s}\0`) + 1;
  const st = (name: string) => [off(name), info(4), 0];
  // [1] s___a  [2] s  [3] s___b___c  [4] s___b  [5] FWD s
  const targ = loadBtf(blob([...st('s___a'), ...st('s'), ...st('s___b___c'), ...st('s___b'), off('s'), info(7), 0], strs));
  const local = loadBtf(blob([...st('s___b')], strs));
  assert.deepEqual(findCoreCandidates(local, 1, targ), [1, 2, 4]);
  const local2 = loadBtf(blob([...st('s___b___c')], strs));
  assert.deepEqual(findCoreCandidates(local2, 1, targ), [3]);
});

test('raw and C dumps equal `bpftool btf dump file` for every corpus object with BTF', (t) => {
  if (!requireOrSkip(t, hasTool('bpftool') && objects.length > 0, 'bpftool and the corpus')) return;
  let compared = 0;
  for (const f of objects) {
    const sec = readElf(new Uint8Array(readFileSync(f)), f).section('.BTF');
    if (!sec) continue;
    const ref = spawnSync('bpftool', ['btf', 'dump', 'file', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (ref.status !== 0) continue;
    const spec = loadBtf(sec.data, { file: f, section: '.BTF' });
    assert.equal(formatBtfRaw(spec), ref.stdout, f);
    const refC = spawnSync('bpftool', ['btf', 'dump', 'file', f, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(formatBtfC(spec), refC.stdout, `${f} format c`);
    compared++;
  }
  t.diagnostic(`compared ${compared} objects`);
  assert.ok(compared >= 70, `only ${compared} objects compared`);
});

test('vmlinux BTF: raw and C dumps equal bpftool, parse time', (t) => {
  if (!requireOrSkip(t, existsSync(VMLINUX) && hasTool('bpftool'), 'kernel BTF and bpftool')) return;
  const bytes = new Uint8Array(readFileSync(VMLINUX));
  const t0 = performance.now();
  const spec = loadBtf(bytes, { file: VMLINUX });
  const ms = performance.now() - t0;
  t.diagnostic(`vmlinux: ${spec.typeCount - 1} types parsed in ${ms.toFixed(0)} ms`);
  // Names and the name index come from the encoded records: they agree with the decoded types.
  const byName = new Map<string, number[]>();
  for (const ty of spec.types) if (ty.name) byName.set(ty.name, [...(byName.get(ty.name) ?? []), ty.id]);
  for (const ty of spec.types) assert.equal(spec.typeName(ty.id), ty.name);
  assert.equal([...spec.typeNames()].length, byName.size);
  for (const [name, ids] of byName) assert.deepEqual(spec.typeIdsByName(name), ids);
  const ref = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(ref.status, 0);
  const mine = formatBtfRaw(spec);
  assert.ok(mine === ref.stdout, 'vmlinux raw dump differs from bpftool');
  const refC = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.ok(formatBtfC(spec) === refC.stdout, 'vmlinux C dump differs from bpftool');
  const task = spec.typeByName('task_struct', 'STRUCT');
  assert.ok(task && spec.size(task.id) === task.size && spec.alignment(task.id) >= 8);
});

test('.BTF.ext: func_info names the functions, line_info has source text', (t) => {
  const f = path.join(testdataDir, 'ebpf-samples/build/bpf2bpf.o');
  if (!requireOrSkip(t, existsSync(f), 'ebpf-samples corpus')) return;
  const elf = readElf(new Uint8Array(readFileSync(f)), f);
  const btf = loadBtf(elf.section('.BTF')!.data);
  const ext = parseBtfExt(elf.section('.BTF.ext')!.data, btf);
  const syms = elf.symbols().filter((s) => s.type === 2);
  for (const block of ext.funcInfo) {
    for (const r of block.records) {
      const fn = btf.type(r.typeId);
      assert.equal(fn.kind, 'FUNC');
      const sym = syms.find((s) => s.name === fn.name)!;
      assert.equal(elf.sections[sym.shndx].name, block.section);
      assert.equal(sym.value / 8, r.insn);
    }
  }
  const lines = ext.lineInfo.flatMap((b) => b.records);
  assert.ok(lines.length > 0 && lines.every((l) => l.fileName.length > 0 && l.lineNumber > 0));
  assert.ok(lines.some((l) => /\w/.test(l.line)));
  // A truncated block is a typed error.
  const cut = elf.section('.BTF.ext')!.data.slice(0, 40);
  assert.throws(() => parseBtfExt(cut, btf), BtfError);
});

test('C dump: function-pointer array declarators, anonymous members', () => {
  const strs = '\0int\0char\0s\0a\0b\0fp\0arr\0p\0c\0u\0';
  const off = (x: string) => strs.indexOf(`\0${x}\0`) + 1;
  const spec = loadBtf(blob([
    ...INT(off('int'), 4, 32, 1), // [1]
    ...INT(off('char'), 1, 8, 1), // [2]
    0, info(2), 6, // [3] ptr -> FUNC_PROTO [6]
    0, info(3), 0, 3, 1, 2, // [4] (*)[2] array of 2 function pointers
    0, info(10), 2, // [5] const char
    0, info(13, 2), 1, 0, 1, 0, 7, // [6] FUNC_PROTO int (int, const char *)
    0, info(2), 5, // [7] ptr -> const char
    off('s'), info(4, 4, 1), 40, off('a'), 1, (3 << 24) | 0, off('fp'), 4, 64, off('p'), 7, 192, off('u'), 9, 256, // [8] struct s
    0, info(5, 1), 8, off('c'), 2, 0, // [9] anonymous union { char c; }
  ], strs));
  const c = formatBtfC(spec);
  assert.ok(c.includes('struct s {\n\tint a: 3;\n\tint (*fp[2])(int, const char *);\n\tconst char *p;\n\tunion {\n\t\tchar c;\n\t} u;\n};\n\n'), c);
});

test('CO-RE records resolve to fields of the local BTF', (t) => {
  const f = path.join(testdataDir, 'ebpf-samples/cilium-examples/tcprtt_bpf_bpfel.o');
  if (!requireOrSkip(t, existsSync(f), 'corpus')) return;
  const elf = readElf(new Uint8Array(readFileSync(f)), f);
  const btf = loadBtf(elf.section('.BTF')!.data);
  const ext = parseBtfExt(elf.section('.BTF.ext')!.data, btf);
  const relos = ext.coreRelos.flatMap((b) => b.records);
  assert.equal(relos.length, 6);
  const resolved = relos.map((r) => resolveCoreAccess(btf, r));
  // `sk->__sk_common.skc_daddr` and friends: struct sock starts with struct sock_common.
  assert.ok(resolved.every((a) => a.path.startsWith('struct sock.__sk_common.') || a.path.startsWith('struct tcp_sock.')), JSON.stringify(resolved));
  const sockCommon = btf.typeByName('sock_common', 'STRUCT')!;
  for (const [i, r] of relos.entries()) {
    if (!resolved[i].path.startsWith('struct sock.__sk_common.')) continue;
    const field = resolved[i].path.split('.').pop()!;
    const viaUnion = sockCommon.members.find((m) => m.name === field);
    if (viaUnion) assert.equal(resolved[i].bitOffset, viaUnion.bitsOffset, r.access);
  }
  assert.throws(() => resolveCoreAccess(btf, { ...relos[0], access: '0:999' }), BtfError);
});

test('CO-RE field offsets equal what clang compiled into the instructions', (t) => {
  const files = objects.filter((f) => /tcprtt/.test(f));
  if (!requireOrSkip(t, files.length === 2, 'corpus')) return;
  let checked = 0;
  for (const f of files) {
    const elf = readElf(new Uint8Array(readFileSync(f)), f);
    const btf = loadBtf(elf.section('.BTF')!.data);
    const ext = parseBtfExt(elf.section('.BTF.ext')!.data, btf);
    for (const block of ext.coreRelos) {
      const insns = decodeInstructions(elf.section(block.section)!.data);
      for (const r of block.records) {
        if (r.kind !== 'field_byte_offset') continue;
        const x = insns[r.insn];
        const cls = x.op & 7;
        // Loads/stores carry the offset in `off`, `rX += off` / `rX = off` in `imm`.
        const compiled = cls === 1 || cls === 2 || cls === 3 ? x.off : x.imm;
        assert.equal(compiled * 8, resolveCoreAccess(btf, r).bitOffset, `${f} insn ${r.insn}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 20);
});
