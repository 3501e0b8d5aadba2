/**
 * Listings of object files and of their programs:
 * - {@link dumpObjectLlvm}: the file's code sections exactly as `llvm-objdump -d` prints them
 *   (unrelocated bytes, every symbol as a label);
 * - {@link dumpProgram}: one program as it will be loaded (subprograms linked, maps referenced by
 *   index), in llvm-objdump or `bpftool prog dump xlated` syntax, optionally with the source lines
 *   of its line_info interleaved (`; <line>`, as bpftool does) and, in xlated style, each
 *   function's signature from its func_info (`int f(struct xdp_md * ctx):`).
 */
import { readElf } from '../elf/reader.js';
import { SHF_EXECINSTR, STT_FILE, STT_SECTION } from '../elf/constants.js';
import { encodeInstructions, type Instruction } from '../isa/instruction.js';
import { formatSectionLlvm } from '../isa/disasm-llvm.js';
import { formatProgramXlated, type XlatedResolver } from '../isa/disasm-xlated.js';
import type { BtfSpec } from '../btf/spec.js';
import type { ObjectSpec, ProgramSpec } from './types.js';

/** `llvm-objdump -d FILE` of an object: every non-empty executable section with its symbols. */
export function dumpObjectLlvm(bytes: Uint8Array, file: string): string {
  const elf = readElf(bytes, file);
  const syms = elf.symbols();
  const blocks = elf.sections
    .filter((s) => s.flags & SHF_EXECINSTR && s.size > 0)
    .map((s) => formatSectionLlvm(s.name, s.data, syms
      .filter((y) => y.shndx === s.index && y.type !== STT_SECTION && y.type !== STT_FILE)
      .map((y) => ({ name: y.name, value: y.value }))));
  return `\n${file}:\tfile format elf64-bpf\n\n${blocks.join('\n')}`;
}

export interface DumpOptions {
  format: 'llvm' | 'xlated';
  /** Interleave line_info source lines (and, for xlated, func_info signatures). */
  source?: boolean;
}

/** One linked program of `spec`. */
export function dumpProgram(spec: ObjectSpec, prog: ProgramSpec, opts: DumpOptions): string {
  const lines = opts.format === 'llvm' ? llvmLines(prog) : xlatedLines(prog);
  if (!opts.source) return lines.map((l) => l.text).join('\n') + '\n';
  const byInsn = new Map<number, string[]>();
  const add = (insn: number, text: string) => {
    const l = byInsn.get(insn);
    if (l) l.push(text);
    else byInsn.set(insn, [text]);
  };
  if (opts.format === 'xlated' && spec.btf) {
    for (const fi of prog.funcInfo) add(fi.insn, `${funcSignature(spec.btf, fi.typeId)}:`);
  }
  for (const li of prog.lineInfo) add(li.insn, `; ${li.line.trimStart()}`);
  const out: string[] = [];
  for (const l of lines) {
    if (l.insn !== undefined) {
      out.push(...(byInsn.get(l.insn) ?? []));
      byInsn.delete(l.insn);
    }
    out.push(l.text);
  }
  return out.join('\n') + '\n';
}

interface Line {
  text: string;
  /** Slot index of the instruction on this line, if it is one. */
  insn?: number;
}

function llvmLines(prog: ProgramSpec): Line[] {
  const text = formatSectionLlvm(prog.section, encodeInstructions(prog.insns), prog.functions.map((f) => ({ name: f.name, value: f.insn * 8 })));
  return text.trimEnd().split('\n').map((t) => {
    const m = /^\s*(\d+):\t/.exec(t);
    return m ? { text: t, insn: Number(m[1]) } : { text: t };
  });
}

function xlatedLines(prog: ProgramSpec): Line[] {
  const refs = new Map(prog.references.map((r) => [r.insn, r]));
  const resolver: XlatedResolver = {
    imm(_insns, i) {
      const r = refs.get(i);
      if (r?.kind === 'map') return `map[${r.map}]`;
      if (r?.kind === 'map_value' || r?.kind === 'kconfig') return `map[${r.map}][0]+${r.offset}`;
      return undefined;
    },
    call(_insns: readonly Instruction[], i) {
      const r = refs.get(i);
      return r?.kind === 'kfunc' || r?.kind === 'unresolved' ? r.name : undefined;
    },
  };
  return formatProgramXlated(prog.insns, resolver).trimEnd().split('\n').map((t) => ({ text: t, insn: Number(/^\s*(\d+):/.exec(t)![1]) }));
}

/** bpftool's `int f(struct xdp_md * ctx)` for a BTF FUNC. */
export function funcSignature(btf: BtfSpec, funcId: number): string {
  const fn = btf.types[funcId];
  if (fn?.kind !== 'FUNC') return `func#${funcId}`;
  const proto = btf.types[fn.type];
  if (proto?.kind !== 'FUNC_PROTO') return fn.name;
  const params = proto.params.map((p) => (p.type === 0 ? '...' : `${typeName(btf, p.type)} ${p.name}`.trimEnd()));
  return `${typeName(btf, proto.returnType)} ${fn.name}(${params.join(', ')})`;
}

/** A type's name as bpftool's btf_dumper prints it (`struct xdp_md *`, `const char *`, `__u32[4]`). */
function typeName(btf: BtfSpec, id: number, depth = 0): string {
  const t = btf.types[id];
  if (!t || depth > 32) return '?';
  switch (t.kind) {
    case 'VOID': return 'void';
    case 'INT': case 'FLOAT': case 'TYPEDEF': return t.name;
    case 'STRUCT': return `struct ${t.name || '(anon)'}`;
    case 'UNION': return `union ${t.name || '(anon)'}`;
    case 'ENUM': case 'ENUM64': return `enum ${t.name || '(anon)'}`;
    case 'FWD': return `${t.union ? 'union' : 'struct'} ${t.name}`;
    case 'PTR': return `${typeName(btf, t.type, depth + 1)} *`;
    case 'CONST': return `const ${typeName(btf, t.type, depth + 1)}`;
    case 'VOLATILE': return `volatile ${typeName(btf, t.type, depth + 1)}`;
    case 'RESTRICT': return `restrict ${typeName(btf, t.type, depth + 1)}`;
    case 'TYPE_TAG': return typeName(btf, t.type, depth + 1);
    case 'ARRAY': return `${typeName(btf, t.type, depth + 1)}[${t.nelems}]`;
    case 'FUNC_PROTO': return `${typeName(btf, t.returnType, depth + 1)} (*)()`;
    default: return t.name;
  }
}
