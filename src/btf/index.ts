/** tsbpf/btf: BTF types, `.BTF.ext` records, raw and C printers. */
export * from './types.js';
export * from './parse.js';
export * from './spec.js';
export * from './format-raw.js';
export * from './ext.js';
export * from './format-c.js';
export * from './core.js';
