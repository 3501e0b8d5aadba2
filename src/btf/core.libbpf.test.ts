/**
 * The CO-RE engine against libbpf, on this machine's kernel BTF: every object is loaded by the
 * system libbpf through core-libbpf.c (kernel object creation stubbed out, so each program libbpf
 * relocates is printed, verifier or not) and relocated by tsbpf; the instruction at every
 * relocated slot must be identical, and so must libbpf's CO-RE debug log lines for the program.
 * Objects: the C programs in testdata/ (built here against a vmlinux.h of this kernel), programs
 * generated from this kernel's types (core-gen.test-helper.ts; including fields of duplicate struct
 * names, which libbpf refuses as ambiguous when their offsets differ: tsbpf must refuse them for the
 * same reason) and every corpus object with CO-RE relocations. As root, the C programs are also loaded into the kernel
 * (bpftool, i.e. libbpf + verifier) and the translated program is compared at every relocated slot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, isRoot, listFiles, repoRoot, requireOrSkip, testdataDir } from '../test-support.js';
import { decodeInstructions, type Instruction } from '../isa/instruction.js';
import { CLASS, OP_LDDW, opClass, opSize } from '../isa/opcodes.js';
import { loadObjectSpec } from '../object/load.js';
import { applyCoreRelocations, applyObjectCoreRelocations, kernelBtf, VMLINUX_BTF_PATH, type CoreCandidateCache, type CoreRelocation } from './core.js';
import type { ObjectSpec } from '../object/types.js';
import { loadObject, progInfo } from '../kernel/index.js';
import { generateCoreProgram, generateDuplicatePrograms } from './core-gen.test-helper.js';

const haveTools = hasTool('clang') && hasTool('cc') && hasTool('bpftool') && existsSync(VMLINUX_BTF_PATH) && existsSync('/usr/include/bpf/libbpf.h');

interface LibbpfRun {
  /** Program name → instructions as libbpf would load them. */
  progs: Map<string, Instruction[]>;
  result: number;
  log: string[];
}

