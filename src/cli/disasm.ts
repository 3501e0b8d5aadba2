/** `tsbpf disasm FILE.bin`: prints raw BPF instruction bytes as llvm-objdump or bpftool xlated would. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command.js';
import { parseOptions } from './command.js';
import { TsbpfError, UsageError } from '../errors.js';
import { decodeInstructions, formatProgramXlated, formatSectionLlvm } from '../isa/index.js';

const FORMATS = ['llvm', 'xlated'] as const;

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble raw BPF instruction bytes (llvm-objdump or bpftool xlated style)',
  usage: [
    'usage: tsbpf disasm FILE.bin [--format llvm|xlated]',
    '',
    'Prints the instructions of FILE.bin (little-endian, 8 bytes each).',
    '  --format llvm    llvm-objdump -d style (default): `       0:\\tb7 00 00 00 02 00 00 00\\tr0 = 2`',
    '  --format xlated  bpftool prog dump xlated style: `   0: (b7) r0 = 2`',
  ].join('\n'),
  run(args, io) {
    const { values, positionals } = parseOptions({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'llvm' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one input file');
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${values.format}' (llvm or xlated)`);
    const [file] = positionals;
    const bytes = new Uint8Array(readFileSync(file));
    try {
      const insns = decodeInstructions(bytes);
      io.stdout(format === 'xlated' ? formatProgramXlated(insns) : formatSectionLlvm(path.basename(file), bytes, []));
    } catch (e) {
      throw e instanceof TsbpfError ? e.at({ file }) : e;
    }
    return 0;
  },
};
