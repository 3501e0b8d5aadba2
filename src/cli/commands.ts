/** Registry of `tsbpf` sub-commands: one import and one entry per command file, in help order. */
import type { Command } from './command.js';
import { objectShow } from './object-show.js';
import { objectDump } from './object-dump.js';
import { objectCore } from './object-core.js';
import { verifyCommand } from './verify.js';
import { progRun } from './prog-run.js';
import { asmCommand } from './asm.js';
import { disasmCommand } from './disasm.js';
import { conformancePluginCommand } from './conformance-plugin.js';

export const commands: Command[] = [
  objectShow,
  objectDump,
  objectCore,
  verifyCommand,
  progRun,
  asmCommand,
  disasmCommand,
  conformancePluginCommand,
];
