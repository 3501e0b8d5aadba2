/** `tsbpf object dump FILE [--prog NAME] [--format llvm|xlated] [--source]`: disassemble an object. */
import { readFile } from 'node:fs/promises';
import type { Command, Io } from './command.js';
import { parseOptions } from './command.js';
import { UsageError } from '../errors.js';
import { loadObjectSpec } from '../object/load.js';
import { dumpObjectLlvm, dumpProgram } from '../object/dump.js';

const usage = `usage: tsbpf object dump FILE [--prog NAME] [--format llvm|xlated] [--source]

Without --prog, --format llvm (the default) prints the object's code sections exactly as
\`llvm-objdump -d FILE\` does (instructions as in the file, before relocation).

With --prog, or with --format xlated, prints each program (or only NAME) as it will be loaded:
subprograms appended, map references as \`lddw\` with a map index (llvm) or \`map[name]\` (xlated).
  --format llvm    llvm-objdump syntax, a label at each linked function
  --format xlated  bpftool prog dump xlated syntax
  --source         interleave the source lines of line_info (\`; line\`), like bpftool; in
                   xlated style also each function's signature from its BTF
`;

export const objectDump: Command = {
  name: 'object dump',
  summary: 'disassemble the programs of a BPF object file (llvm-objdump or bpftool xlated style)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parseOptions({
      args,
      allowPositionals: true,
      options: { prog: { type: 'string' }, format: { type: 'string', default: 'llvm' }, source: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const format = values.format;
    if (format !== 'llvm' && format !== 'xlated') throw new UsageError(`unknown format '${format}' (llvm or xlated)`);
    const [file] = positionals;
    const buf = await readFile(file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (format === 'llvm' && !values.prog && !values.source) {
      io.stdout(dumpObjectLlvm(bytes, file));
      return 0;
    }
    const spec = loadObjectSpec(bytes, { file });
    const progs = values.prog ? spec.programs.filter((p) => p.name === values.prog) : spec.programs;
    if (progs.length === 0) throw new UsageError(`no program '${values.prog}' in ${file} (programs: ${spec.programs.map((p) => p.name).join(', ') || 'none'})`);
    const blocks = progs.map((p) => `${progs.length > 1 || !values.prog ? `${p.name} (section ${p.section}):\n` : ''}${dumpProgram(spec, p, { format, source: values.source })}`);
    io.stdout(blocks.join('\n'));
    return 0;
  },
};
