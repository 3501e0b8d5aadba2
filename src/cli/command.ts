/** The shape of a `tsbpf` sub-command. Each command lives in its own file under src/cli/. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True when stderr is a terminal (progress bars go there only then). */
  stderrIsTty: boolean;
}

export interface Command {
  /** Words that select it, e.g. `object show`. */
  name: string;
  /** One line for `tsbpf --help`. */
  summary: string;
  /** Full usage text for `tsbpf <name> --help`. */
  usage: string;
  /** Runs the command; returns the exit code (0 ok, 1 operation failed, 2 usage/input error). */
  run(args: string[], io: Io): Promise<number> | number;
}

/** node:util parseArgs with errors turned into {@link UsageError}. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
