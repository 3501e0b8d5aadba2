/** Registry of `tsbpf` sub-commands: one import and one entry per command file. */
import type { Command } from './command.js';

export const commands: Command[] = [
];
