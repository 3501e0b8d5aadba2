/** tsbpf/verifier: the kernel's static verifier, in TypeScript, with the kernel 6.18 log format. */
export { verify, BPF_COMPLEXITY_LIMIT_INSNS, BPF_COMPLEXITY_LIMIT_JMP_SEQ } from './verifier.js';
export type { VerifierInput, VerifierResult, VerifierError, VerifierMap, FuncInfo, FuncProto, FuncArg, LineInfo } from './types.js';
export {
  helperProto, helperAllowed, helpersForProgType, helperArgCount, helperLabel, mapHelperCompatible, HELPERS_BY_PROG_TYPE,
  type HelperProto, type ArgKind, type RetKind,
} from './helpers.js';
export { ctxAccessOk, ctxLoadType, ctxSupported } from './context.js';
export { explain } from './explain.js';
export { randomProgram, rng, FUZZ_MAPS } from './fuzz.js';
export { verifierInputFromSpec, unsupportedFeature } from './spec-input.js';
