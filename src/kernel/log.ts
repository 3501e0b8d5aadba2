/**
 * Figures the kernel verifier writes at the end of its log: `processed N insns (limit 1000000)
 * max_states_per_insn N total_states N peak_states N mark_read N` (log_level 1 and 2) and, with
 * BPF_LOG_STATS (log_level 4), `verification time N usec` and `stack depth N[+N…]`.
 */

/** log_level bits of BPF_PROG_LOAD / BPF_BTF_LOAD (include/linux/bpf_verifier.h). */
export const BPF_LOG = { LEVEL1: 1, LEVEL2: 2, STATS: 4 } as const;

/** `verification time N usec` of a log written with BPF_LOG_STATS (log_level 4), or undefined. */
export function verificationTimeUsec(log: string): number | undefined {
  const m = /^verification time (\d+) usec$/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** `processed N insns` of a verifier log, or undefined. */
export function processedInsns(log: string): number | undefined {
  const m = /^processed (\d+) insns\b/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

export interface VerifierStats {
  processedInsns: number;
  insnLimit: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  markRead: number;
  /** Present with BPF_LOG_STATS. */
  verificationTimeUsec?: number;
  /** Stack depth per subprogram (`stack depth 16+8`), with BPF_LOG_STATS. */
  stackDepth?: number[];
}

/** Every figure of the log's summary lines, or undefined when the log has none. */
export function verifierStats(log: string): VerifierStats | undefined {
  const m = /^processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)$/m.exec(log);
  if (!m) return undefined;
  const [processed, limit, maxStates, total, peak, markRead] = m.slice(1).map(Number);
  const stats: VerifierStats = { processedInsns: processed, insnLimit: limit, maxStatesPerInsn: maxStates, totalStates: total, peakStates: peak, markRead };
  const time = verificationTimeUsec(log);
  if (time !== undefined) stats.verificationTimeUsec = time;
  const depth = /^stack depth ([\d+]+)$/m.exec(log);
  if (depth) stats.stackDepth = depth[1].split('+').map(Number);
  return stats;
}
