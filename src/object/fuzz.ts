/**
 * Mutation fuzzing of the object reader: corrupts valid objects (byte flips, boundary values in
 * header and table fields, truncation) and checks that reading them, and printing their BTF,
 * either succeeds or throws a {@link TsbpfError} — never another exception. Deterministic for a
 * given seed. Accepted mutants also have their BTF printed (raw and C), which walks every type. Used by the unit test (a few hundred mutants) and the bench job (10,000).
 */
import { TsbpfError } from '../errors.js';
import { formatBtfRaw } from '../btf/format-raw.js';
import { formatBtfC } from '../btf/format-c.js';
import { loadObjectSpec } from './load.js';

/** A mutant that escaped with something other than a TsbpfError (or took too long). */
export interface FuzzFinding {
  index: number;
  source: string;
  mutation: string;
  error: string;
}

export interface FuzzResult {
  mutants: number;
  /** Mutants read without error. */
  accepted: number;
  /** Typed errors by class name. */
  errors: Record<string, number>;
  findings: FuzzFinding[];
  /** Slowest single mutant, ms, and what it was. */
  slowestMs: number;
  slowest?: string;
}

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOUNDARY = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

/** Applies one random mutation to a copy of `src`; returns it with a description. */
export function mutate(src: Uint8Array, rnd: () => number): { bytes: Uint8Array; what: string } {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(6);
  if (kind === 0) {
    const len = pick(src.length);
    return { bytes: src.slice(0, len), what: `truncate to ${len}` };
  }
  const b = src.slice();
  const dv = new DataView(b.buffer);
  if (kind === 1) {
    const n = 1 + pick(8);
    const offs: number[] = [];
    for (let i = 0; i < n; i++) {
      const o = pick(b.length);
      b[o] ^= 1 << pick(8);
      offs.push(o);
    }
    return { bytes: b, what: `flip bits at ${offs.join(',')}` };
  }
  // Structured fields: the ELF header, section headers, or anywhere (symbols, relocations, BTF).
  let o: number;
  if (kind === 2 && b.length >= 64) o = 16 + 2 * pick(24);
  else if (kind === 3 && b.length >= 64) {
    const shoff = dv.getUint32(40, true), shnum = dv.getUint16(60, true);
    o = shnum && shoff + shnum * 64 <= b.length ? shoff + 64 * pick(shnum) + 4 * pick(16) : pick(b.length);
  } else o = pick(b.length);
  const v = BOUNDARY[pick(BOUNDARY.length)];
  if (o + 4 <= b.length) dv.setUint32(o, v, true);
  else if (o < b.length) b[o] = v & 0xff;
  return { bytes: b, what: `u32 0x${v.toString(16)} at ${o}` };
}

/**
 * Reads `count` mutants of the given objects, chosen and mutated by a PRNG seeded with `seed`.
 */
export function fuzzObjects(corpus: { name: string; bytes: Uint8Array }[], count: number, seed = 1): FuzzResult {
  const rnd = prng(seed);
  const res: FuzzResult = { mutants: 0, accepted: 0, errors: {}, findings: [], slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const src = corpus[Math.floor(rnd() * corpus.length)];
    const { bytes, what } = mutate(src.bytes, rnd);
    const t0 = performance.now();
    try {
      const spec = loadObjectSpec(bytes, { file: src.name });
      if (spec.btf) {
        formatBtfRaw(spec.btf);
        formatBtfC(spec.btf);
      }
      res.accepted++;
    } catch (e) {
      if (e instanceof TsbpfError) res.errors[e.name] = (res.errors[e.name] ?? 0) + 1;
      else res.findings.push({ index: i, source: src.name, mutation: what, error: String((e as Error)?.stack ?? e) });
    }
    const ms = performance.now() - t0;
    if (ms > res.slowestMs) [res.slowestMs, res.slowest] = [ms, `${src.name}: ${what}`];
    res.mutants++;
  }
  return res;
}
