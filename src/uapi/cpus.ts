/** CPU sets of the running system, as the kernel exports them under /sys/devices/system/cpu. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { TsbpfError } from '../errors.js';

/** Parses a kernel CPU list (`0-3,5,7-8`) into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new TsbpfError(`malformed CPU list ${JSON.stringify(text.trim())}`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

let possible: number | undefined;

/**
 * Number of possible CPUs: the highest id in /sys/devices/system/cpu/possible plus one (the
 * kernel's nr_cpu_ids, as libbpf computes it). Per-CPU map values hold this many slots. Where that
 * file does not exist (not Linux: the VM runs anywhere), the host's available parallelism.
 */
export function possibleCpuCount(): number {
  if (possible === undefined) {
    let text: string | undefined;
    try {
      text = readFileSync('/sys/devices/system/cpu/possible', 'utf8');
    } catch {
      /* not Linux */
    }
    possible = text === undefined ? availableParallelism() : Math.max(...parseCpuList(text)) + 1;
  }
  return possible;
}

/** CPUs currently online (/sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}
