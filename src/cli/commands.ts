/** Registry of `tsbpf` sub-commands: one import and one entry per command file. */
import type { Command } from './command.js';
import { objectShow } from './object-show.js';
import { objectDump } from './object-dump.js';
import { asmCommand } from './asm.js';
import { disasmCommand } from './disasm.js';
import { conformancePluginCommand } from './conformance-plugin.js';
import { objectCore } from './object-core.js';
import { progRun } from './prog-run.js';
import { verifyCommand } from './verify.js';

export const commands: Command[] = [
  objectShow,
  objectDump,
  asmCommand,
  disasmCommand,
  conformancePluginCommand,
  objectCore,
  progRun,
  verifyCommand,
];
