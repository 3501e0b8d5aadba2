/** `tsbpf asm FILE.s -o FILE.bin`: assembles llvm-syntax or bpf_conformance-syntax source to program bytes. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from './command.js';
import { parseOptions } from './command.js';
import { TsbpfError, UsageError } from '../errors.js';
import { assemble, detectSyntax, encodeInstructions, type AsmSyntax } from '../isa/index.js';

const SYNTAXES = ['auto', 'llvm', 'conformance'] as const;

export const asmCommand: Command = {
  name: 'asm',
  summary: 'assemble BPF source (llvm or bpf_conformance syntax) to instruction bytes',
  usage: [
    'usage: tsbpf asm FILE.s -o FILE.bin [--syntax auto|llvm|conformance]',
    '',
    'Assembles FILE.s into little-endian BPF instructions (8 bytes each, lddw 16).',
    '  -o, --output FILE   where to write the bytes (required)',
    '  --syntax SYNTAX     llvm: `r0 = *(u32 *)(r1 + 4)` (llvm-objdump -d output is accepted);',
    '                      conformance: `ldxw %r0, [%r1+4]` (bpf_conformance suite);',
    '                      auto (default): detected from the text',
  ].join('\n'),
  run(args, io) {
    const { values, positionals } = parseOptions({
      args,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, syntax: { type: 'string', default: 'auto' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one input file');
    if (!values.output) throw new UsageError('missing -o FILE.bin');
    const syntax = values.syntax as (typeof SYNTAXES)[number];
    if (!SYNTAXES.includes(syntax)) throw new UsageError(`unknown syntax '${values.syntax}' (auto, llvm or conformance)`);
    const [file] = positionals;
    const source = readFileSync(file, 'utf8');
    const used: AsmSyntax = syntax === 'auto' ? detectSyntax(source) : syntax;
    let insns;
    try {
      insns = assemble(source, { syntax: used });
    } catch (e) {
      throw e instanceof TsbpfError ? e.at({ file }) : e;
    }
    writeFileSync(values.output, encodeInstructions(insns));
    io.stderr(`${file}: ${insns.length} instructions (${used} syntax) -> ${values.output}\n`);
    return 0;
  },
};