function runLibbpf(harness: string, obj: string): LibbpfRun {
  const r = spawnSync(harness, [obj], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const progs = new Map<string, Instruction[]>();
  let result = NaN;
  for (const line of r.stdout.split('\n')) {
    const [what, a, b] = line.split(' ');
    if (what === 'prog' && a !== '-') progs.set(a, decodeInstructions(Buffer.from(b, 'hex')));
    else if (what === 'result') result = Number(a);
  }
  return { progs, result, log: r.stderr.split('\n').map((l) => l.replace(/^libbpf: /, '')) };
}

const sameInsn = (a: Instruction | undefined, b: Instruction | undefined) =>
  !!a && !!b && a.op === b.op && a.dst === b.dst && a.src === b.src && a.off === b.off && a.imm === b.imm;

interface Tally {
  objects: number;
  programs: number;
  relocations: number;
  agree: number;
  poisoned: number;
  logLines: number;
  /** Programs both refuse, for the same reason. */
  refused: number;
  failures: string[];
}

/** Relocates every program of `file` and compares with libbpf; returns what disagreed. */
function compareObject(harness: string, file: string, tally: Tally): void {
  const name = path.basename(file);
  const lib = runLibbpf(harness, file);
  const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { file });
  if (!spec.btf) throw new Error(`${name}: no BTF`);
  const { btf: target } = kernelBtf();
  const cache: CoreCandidateCache = new Map();
  tally.objects++;
  const libFailed = lib.log.some((l) => / relo #\d+: failed to (relocate|patch)/.test(l));
  for (const prog of spec.programs) {
    if (prog.coreRelos.length === 0) continue;
    tally.programs++;
    let ours;
    try {
      ours = applyCoreRelocations(prog, spec.btf, target, { cache });
    } catch (e) {
      // libbpf's reason is the warning just before its `failed to relocate` line.
      const at = lib.log.findIndex((l) => l.startsWith(`prog '${prog.name}': relo #`) && l.includes(': failed to relocate'));
      const reason = at > 0 ? lib.log[at - 1].replace(/^prog '[^']*': relo #\d+: /, '') : undefined;
      if (reason && String(e).includes(reason)) tally.refused++;
      else tally.failures.push(`${name} ${prog.name}: tsbpf refused (${String(e)}), libbpf ${reason ? `refused: ${reason}` : 'did not'}`);
      continue;
    }
    const theirs = lib.progs.get(prog.name);
    if (!theirs) {
      tally.failures.push(`${name} ${prog.name}: libbpf did not relocate it (result ${lib.result})${libFailed ? ' and failed a relocation' : ''}`);
      continue;
    }
    if (theirs.length !== ours.insns.length) tally.failures.push(`${name} ${prog.name}: ${ours.insns.length} slots, libbpf ${theirs.length}`);
    for (const r of ours.results) {
      tally.relocations++;
      if (r.poisoned) tally.poisoned++;
      const slots = ours.insns[r.insn].op === OP_LDDW || theirs[r.insn]?.op === OP_LDDW || (r.poisoned && prog.insns[r.insn].op === OP_LDDW) ? [r.insn, r.insn + 1] : [r.insn];
      if (slots.every((s) => sameInsn(ours.insns[s], theirs[s]))) tally.agree++;
      else tally.failures.push(`${name} ${prog.name} relo #${r.relo} insn ${r.insn}: tsbpf ${JSON.stringify(slots.map((s) => ours.insns[s]))} libbpf ${JSON.stringify(slots.map((s) => theirs[s]))}`);
    }
    // libbpf's log for the relocations of the program's own function (subprogram records are logged
    // under the subprogram's name, with other numbers).
    const mainEnd = prog.functions[1]?.insn ?? prog.insns.length;
    const mainRelos = prog.coreRelos.filter((r) => r.insn < mainEnd).length;
    const prefix = `prog '${prog.name}': relo #`;
    const reloNo = (l: string) => Number(/^prog '[^']*': relo #(\d+)/.exec(l)![1]);
    const relevant = (l: string) => l.startsWith(prefix) && !/failed to/.test(l);
    // libbpf numbers records within their ELF section (shared by the programs of the section):
    // renumber its lines in order of appearance, as tsbpf numbers them within the program.
    const renumber = new Map<number, number>();
    const libLines = lib.log.filter(relevant).map((l) => {
      const n = reloNo(l);
      if (!renumber.has(n)) renumber.set(n, renumber.size);
      return l.replace(/relo #\d+/, `relo #${renumber.get(n)}`);
    });
    const ourLines = ours.log.filter((l) => relevant(l) && reloNo(l) < mainRelos);
    tally.logLines += libLines.length;
    if (JSON.stringify(libLines) !== JSON.stringify(ourLines)) {
      const n = Math.max(libLines.length, ourLines.length);
      const i = Array.from({ length: n }, (_, k) => k).find((k) => libLines[k] !== ourLines[k])!;
      tally.failures.push(`${name} ${prog.name}: log differs at line ${i}:\n  libbpf: ${libLines[i]}\n  tsbpf:  ${ourLines[i]}`);
    }
  }
}

let dir = '';
let harness = '';
/** The C test programs, built against this kernel's vmlinux.h. */
const cObjects: string[] = [];
/** The generated programs (core-gen.test-helper.ts): only for libbpf, the verifier would refuse them. */
let genObject = '';
let duplicates: { object: string; ambiguous: boolean }[] = [];

before(() => {
  if (!haveTools) return;
  dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-core-'));
  harness = path.join(dir, 'core-libbpf');
  execFileSync('cc', ['-O1', '-o', harness, path.join(repoRoot, 'src/btf/core-libbpf.c'), '-lbpf']);
  writeFileSync(path.join(dir, 'vmlinux.h'), execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'c'], { maxBuffer: 256 << 20 }));
  for (const src of listFiles(path.join(repoRoot, 'src/btf/testdata'), '.bpf.c')) {
    const obj = path.join(dir, path.basename(src, '.c') + '.o');
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', dir, '-c', src, '-o', obj]);
    cObjects.push(obj);
  }
  writeFileSync(path.join(dir, 'gen.c'), generateCoreProgram(kernelBtf().btf));
  genObject = path.join(dir, 'gen.o');
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', dir, '-c', path.join(dir, 'gen.c'), '-o', genObject]);
  duplicates = generateDuplicatePrograms(kernelBtf().btf).map(({ source, ambiguous }, i) => {
    const object = path.join(dir, `dup${i}.o`);
    writeFileSync(path.join(dir, `dup${i}.c`), source);
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-I', dir, '-c', path.join(dir, `dup${i}.c`), '-o', object]);
    return { object, ambiguous };
  });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('CO-RE relocations agree with libbpf on this kernel', (t) => {
  if (!requireOrSkip(t, haveTools, 'clang, cc, bpftool, libbpf and /sys/kernel/btf/vmlinux')) return;
  const objects = [...cObjects, genObject, ...duplicates.map((d) => d.object)];
  for (const f of listFiles(path.join(testdataDir, 'ebpf-samples'), '.o')) {
    let spec;
    try {
      spec = loadObjectSpec(new Uint8Array(readFileSync(f)), { file: f });
    } catch {
      continue;
    }
    if (spec.programs.some((p) => p.coreRelos.length > 0)) objects.push(f);
  }
  const tally: Tally = { objects: 0, programs: 0, relocations: 0, agree: 0, poisoned: 0, logLines: 0, refused: 0, failures: [] };
  for (const f of objects) compareObject(harness, f, tally);
  t.diagnostic(`vmlinux BTF parsed in ${kernelBtf().parseMs.toFixed(0)} ms (${kernelBtf().btf.types.length} types)`);
  t.diagnostic(`${tally.objects} objects, ${tally.programs} programs: ${tally.agree}/${tally.relocations} relocated slots identical to libbpf (${tally.poisoned} poisoned), ${tally.logLines} libbpf log lines compared; ${tally.refused} programs refused by both (${duplicates.filter((d) => d.ambiguous).length} expected)`);
  assert.deepEqual(tally.failures, []);
  assert.equal(tally.refused, duplicates.filter((d) => d.ambiguous).length);
  assert.ok(tally.relocations >= 1000, `only ${tally.relocations} relocations compared`);
});

/**
 * Key aligning our instructions with the kernel's: opcode and registers, which neither
 * relocation nor the kernel's rewrites change (loads through BTF pointers become PROBE_MEM
 * loads, so LDX keeps class and size only).
 */
function alignKey(insn: Instruction): string {
  const op = opClass(insn.op) === CLASS.LDX ? CLASS.LDX | opSize(insn.op) : insn.op;
  return `${op}/${insn.dst}/${insn.src}`;
}

/** Longest-common-subsequence alignment of `a` onto `b` by key: a[i] → index in b, or -1. */
function align(a: string[], b: string[]): number[] {
  const n = a.length;
  const m = b.length;
  const len = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i][j] = a[i] === b[j] ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
  const out = new Array<number>(n).fill(-1);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) out[i++] = j++;
    else if (len[i + 1][j] >= len[i][j + 1]) i++;
    else j++;
  }
  return out;
}

