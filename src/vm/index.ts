/** tsbpf/vm: the userspace VM — memory model, interpreter, helper dispatch, conformance runner. */
export * from './memory.js';
export {
  type Helper, type HelperVm, type HelperTable, type Ld64Resolver, type VmProgram, type DecodeOptions, decodeProgram,
} from './program.js';
export * from './interpreter.js';
export * from './helpers.js';
