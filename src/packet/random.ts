/**
 * A small seeded pseudo-random generator (mulberry32) for deterministic test data and fuzzing:
 * the same seed gives the same sequence on every machine.
 */
export interface Random {
  /** A uniformly distributed 32-bit unsigned integer. */
  u32(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
}

export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const u32 = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    u32,
    below: (n) => Math.floor((u32() / 2 ** 32) * n),
    bytes: (n) => Uint8Array.from({ length: n }, () => u32() & 0xff),
  };
}