interface XlatedTally {
  compared: number;
  removed: number;
  failures: string[];
}

/**
 * Compares our relocated slots with the kernel's translated program `xl` (aligned on opcode and
 * registers). Slots the verifier removed as dead code (e.g. the signed branch of
 * BPF_CORE_READ_BITFIELD_PROBED once FIELD_SIGNED is 0) cannot be compared; each one shortens
 * the translated program.
 */
function compareXlated(what: string, r: CoreRelocation, xl: Instruction[], tally: XlatedTally): void {
  const map = align(r.insns.map(alignKey), xl.map(alignKey));
  const gone = r.results.filter((x) => !x.poisoned && map[x.insn] < 0).length;
  if (gone > r.insns.length - xl.length) tally.failures.push(`${what}: ${gone} relocated slots not found in a program only ${r.insns.length - xl.length} slots shorter`);
  tally.removed += gone;
  for (const res of r.results) {
    const j = map[res.insn];
    if (res.poisoned || j < 0) continue;
    const o = r.insns[res.insn];
    const x = xl[j];
    const same = o.off === x.off && o.imm === x.imm && (o.op === OP_LDDW ? xl[j + 1]?.imm === r.insns[res.insn + 1].imm : true) && alignKey(o) === alignKey(x);
    tally.compared++;
    if (!same) tally.failures.push(`${what} relo #${res.relo} insn ${res.insn}: tsbpf ${JSON.stringify(o)} kernel[${j}] ${JSON.stringify(x)}`);
  }
}

