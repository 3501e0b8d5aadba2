/**
 * `tsbpf conformance-plugin`: a bpf_conformance runner plugin. The runner passes the test's
 * memory as hex bytes in the first argument (omitted when the test has none), writes the program
 * as hex bytes on stdin, and reads r0 in hex from stdout; a non-zero exit means the program was
 * refused or failed, with the reason on stderr. Helper #5 returns its first argument.
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { parseOptions } from './command.js';
import { UsageError } from '../errors.js';
import { parseHexBytes, runConformance } from '../vm/conformance.js';
import { loadObjectSpec } from '../object/load.js';
import type { Instruction } from '../isa/instruction.js';

/** The instructions of the first program of an ELF object (the runner's `--elf` mode). */
function firstProgram(elf: Uint8Array): Instruction[] {
  const spec = loadObjectSpec(elf, { file: 'stdin' });
  if (spec.programs.length === 0) throw new UsageError('the ELF object on stdin has no program');
  return spec.programs[0].insns;
}

export const conformancePluginCommand: Command = {
  name: 'conformance-plugin',
  summary: 'run one bpf_conformance test program (plugin protocol of the upstream runner)',
  usage: `usage: tsbpf conformance-plugin [MEMORY-HEX] [--program HEX] [--elf] [--debug]

Reads the program as hex bytes ("b7 00 00 00 01 00 00 00 95 00 …") from stdin, or from
--program (with --elf: the hex bytes of an ELF object, whose first program is run), runs it in the VM with r1 = pointer to MEMORY-HEX, r2 = its length and a 512-byte
stack, and prints r0 in hex. Helper #5 returns its first argument.

Use it with the upstream runner:
  bpf_conformance_runner --test_file_directory tests --plugin_path <wrapper that execs
  "tsbpf conformance-plugin \\"$@\\"">

Exit codes: 0 ran (r0 printed), 1 the VM refused or faulted (reason on stderr), 2 bad input.`,
  run(args, io) {
    const { values, positionals } = parseOptions({
      args,
      options: { program: { type: 'string' }, debug: { type: 'boolean' }, elf: { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
    const mem = positionals.length ? parseHexBytes(positionals[0]) : new Uint8Array(0);
    const input = parseHexBytes(values.program ?? readFileSync(0, 'utf8'));
    const code = values.elf ? firstProgram(input) : input;
    if (values.debug) io.stderr(`program: ${code.length} bytes, memory: ${mem.length} bytes\n`);
    const r0 = runConformance(code, mem);
    io.stdout(`${r0.toString(16)}\n`);
    return 0;
  },
};
