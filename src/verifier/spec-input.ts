/** The verifier's input built from an ObjectSpec program (what every backend load verifies). */
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import type { VerifierInput, VerifierMap } from './types.js';

/**
 * The frozen value of a read-only global-data map as loaders create it: `.rodata*` holds its
 * initial bytes (zeros where the ELF has none). `.kconfig` is filled from the running kernel's
 * configuration at load time; its values are left unknown here.
 */
const frozenValue = (m: MapSpec): Uint8Array | undefined =>
  m.frozen && m.source === 'data' ? frozenContents(m.data ?? new Uint8Array(0), m.valueSize) : undefined;

function toVerifierMap(m: MapSpec): VerifierMap {
  const frozen = frozenValue(m);
  return {
    name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
    ...(m.innerMap ? { innerMap: toVerifierMap(m.innerMap) } : {}),
    ...(frozen ? { frozenValue: frozen } : {}),
  };
}

/** The map value as loaded: the section's bytes, zero-padded to the value size. */
function frozenContents(data: Uint8Array, valueSize: number): Uint8Array {
  const v = new Uint8Array(valueSize);
  v.set(data.subarray(0, valueSize));
  return v;
}

/** The verifier's plain-data input for one program of an object spec. */
export function verifierInputFromSpec(spec: ObjectSpec, prog: ProgramSpec, privileged = true, logLevel: 0 | 1 | 2 = 0): VerifierInput {
  return {
    progType: prog.type,
    expectedAttachType: prog.expectedAttachType,
    insns: prog.insns,
    maps: spec.maps.map(toVerifierMap),
    funcInfo: prog.funcInfo.map((f) => ({ insnOff: f.insn, typeId: f.typeId })),
    lineInfo: prog.lineInfo.map((l) => ({ insnOff: l.insn, line: l.line, fileName: l.fileName, lineNum: l.lineNumber, column: l.column })),
    privileged,
    logLevel,
  };
}

/** What tsbpf cannot verify in this program yet (CO-RE relocations, kernel symbols), or undefined. */
export function unsupportedFeature(prog: ProgramSpec): string | undefined {
  if (prog.coreRelos.length) return 'CO-RE relocations (not applied by the verifier)';
  const ref = prog.references.find((r) => r.kind === 'ksym' || r.kind === 'kfunc' || r.kind === 'unresolved');
  if (ref) return `reference to kernel symbol '${'name' in ref ? ref.name : '?'}'`;
  if (!prog.type) return `unknown program type of section '${prog.section}'`;
  return undefined;
}
