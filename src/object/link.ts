/**
 * Subprogram linking, like libbpf's bpf_object__reloc_code: a program's instructions are copied
 * out of its section, then every function it calls (or takes the address of) is appended the
 * first time it is reached, depth-first, and the call's imm is fixed to the new distance. Map,
 * global-data and extern relocations are applied to the copy (see types.ts for the encoding), and
 * func_info / line_info / CO-RE records follow their instructions.
 */
import type { ElfSection } from '../elf/reader.js';
import type { BtfExt, BtfExtSection } from '../btf/ext.js';
import type { Instruction } from '../isa/instruction.js';
import { OP_CALL, OP_LDDW } from '../isa/opcodes.js';
import { BPF_PSEUDO, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from '../uapi/index.js';
import type { SectionInfo } from './sections.js';
import type { ExternSpec, InsnReference, MapSpec, ProgramSpec } from './types.js';

/** A function (program or subprogram) inside a code section. */
export interface Func {
  name: string;
  code: CodeSection;
  /** First slot and slot count within the section. */
  start: number;
  count: number;
  entry: boolean;
}

export type Reloc =
  | { type: 'map'; mapIndex: number }
  | { type: 'data'; mapIndex: number; symOff: number }
  | { type: 'extern'; ext: ExternSpec }
  | { type: 'call' | 'func_addr'; section: number; symOff: number };

export interface CodeSection {
  sec: ElfSection;
  /** Instruction slots in the section (decoded on demand from `sec.data`). */
  count: number;
  dv: DataView;
  funcs: Func[];
  relocs: Map<number, Reloc>;
}

/** Bytes per instruction slot. */
export const INSN = 8;

/** What linking needs from the loader. */
export interface LinkContext {
  code: ReadonlyMap<number, CodeSection>;
  maps: readonly MapSpec[];
  /** Index of the `.kconfig` map (-1 without one). */
  kconfigMap: number;
  btfExt?: BtfExt;
  license: string;
  kernVersion: number;
  sectionInfo(name: string): SectionInfo;
  fail(msg: string, section?: string, offset?: number): never;
}

/** Builds one program: its instructions, then each subprogram it reaches, appended depth-first. */
export function linkProgram(ctx: LinkContext, entry: Func): ProgramSpec {
  const info = ctx.sectionInfo(entry.code.sec.name);
  const prog: ProgramSpec = {
    name: entry.name, section: entry.code.sec.name, type: info.type, expectedAttachType: info.expectedAttachType,
    ...(info.attachTo !== undefined ? { attachTo: info.attachTo } : {}),
    sleepable: info.sleepable, xdpFrags: info.xdpFrags,
    insns: [], functions: [], references: [], funcInfo: [], lineInfo: [], coreRelos: [],
    license: ctx.license, kernVersion: ctx.kernVersion,
  };
  const placed = new Map<Func, number>();
  // Depth-first like libbpf's recursive reloc_code, with an explicit stack: the frame on top is
  // scanned first, so a newly appended subprogram is processed before its caller resumes.
  const stack: { fn: Func; base: number; i: number }[] = [];
  const append = (fn: Func): number => {
    const base = prog.insns.length;
    placed.set(fn, base);
    prog.functions.push({ name: fn.name, insn: base });
    for (let i = 0; i < fn.count; i++) prog.insns.push(insnAt(fn.code, fn.start + i));
    addExtInfo(ctx, prog, fn, base);
    stack.push({ fn, base, i: 0 });
    return base;
  };
  append(entry);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    const { fn, base } = frame;
    const i = frame.i;
    if (i >= fn.count) {
      stack.pop();
      continue;
    }
    const { relocs, sec } = fn.code;
    const secIdx = fn.start + i;
    const out = base + i;
    const insn = prog.insns[out];
    const r = relocs.get(secIdx);
    const isLddw = insn.op === OP_LDDW;
    frame.i += isLddw ? 2 : 1;
    if (isLddw && i + 1 >= fn.count) ctx.fail(`function '${fn.name}': lddw at insn ${i} has no second slot`, sec.name, secIdx * INSN);
    if (r && r.type !== 'call' && r.type !== 'func_addr') applyDataReloc(ctx, prog, out, r);
    const isCall = insn.op === OP_CALL && insn.src === BPF_PSEUDO_CALL && r?.type !== 'extern';
    const isFuncAddr = isLddw && (insn.src === BPF_PSEUDO.FUNC || r?.type === 'func_addr');
    if (!isCall && !isFuncAddr) continue;
    if (isFuncAddr) insn.src = BPF_PSEUDO.FUNC;
    let code = fn.code, idx: number;
    if (r?.type === 'call') [code, idx] = [ctx.code.get(r.section)!, r.symOff / INSN + insn.imm + 1];
    else if (r?.type === 'func_addr') [code, idx] = [ctx.code.get(r.section)!, (r.symOff + insn.imm) / INSN];
    else if (isFuncAddr) return ctx.fail(`function '${fn.name}': insn ${i}: function address without relocation`, sec.name, secIdx * INSN);
    else idx = secIdx + insn.imm + 1;
    const sub = funcAt(code, idx);
    if (!sub) return ctx.fail(`function '${fn.name}': insn ${i}: call target ${idx} in ${code.sec.name} is not the start of a function`, sec.name, secIdx * INSN);
    insn.imm = ((placed.get(sub) ?? append(sub)) - out - 1) | 0;
    prog.references.push({ insn: out, kind: 'subprog', name: sub.name });
  }
  prog.references.sort((a, b) => a.insn - b.insn);
  return prog;
}

