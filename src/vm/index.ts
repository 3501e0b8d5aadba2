/**
 * tsbpf/vm: the userspace VM — memory model, interpreter, helper dispatch, conformance runner,
 * and the program layer: objects loaded into the VM (`openObject`, `loadVmObject`,
 * `loadVmProgram`), BPF_PROG_TEST_RUN-compatible test-runs (`program.run({dataIn, ctxIn, repeat,
 * cpu})` → `{retval, duration, dataOut, ctxOut, redirect, skb}`), pcap replay (`replayFile`).
 */
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
