/**
 * Test helper (not part of the package): runs the installed llvm-objdump / llvm-readelf on an
 * object and parses their output, so that tests can compare against LLVM 14 without depending
 * on the project's own ELF reader.
 */
import { execFileSync } from 'node:child_process';
import type { SectionSymbol } from './disasm-llvm.js';

export interface ObjdumpLine {
  /** The address column (slot index). */
  addr: number;
  /** Raw instruction bytes as printed. */
  bytes: Uint8Array;
  /** The instruction text as printed (may carry a ` <sym+0x..>` branch annotation). */
  text: string;
}

export interface ObjdumpSection {
  name: string;
  /** The section exactly as printed, from its `Disassembly of section` line. */
  block: string;
  lines: ObjdumpLine[];
  /** Number of `...` zero-skip lines. */
  skips: number;
}

export interface ObjdumpResult {
  ok: boolean;
  error?: string;
  sections: ObjdumpSection[];
}

/** `llvm-objdump -d FILE`, parsed per section. */
export function objdump(file: string): ObjdumpResult {
  let out: string;
  try {
    out = execFileSync('llvm-objdump', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return { ok: false, error: String(err.stderr ?? e).trim().split('\n').pop(), sections: [] };
  }
  const sections: ObjdumpSection[] = [];
  const starts = [...out.matchAll(/^Disassembly of section (.*):$/gm)];
  starts.forEach((m, k) => {
    const block = out.slice(m.index!, k + 1 < starts.length ? starts[k + 1].index! : out.length).replace(/\n+$/, '\n');
    const lines: ObjdumpLine[] = [];
    let skips = 0;
    for (const line of block.split('\n')) {
      if (line === '\t\t...') skips++;
      const l = /^\s*(\d+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\t(.*)$/.exec(line);
      if (!l) continue;
      lines.push({ addr: Number(l[1]), bytes: Uint8Array.from(l[2].split(' '), (h) => parseInt(h, 16)), text: l[3] });
    }
    sections.push({ name: m[1], block, lines, skips });
  });
  return { ok: true, sections };
}

export interface ReadelfSection {
  size: number;
  /** Non-section symbols defined in the section. */
  symbols: SectionSymbol[];
}

/** Size and non-section symbols of each section of FILE (llvm-readelf), keyed by section name. */
export function readelfSections(file: string): Map<string, ReadelfSection> {
  const out = execFileSync('llvm-readelf', ['-S', '-s', '--wide', file], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const byIndex = new Map<string, string>();
  const result = new Map<string, ReadelfSection>();
  for (const m of out.matchAll(/^\s*\[\s*(\d+)\] (\S+)\s+[A-Z_]+\s+[0-9a-f]+ [0-9a-f]+ ([0-9a-f]+) /gm)) {
    byIndex.set(m[1], m[2]);
    result.set(m[2], { size: parseInt(m[3], 16), symbols: [] });
  }
  for (const m of out.matchAll(/^\s*\d+: ([0-9a-f]+)\s+\S+ (\S+)\s+\S+\s+\S+\s+(\S+) ?(.*)$/gm)) {
    if (m[2] === 'SECTION') continue;
    const section = byIndex.get(m[3]);
    if (section !== undefined) result.get(section)!.symbols.push({ name: m[4], value: parseInt(m[1], 16) });
  }
  return result;
}

/** Collapses runs of whitespace, like the comparison in the issue asks. */
export const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Rebuilds a section's bytes from the printed lines (zero-skips refilled with zeros). */
export function sectionBytes(lines: readonly ObjdumpLine[], size: number): Uint8Array {
  const parts: number[] = [];
  for (const l of lines) {
    while (parts.length < l.addr * 8) parts.push(0);
    parts.push(...l.bytes);
  }
  while (parts.length < size) parts.push(0);
  return Uint8Array.from(parts);
}
