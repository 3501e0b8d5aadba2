/** tsbpf/vm: the userspace VM — memory model, interpreter, helper dispatch, conformance runner. */
export * from './memory.js';
export {
  type Helper, type HelperVm, type HelperTable, type Ld64Resolver, type VmProgram, type DecodeOptions, decodeProgram,
} from './program.js';
export * from './interpreter.js';
export * from './helpers.js';
export * from './conformance.js';
export * from './map-helpers.js';
export * from './object.js';
export * from './testrun.js';
export * from './replay.js';
export { TestRunError } from './progtypes/testrun-error.js';
export type { RedirectTarget } from './progtypes/skb.js';
export { RunEnv, DEFAULT_TASK, vmProgTypeHelpers, formatPrintk, type RunEnvOptions, type SimulatedTask } from './helpers/index.js';
