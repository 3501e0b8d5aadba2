/** The `tsbpf` command: dispatches to the sub-commands of ./commands.ts. */
import { commands } from './commands.js';
import type { Command, Io } from './command.js';
import { TsbpfError, UsageError, ElfError, BtfError, IsaError, AsmError, ObjectError } from '../errors.js';

const INPUT_ERRORS = [UsageError, ElfError, BtfError, IsaError, AsmError, ObjectError];

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: tsbpf <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tsbpf <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Finds the command whose words are the longest prefix of argv. */
function select(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  const found = select(argv);
  if (!found) {
    io.stderr(`tsbpf: unknown command '${argv.join(' ')}'\n\n${topHelp()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout(found.cmd.usage.endsWith('\n') ? found.cmd.usage : found.cmd.usage + '\n');
    return 0;
  }
  try {
    return await found.cmd.run(found.rest, io);
  } catch (e) {
    if (e instanceof TsbpfError) {
      io.stderr(`tsbpf ${found.cmd.name}: ${e.toString()}\n`);
      if (e instanceof UsageError) io.stderr(`\n${found.cmd.usage}\n`);
      return INPUT_ERRORS.some((k) => e instanceof k) ? 2 : 1;
    }
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'EISDIR' || (e as NodeJS.ErrnoException)?.code === 'EACCES') {
      io.stderr(`tsbpf ${found.cmd.name}: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr(`tsbpf ${found.cmd.name}: internal error: ${(e as Error)?.stack ?? e}\n`);
    return 70;
  }
}
