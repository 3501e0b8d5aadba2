/** Test support: one-program ObjectSpecs over maps, assembled from text (map loads tagged by {@link ldMap}). */
import { assemble } from '../isa/asm.js';
import type { MapSpec, ObjectSpec } from '../object/types.js';
import { BPF_PROG_TYPE } from '../uapi/index.js';

/** A map spec as the object loader produces it. */
export function mapSpec(name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0): MapSpec {
  return {
    name, type, keySize, valueSize, maxEntries, flags, numaNode: 0, mapExtra: 0, pinning: 0, source: 'btf', section: '.maps',
    btfKeyTypeId: 0, btfValueTypeId: 0, frozen: false,
  };
}

/** One program `p` of `type` (default XDP) over `maps`; `lddw rN, map i` is written with {@link ldMap}. */
export function objectSpec(asm: string, maps: MapSpec[], type: number = BPF_PROG_TYPE.XDP, section = 'xdp'): ObjectSpec {
  const insns = assemble(asm + '\n');
  // The assembler emits lddw with src 0: mark the map loads (imm = map index) as BPF_PSEUDO_MAP_IDX.
  insns.forEach((i, n) => { if (i.op === 0x18 && i.imm < 0x100 && insns[n + 1]?.imm === 0x4d415000) { i.src = 5; insns[n + 1].imm = 0; } });
  return {
    name: 't', license: 'GPL', kernVersion: 0, maps, externs: [],
    programs: [{
      name: 'p', section, type, expectedAttachType: 0, sleepable: false, xdpFrags: false, insns,
      functions: [{ name: 'p', insn: 0 }], references: [], funcInfo: [], lineInfo: [], coreRelos: [], license: 'GPL', kernVersion: 0,
    }],
  };
}

/** `lddw rN, map index i` (tagged for {@link objectSpec}). */
export const ldMap = (r: number, i: number) => `r${r} = 0x4d415000000000${i.toString(16).padStart(2, '0')} ll`;