/** Our relocation of every program of `obj`, with one candidate cache. */
function relocateAll(obj: string): { spec: ObjectSpec; relocated: Map<string, CoreRelocation> } {
  const spec = loadObjectSpec(new Uint8Array(readFileSync(obj)), { file: obj });
  return { spec, relocated: applyObjectCoreRelocations(spec, kernelBtf().btf) };
}

const isPoisonTest = (obj: string) => path.basename(obj).startsWith('core_poison');

test('relocated instructions match what the kernel runs (bpftool loadall, dump xlated)', (t) => {
  if (!requireOrSkip(t, haveTools && isRoot, 'root, clang, cc, bpftool, libbpf')) return;
  if (!readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === '/sys/fs/bpf')) execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  const tally: XlatedTally = { compared: 0, removed: 0, failures: [] };
  for (const obj of cObjects) {
    const { relocated } = relocateAll(obj);
    const pin = `/sys/fs/bpf/tsbpf-core-${process.pid}-${path.basename(obj, '.o').replace(/\W/g, '_')}`;
    const load = spawnSync('bpftool', ['prog', 'loadall', obj, pin], { encoding: 'utf8' });
    try {
      if (isPoisonTest(obj)) {
        // A reachable poisoned instruction: the kernel refuses the program at libbpf's marker call
        // (libbpf rewrites the verifier's `invalid func unknown#195896080` into this line).
        assert.ok([...relocated.values()].some((r) => r.results.some((x) => x.poisoned)));
        assert.notEqual(load.status, 0, `${obj}: the kernel loaded a program with a reachable poisoned instruction`);
        assert.match(load.stderr, /\d+: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation <byte_off> \[\d+\] struct task_struct___signed\.prio/);
        continue;
      }
      assert.equal(load.status, 0, `${obj}: bpftool prog loadall failed:\n${load.stderr.slice(-2000)}`);
      for (const [name, r] of relocated) {
        const xfile = path.join(dir, `${name}.xlated`);
        execFileSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', path.join(pin, name), 'file', xfile]);
        compareXlated(`${path.basename(obj)} ${name}`, r, decodeInstructions(new Uint8Array(readFileSync(xfile))), tally);
      }
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  }
  t.diagnostic(`${tally.compared} relocated slots identical in the kernel's translated programs, ${tally.removed} removed there as dead code`);
  assert.deepEqual(tally.failures, []);
  assert.ok(tally.compared >= 50, `only ${tally.compared} slots compared`);
});

test('relocated instructions match the kernel\'s own CO-RE (core_relos handed to BPF_PROG_LOAD)', (t) => {
  if (!requireOrSkip(t, haveTools && isRoot, 'root, clang, cc, bpftool, libbpf')) return;
  const tally: XlatedTally = { compared: 0, removed: 0, failures: [] };
  for (const obj of cObjects) {
    const { spec, relocated } = relocateAll(obj);
    if (isPoisonTest(obj)) {
      // The kernel poisons the same instruction the same way; the verifier then names the marker.
      assert.throws(() => loadObject(spec), /invalid func unknown#195896080/);
      continue;
    }
    const ko = loadObject(spec);
    try {
      for (const [name, r] of relocated) compareXlated(`${path.basename(obj)} ${name}`, r, decodeInstructions(progInfo(ko.program(name).fd).xlatedInsns), tally);
    } finally {
      ko.close();
    }
  }
  t.diagnostic(`${tally.compared} relocated slots identical to the kernel's CO-RE, ${tally.removed} removed as dead code`);
  assert.deepEqual(tally.failures, []);
  assert.ok(tally.compared >= 50, `only ${tally.compared} slots compared`);
});
