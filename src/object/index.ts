/** tsbpf/object: ELF → ObjectSpec (programs, maps, global data, externs, linked subprograms). */
export * from './types.js';
export * from './sections.js';
export * from './maps.js';
export * from './load.js';
export * from './fuzz.js';
export * from './dump.js';
export type { TestRunOptions, TestRunResult } from './testrun.js';
