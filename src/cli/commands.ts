/** Registry of `tsbpf` sub-commands: one import and one entry per command file. */
import type { Command } from './command.js';
import { objectShow } from './object-show.js';
import { conformancePluginCommand } from './conformance-plugin.js';
import { progRun } from './prog-run.js';

export const commands: Command[] = [
  objectShow,
  conformancePluginCommand,
  progRun,
];