function applyDataReloc(ctx: LinkContext, prog: ProgramSpec, out: number, r: Reloc): void {
  const insn = prog.insns[out];
  const next = prog.insns[out + 1];
  let ref: InsnReference;
  switch (r.type) {
    case 'map':
      insn.src = BPF_PSEUDO.MAP_IDX;
      insn.imm = r.mapIndex;
      ref = { insn: out, kind: 'map', map: ctx.maps[r.mapIndex].name, mapIndex: r.mapIndex };
      break;
    case 'data': {
      const offset = insn.imm + r.symOff;
      insn.src = BPF_PSEUDO.MAP_IDX_VALUE;
      insn.imm = r.mapIndex;
      next.imm = offset | 0;
      ref = { insn: out, kind: 'map_value', map: ctx.maps[r.mapIndex].name, mapIndex: r.mapIndex, offset };
      break;
    }
    case 'extern': {
      const e = r.ext;
      if (e.kind === 'unresolved') {
        ref = { insn: out, kind: 'unresolved', name: e.name };
      } else if (e.isFunc) {
        insn.src = BPF_PSEUDO_KFUNC_CALL;
        insn.imm = 0;
        ref = { insn: out, kind: 'kfunc', name: e.name };
      } else if (e.kind === 'kconfig') {
        insn.src = BPF_PSEUDO.MAP_IDX_VALUE;
        insn.imm = ctx.kconfigMap;
        next.imm = e.offset! | 0;
        ref = { insn: out, kind: 'kconfig', name: e.name, map: ctx.maps[ctx.kconfigMap].name, mapIndex: ctx.kconfigMap, offset: e.offset! };
      } else {
        ref = { insn: out, kind: 'ksym', name: e.name };
      }
      break;
    }
    default:
      return;
  }
  prog.references.push(ref);
}

/** Copies the func_info / line_info / CO-RE records of `fn` re-based to `base`. */
function addExtInfo(ctx: LinkContext, prog: ProgramSpec, fn: Func, base: number): void {
  const ext = ctx.btfExt;
  if (!ext) return;
  const name = fn.code.sec.name;
  const end = fn.start + fn.count;
  const pick = <T extends { insn: number }>(blocks: BtfExtSection<T>[], into: T[]) => {
    for (const b of blocks) {
      if (b.section !== name) continue;
      // Records are sorted by instruction: binary-search the function's first one.
      const recs = b.records;
      let lo = 0, hi = recs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (recs[mid].insn < fn.start) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < recs.length && recs[i].insn < end; i++) into.push({ ...recs[i], insn: recs[i].insn - fn.start + base });
    }
  };
  pick(ext.funcInfo, prog.funcInfo);
  pick(ext.lineInfo, prog.lineInfo);
  pick(ext.coreRelos, prog.coreRelos);
}

/** Decodes slot `i` of a code section. */
export function insnAt(code: CodeSection, i: number): Instruction {
  const o = i * INSN;
  const regs = code.sec.data[o + 1];
  return { op: code.sec.data[o], dst: regs & 0x0f, src: regs >> 4, off: code.dv.getInt16(o + 2, true), imm: code.dv.getInt32(o + 4, true) };
}

/** The function starting at slot `idx` of a section (functions are sorted by start). */
function funcAt(code: CodeSection, idx: number): Func | undefined {
  const f = code.funcs;
  let lo = 0, hi = f.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f[mid].start < idx) lo = mid + 1;
    else hi = mid;
  }
  return f[lo]?.start === idx ? f[lo] : undefined;
}
