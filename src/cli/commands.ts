/** Registry of `tsbpf` sub-commands: one import and one entry per command file. */
import type { Command } from './command.js';
import { conformancePluginCommand } from './conformance-plugin.js';

export const commands: Command[] = [
  conformancePluginCommand,
];
