import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { loadObjectSpec, readObjectFile } from './load.js';
import { sectionInfo } from './sections.js';
import type { ObjectSpec } from './types.js';
import { TsbpfError, ObjectError } from '../errors.js';
import { encodeInstructions } from '../isa/instruction.js';
import { OP_CALL, OP_LDDW } from '../isa/opcodes.js';
import { BPF_F, BPF_MAP_TYPE, BPF_PROG_TYPE, BPF_PSEUDO, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from '../uapi/index.js';
import { hasTool, isRoot, listFiles, repoRoot, requireOrSkip, testdataDir } from '../test-support.js';

const samples = path.join(testdataDir, 'ebpf-samples');
const all = listFiles(samples, '.o').concat(listFiles(path.join(samples, 'invalid'), '').filter((f) => !f.endsWith('.o')));
/** The corpus plus the repository's bundled examples (when built). */
const valid = all.filter((f) => !f.includes('/invalid/')).concat(listFiles(path.join(repoRoot, 'examples'), '.o'));
const invalid = all.filter((f) => f.includes('/invalid/'));
const fixtures = path.join(repoRoot, 'src/object/testdata');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-object-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const read = (f: string): ObjectSpec => loadObjectSpec(new Uint8Array(readFileSync(f)), { file: f });

/** Builds a fixture with clang like the README says. */
function compile(name: string): string {
  const out = path.join(tmp, `${name}.o`);
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', path.join(fixtures, `${name}.c`), '-o', out]);
  return out;
}

/** The libbpf helper (libbpf-list.c) built against the system libbpf, or undefined. */
const libbpfList = ((): string | undefined => {
  if (!hasTool('cc') || !existsSync('/usr/include/bpf/libbpf.h')) return undefined;
  const exe = path.join(tmp, 'libbpf-list');
  const r = spawnSync('cc', ['-O1', '-o', exe, path.join(repoRoot, 'src/object/libbpf-list.c'), '-lbpf']);
  return r.status === 0 ? exe : undefined;
})();

test('reads every corpus object', (t) => {
  if (!requireOrSkip(t, valid.length >= 150, 'ebpf-samples corpus')) return;
  let progs = 0;
  for (const f of valid) {
    const spec = read(f);
    assert.ok(spec.programs.length > 0, `${f}: no programs`);
    for (const p of spec.programs) {
      assert.ok(p.insns.length > 0);
      // Every call/subprog reference lands on a linked function start.
      for (const r of p.references) {
        if (r.kind !== 'subprog') continue;
        const target = r.insn + p.insns[r.insn].imm + 1;
        assert.ok(p.functions.some((fn) => fn.insn === target && fn.name === r.name), `${f}: ${p.name}: insn ${r.insn}`);
      }
      progs++;
    }
  }
  t.diagnostic(`${valid.length} objects, ${progs} programs`);
});

test('malformed objects give typed errors, never other exceptions', (t) => {
  if (!requireOrSkip(t, invalid.length > 0, 'ebpf-samples/invalid')) return;
  let rejected = 0;
  for (const f of invalid) {
    try {
      read(f);
    } catch (e) {
      assert.ok(e instanceof TsbpfError, `${f}: ${e}`);
      assert.equal(e.location.file, f);
      rejected++;
    }
  }
  // The others are well-formed ELF whose problems are for the verifier (bad code, verifier timeouts).
  t.diagnostic(`${rejected} of ${invalid.length} rejected while reading`);
  assert.ok(rejected >= 8);
});

test('programs and maps agree with libbpf for every corpus object libbpf can open', (t) => {
  if (!requireOrSkip(t, !!libbpfList && valid.length > 0, 'cc, libbpf and the corpus')) return;
  let compared = 0;
  for (const f of valid) {
    const r = spawnSync(libbpfList!, [f], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    const theirs = { progs: lines.filter((l) => l.startsWith('prog ')), maps: lines.filter((l) => l.startsWith('map ')) };
    const spec = read(f);
    // libbpf 1.x finds no programs in symbol-less legacy sections and gives sloppy names no type.
    if (theirs.progs.length) {
      assert.deepEqual(spec.programs.map((p) => {
        const strict = !sectionInfo(p.section).legacy;
        return `prog ${p.name} ${p.section} ${strict ? p.type : 0} ${strict ? p.expectedAttachType : 0} ${p.functions[1]?.insn ?? p.insns.length}`;
      }), theirs.progs, f);
    }
    assert.deepEqual(spec.maps.map((m) => `map ${m.name} ${m.type} ${m.keySize} ${m.valueSize} ${m.maxEntries} ${m.flags}`), theirs.maps, f);
    compared++;
  }
  t.diagnostic(`compared ${compared} objects with libbpf`);
  assert.ok(compared >= 80);
});

test('BTF maps, map-in-map, prog-array slots, global data and externs', (t) => {
  if (!requireOrSkip(t, hasTool('clang'), 'clang')) return;
  const spec = read(compile('features'));
  const byName = Object.fromEntries(spec.maps.map((m) => [m.name, m]));
  // .maps in DATASEC offset order, then global data; `feature.kconfig` is cut like libbpf cuts it.
  assert.deepEqual(spec.maps.map((m) => m.name), ['in2', 'in1', 'outer', 'jmp', 'h', 'features.rodata', 'features.data', 'features.bss', 'feature.kconfig']);
  assert.equal(byName.h.type, BPF_MAP_TYPE.HASH);
  assert.equal(byName.h.keySize, 4);
  assert.equal(byName.h.valueSize, 8);
  assert.equal(byName.h.maxEntries, 64);
  assert.equal(spec.btf!.type(byName.h.btfValueTypeId).name, '__u64');
  const outer = byName.outer;
  assert.equal(outer.innerMap?.name, 'outer.inner');
  assert.equal(outer.innerMap?.type, BPF_MAP_TYPE.ARRAY);
  assert.deepEqual(outer.slots, [{ key: 1, map: 'in2' }, { key: 3, map: 'in1' }]);
  assert.deepEqual(byName.jmp.slots, [{ key: 1, program: 'tail' }]);
  const rodata = spec.maps.find((m) => m.realName === '.rodata')!;
  assert.equal(rodata.flags, BPF_F.RDONLY_PROG | BPF_F.MMAPABLE);
  assert.deepEqual([...rodata.data!], [3, 0, 0, 0]);
  assert.equal(spec.maps.find((m) => m.realName === '.data')!.data![0], 'h'.charCodeAt(0));
  assert.equal(spec.maps.find((m) => m.realName === '.bss')!.data, undefined);
  // .kconfig: libbpf's layout (alignment desc), size 5.
  assert.deepEqual(spec.externs.map((e) => [e.name, e.kind, e.isFunc, e.offset]), [
    ['LINUX_KERNEL_VERSION', 'kconfig', false, 0], ['CONFIG_BPF_SYSCALL', 'kconfig', false, 4], ['bpf_rcu_read_lock', 'ksym', true, undefined],
  ]);
  assert.equal(spec.maps.find((m) => m.realName === '.kconfig')!.valueSize, 5);
  const kconfigSec = spec.btf!.typeByName('.kconfig', 'DATASEC')!;
  assert.equal(kconfigSec.size, 5);
  assert.equal(spec.license, 'GPL');

  const progA = spec.programs.find((p) => p.name === 'prog_a')!;
  assert.equal(progA.type, BPF_PROG_TYPE.XDP);
  assert.deepEqual(progA.functions.map((f) => f.name), ['prog_a', 'glob', 'add']);
  const kinds = progA.references.map((r) => r.kind);
  assert.ok(kinds.includes('map') && kinds.includes('map_value') && kinds.includes('kconfig') && kinds.includes('subprog'));
  for (const r of progA.references) {
    const insn = progA.insns[r.insn];
    if (r.kind === 'map') assert.deepEqual([insn.op, insn.src, insn.imm], [OP_LDDW, BPF_PSEUDO.MAP_IDX, spec.maps.indexOf(byName.h)]);
    if (r.kind === 'map_value' || r.kind === 'kconfig') {
      assert.deepEqual([insn.src, insn.imm, progA.insns[r.insn + 1].imm], [BPF_PSEUDO.MAP_IDX_VALUE, r.mapIndex, r.offset]);
    }
  }
  const progB = spec.programs.find((p) => p.name === 'prog_b')!;
  const kfunc = progB.references.find((r) => r.kind === 'kfunc')!;
  assert.deepEqual([progB.insns[kfunc.insn].op, progB.insns[kfunc.insn].src], [OP_CALL, BPF_PSEUDO_KFUNC_CALL]);
  // func_info of each linked function points at it.
  for (const p of spec.programs) {
    assert.deepEqual(p.funcInfo.map((fi) => [fi.insn, spec.btf!.type(fi.typeId).name]), p.functions.map((f) => [f.insn, f.name]));
    assert.ok(p.lineInfo.length > 0 && p.lineInfo.every((l, i) => i === 0 || l.insn >= p.lineInfo[i - 1].insn || p.functions.some((f) => f.insn === l.insn)));
  }
});

test('subprogram linking equals libbpf\'s after loading into the kernel', (t) => {
  if (!requireOrSkip(t, hasTool('clang') && !!libbpfList && isRoot, 'clang, libbpf and root')) return;
  const f = compile('linking');
  const r = spawnSync(libbpfList!, ['-l', f], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const spec = read(f);
  const theirs = Object.fromEntries(r.stdout.split('\n').filter((l) => l.startsWith('insns ')).map((l) => {
    const [, name, ...slots] = l.trim().split(' ');
    return [name, slots];
  }));
  assert.equal(spec.programs.length, 3);
  for (const p of spec.programs) {
    const bytes = encodeInstructions(p.insns);
    const ours = p.insns.map((_, i) => Buffer.from(bytes.subarray(8 * i, 8 * i + 8)).toString('hex'));
    const want = theirs[p.name];
    assert.equal(ours.length, want.length, p.name);
    const mapSlots = new Set(p.references.filter((x) => x.kind === 'map' || x.kind === 'map_value').map((x) => x.insn));
    ours.forEach((slot, i) => {
      if (mapSlots.has(i)) {
        // libbpf writes a map fd (MAP_FD/MAP_VALUE); we write the map index (MAP_IDX/MAP_IDX_VALUE).
        assert.equal(slot.slice(0, 2), want[i].slice(0, 2));
        assert.equal(parseInt(slot[2], 16) - 4, parseInt(want[i][2], 16), `${p.name} insn ${i} pseudo`);
      } else assert.equal(slot, want[i], `${p.name} insn ${i}`);
    });
  }
  const first = spec.programs.find((p) => p.name === 'first')!;
  assert.deepEqual(first.functions.map((x) => x.name), ['first', 'mid', 'leaf', 'gfunc', 'cb']);
});

test('relocation errors name the section and instruction', () => {
  const f = path.join(samples, 'build/twomaps.o');
  if (!existsSync(f)) return;
  const b = new Uint8Array(readFileSync(f));
  const spec = loadObjectSpec(b);
  assert.ok(spec.programs.length > 0);
  // Point the first relocation of .rel.text at a non-lddw instruction (offset 0).
  const dv = new DataView(b.buffer);
  const shoff = dv.getUint32(40, true), shnum = dv.getUint16(60, true);
  for (let i = 0; i < shnum; i++) {
    const o = shoff + 64 * i;
    if (dv.getUint32(o + 4, true) !== 9) continue;
    const relOff = dv.getUint32(o + 24, true);
    dv.setUint32(relOff, 0, true);
    break;
  }
  assert.throws(() => loadObjectSpec(b, { file: 'x.o' }), (e: unknown) => e instanceof ObjectError && /insn 0: relocation against 'map2'/.test(e.message) && e.location.section === '.text');
});

test('readObjectFile reads from disk; calls to helpers are left alone', async (t) => {
  const f = path.join(samples, 'build/bpf2bpf.o');
  if (!requireOrSkip(t, existsSync(f), 'corpus')) return;
  const spec = await readObjectFile(f);
  assert.equal(spec.name, 'bpf2bpf');
  for (const p of spec.programs) {
    for (const [i, insn] of p.insns.entries()) {
      if (insn.op === OP_CALL && insn.src === 0) assert.ok(!p.references.some((r) => r.insn === i));
      if (insn.op === OP_CALL && insn.src === BPF_PSEUDO_CALL) assert.ok(p.references.some((r) => r.insn === i && r.kind === 'subprog'));
    }
  }
});

test('iproute2 `<id>/<key>` sections fill the prog-array map with that id', (t) => {
  const f = path.join(samples, 'cilium/bpf_lxc.o');
  if (!requireOrSkip(t, existsSync(f), 'corpus')) return;
  const spec = read(f);
  const calls = spec.maps.find((m) => m.name === 'cilium_calls_111')!;
  assert.equal(calls.type, BPF_MAP_TYPE.PROG_ARRAY);
  assert.equal(calls.pinning, 2);
  const tailProgs = spec.programs.filter((p) => /^2\/\d+$/.test(p.section));
  assert.deepEqual(calls.slots, tailProgs.map((p) => ({ key: Number(p.section.split('/')[1]), program: p.name })).sort((a, b) => a.key - b.key));
  assert.ok(calls.slots!.some((s) => s.key === 10 && 'program' in s && s.program === 'tail_handle_ipv6'));
});

test('struct_ops maps: one per variable, members bound to programs', (t) => {
  if (!requireOrSkip(t, hasTool('clang'), 'clang')) return;
  const spec = read(compile('struct_ops'));
  assert.deepEqual(spec.programs.map((p) => [p.name, p.type]), [['my_init', BPF_PROG_TYPE.STRUCT_OPS], ['my_run', BPF_PROG_TYPE.STRUCT_OPS]]);
  assert.equal(spec.maps.length, 1);
  const ops = spec.maps[0];
  assert.deepEqual([ops.name, ops.type, ops.keySize, ops.valueSize, ops.maxEntries, ops.flags], ['ops', BPF_MAP_TYPE.STRUCT_OPS, 4, 32, 1, BPF_F.LINK]);
  assert.equal(spec.btf!.type(ops.btfValueTypeId).name, 'my_ops');
  assert.deepEqual(ops.structOps, [{ member: 'init', program: 'my_init' }, { member: 'run', program: 'my_run' }]);
  assert.equal(Buffer.from(ops.data!.subarray(16, 21)).toString(), 'tsbpf');
});

test('reading is deterministic and the spec is plain data', (t) => {
  if (!requireOrSkip(t, valid.length > 0, 'corpus')) return;
  for (const f of valid.filter((_, i) => i % 10 === 0)) {
    const a = read(f), b = read(f);
    const plain = (s: ObjectSpec) => JSON.stringify({ ...s, btf: undefined, btfExt: undefined }, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
    assert.equal(plain(a), plain(b), f);
  }
});
