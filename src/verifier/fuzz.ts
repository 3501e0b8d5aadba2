/**
 * Random program generation for differential and soundness fuzzing of the verifier: small XDP
 * programs with initialised registers, a stack pointer, map references, helper calls and forward
 * jumps. The kernel-agreement test uses it now; the VM soundness job (every accepted program runs
 * without a memory fault) is meant to reuse {@link randomProgram}.
 */
import type { Instruction } from '../isa/index.js';
import { BPF_PROG_TYPE, BPF_MAP_TYPE, BPF_FUNC } from '../uapi/index.js';
import type { VerifierInput, VerifierMap } from './types.js';

/** Opcodes the generator draws from (ALU, loads, stores, atomics, jumps, calls, lddw). */
const OPS = [0x07, 0x0f, 0x17, 0x1f, 0xb7, 0xbf, 0xb4, 0xbc, 0x57, 0x5f, 0x67, 0x77, 0xc7, 0x27, 0x37, 0x97, 0x87, 0xd4, 0xdc,
  0xd7, 0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xdb, 0xc3, 0x05, 0x15, 0x1d, 0x25, 0x2d,
  0x35, 0x3d, 0x45, 0x55, 0x5d, 0xa5, 0xad, 0xb5, 0xbd, 0x65, 0x6d, 0x16, 0x1e, 0x26, 0x2e, 0x85, 0x18];
const IMMS = [0, 1, 2, 4, 8, -1, -8, 16, 255];
const OFFS = [0, -8, -4, 4, 8, -16, 2];
const HELPERS = [BPF_FUNC.map_lookup_elem, BPF_FUNC.map_update_elem, BPF_FUNC.map_delete_elem, BPF_FUNC.ktime_get_ns, BPF_FUNC.get_prandom_u32];

/** The maps every generated program may reference (index 0: array, 1: hash). */
export const FUZZ_MAPS: readonly VerifierMap[] = [
  { name: 'a', type: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 },
  { name: 'h', type: BPF_MAP_TYPE.HASH, keySize: 8, valueSize: 8, maxEntries: 4, flags: 0 },
];

/** A deterministic generator (LCG) so that a failing seed can be replayed. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 1) % n;
  };
}

/** One random program: R0-R9 set to small constants, R2 = fp-16, then `length` random slots, exit. */
export function randomProgram(rnd: (n: number) => number, length = 2 + rnd(12)): VerifierInput {
  const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
  const insns: Instruction[] = [];
  for (let r = 0; r < 10; r++) insns.push(I(0xb7, r, 0, 0, rnd(8)));
  insns.push(I(0xbf, 2, 10), I(0x07, 2, 0, 0, -16));
  for (let i = 0; i < length; i++) {
    const op = OPS[rnd(OPS.length)];
    const jmp = (op & 7) === 5 || (op & 7) === 6;
    if (op === 0x18) {
      insns.push(I(op, rnd(10), [0, 5][rnd(2)], 0, rnd(2)), I(0));
    } else if (op === 0x85) {
      insns.push(I(op, 0, 0, 0, HELPERS[rnd(HELPERS.length)]));
    } else {
      insns.push(I(op, rnd(10), rnd(11), jmp ? rnd(4) : OFFS[rnd(OFFS.length)], rnd(10) === 9 ? rnd(300) - 150 : IMMS[rnd(IMMS.length)]));
    }
  }
  insns.push(I(0xb7, 0, 0, 0, 0), I(0x95));
  return { progType: BPF_PROG_TYPE.XDP, insns, maps: FUZZ_MAPS };
}
