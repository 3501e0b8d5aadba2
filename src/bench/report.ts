/**
 * Benchmark reporting. Every figure is printed beside the kernel's figure for the same thing,
 * measured in the same run, as a ratio (tsbpf / kernel): absolute times on shared machines are noise.
 */

export interface BenchRow {
  /** What was measured, e.g. `interp xdp_counter ns/run`. */
  name: string;
  /** tsbpf's figure. */
  value: number;
  unit: string;
  /** The kernel's figure for the same thing in the same run, when there is one. */
  kernel?: number;
  /** A target the figure (or the ratio, when `targetIsRatio`) should stay under. */
  target?: number;
  targetIsRatio?: boolean;
}

export class BenchReporter {
  readonly rows: BenchRow[] = [];
  constructor(private readonly out: (s: string) => void = (s) => process.stdout.write(s)) {}

  section(title: string): void {
    this.out(`\n== ${title}\n`);
  }

  /** Records and prints one figure. */
  row(r: BenchRow): void {
    this.rows.push(r);
    const ratio = r.kernel ? r.value / r.kernel : undefined;
    let line = `${r.name.padEnd(48)} ${fmt(r.value).padStart(12)} ${r.unit}`;
    if (r.kernel !== undefined) line += `   kernel ${fmt(r.kernel)} ${r.unit}   ratio ${ratio === undefined ? '-' : ratio.toFixed(2) + 'x'}`;
    if (r.target !== undefined) {
      const v = r.targetIsRatio ? ratio : r.value;
      const ok = v !== undefined && v <= r.target;
      line += `   target <= ${r.target}${r.targetIsRatio ? 'x' : ` ${r.unit}`} ${ok ? 'ok' : 'MISSED'}`;
    }
    this.out(line + '\n');
  }

  note(s: string): void {
    this.out(`  ${s}\n`);
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(3);
}

/** Median of a list of numbers (NaN for an empty list). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
