/** `tsbpf object show FILE... [--json]`: the programs and maps of BPF object files. */
import type { Command, Io } from './command.js';
import { parseOptions } from './command.js';
import { UsageError, TsbpfError } from '../errors.js';
import { readObjectFile } from '../object/load.js';
import type { ObjectSpec } from '../object/types.js';
import { mapTypeName, progTypeName } from '../uapi/index.js';

const usage = `usage: tsbpf object show FILE... [--json]

Lists the programs (name, section, type as bpftool names it, instruction count including linked
subprograms) and maps (name, type, key_size, value_size, max_entries, flags) of each object, as
libbpf sees them without loading.

  --json   one JSON object {"programs":[{"name","section","type","insns"}],
           "maps":[{"name","type","key_size","value_size","max_entries","flags"}]};
           with several files, a JSON array of such objects, each with a leading "file" field.
`;

interface ShowJson {
  programs: { name: string; section: string; type: string; insns: number }[];
  maps: { name: string; type: string; key_size: number; value_size: number; max_entries: number; flags: number }[];
}

/** The `object show` JSON of one object. */
export function showJson(spec: ObjectSpec): ShowJson {
  return {
    programs: spec.programs.map((p) => ({ name: p.name, section: p.section, type: progTypeName(p.type), insns: p.insns.length })),
    maps: spec.maps.map((m) => ({
      name: m.name, type: mapTypeName(m.type), key_size: m.keySize, value_size: m.valueSize, max_entries: m.maxEntries, flags: m.flags,
    })),
  };
}

/** Left-aligned text columns (numbers right-aligned), two spaces apart. */
function table(header: string[], rows: (string | number)[][]): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => (typeof c === 'number' ? String(c).padStart(width[i]) : String(c).padEnd(width[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}\n`).join('');
}

/** The human-readable listing of one object. */
export function showText(spec: ObjectSpec): string {
  const j = showJson(spec);
  let out = `programs (${j.programs.length}):\n`;
  if (j.programs.length) out += table(['name', 'section', 'type', 'insns'], j.programs.map((p) => [p.name, p.section, p.type, p.insns]));
  out += `maps (${j.maps.length}):\n`;
  if (j.maps.length) {
    out += table(['name', 'type', 'key_size', 'value_size', 'max_entries', 'flags'],
      j.maps.map((m) => [m.name, m.type, m.key_size, m.value_size, m.max_entries, `0x${m.flags.toString(16)}`]));
  }
  return out;
}

export const objectShow: Command = {
  name: 'object show',
  summary: 'list the programs and maps of BPF object files',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parseOptions({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
    if (positionals.length === 0) throw new UsageError('missing FILE');
    const results: (ShowJson & { file: string })[] = [];
    let failed = false;
    for (const file of positionals) {
      try {
        const spec = await readObjectFile(file);
        results.push({ file, ...showJson(spec) });
        if (!values.json) io.stdout(`${positionals.length > 1 ? `${results.length > 1 ? '\n' : ''}${file}:\n` : ''}${showText(spec)}`);
      } catch (e) {
        // With several files, report each bad one and go on; a single file's error goes to main.
        if (positionals.length === 1) throw e;
        failed = true;
        io.stderr(`tsbpf object show: ${e instanceof TsbpfError ? e.toString() : `${file}: ${(e as Error).message}`}\n`);
      }
    }
    if (values.json) {
      const out = positionals.length === 1 ? { programs: results[0].programs, maps: results[0].maps } : results;
      io.stdout(JSON.stringify(out) + '\n');
    }
    return failed ? 2 : 0;
  },
};
