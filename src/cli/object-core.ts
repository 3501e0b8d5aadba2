/** `tsbpf object core FILE [--prog NAME] [--btf PATH] [--log] [--json]`: CO-RE relocations against a kernel's BTF. */
import { readFileSync } from 'node:fs';
import type { Command, Io } from './command.js';
import { parseOptions } from './command.js';
import { UsageError } from '../errors.js';
import { readObjectFile } from '../object/load.js';
import { loadBtf, type BtfSpec } from '../btf/spec.js';
import { applyCoreRelocations, CoreReloError, kernelBtf, VMLINUX_BTF_PATH, type CoreCandidateCache, type CoreReloResult } from '../btf/core.js';

const usage = `usage: tsbpf object core FILE [--prog NAME] [--btf PATH] [--log] [--json]

Applies the CO-RE relocations of each program of FILE as libbpf would against the target BTF
(default: the running kernel's, ${VMLINUX_BTF_PATH}) and lists, per relocation, the instruction,
kind, local and target access, and the value the compiler assumed -> the target's value.
Relocations that cannot be satisfied are poisoned (the instruction becomes call 0xbad2310).

  --prog NAME   only this program
  --btf PATH    target BTF file (raw BTF, like ${VMLINUX_BTF_PATH})
  --log         print libbpf's debug log of the relocation instead of the table
  --json        {"programs":[{"name","relocations":[{"insn","kind","local","target","from","to",
                "poisoned","mem_size"}]}]} (values as decimal strings)

Exit status 1 when libbpf would refuse a relocation (ambiguity, unexpected instruction).
`;

interface ReloJson {
  insn: number;
  kind: string;
  local: string;
  target: string | null;
  from: string;
  to: string;
  poisoned: boolean;
  mem_size: { from: number; to: number } | null;
}

const reloJson = (r: CoreReloResult): ReloJson => ({
  insn: r.insn, kind: r.kind, local: r.local.spec, target: r.target?.spec ?? null, from: String(r.origValue), to: String(r.newValue),
  poisoned: r.poisoned, mem_size: r.memSize ?? null,
});

function reloText(r: CoreReloResult): string {
  const value = r.poisoned ? 'poisoned' : `${r.origValue} -> ${r.newValue}${r.memSize ? ` (load size ${r.memSize.from} -> ${r.memSize.to})` : ''}`;
  return `  insn ${String(r.insn).padStart(4)}  ${r.local.spec}\n             => ${r.target?.spec ?? 'no target'}: ${value}\n`;
}

export const objectCore: Command = {
  name: 'object core',
  summary: 'apply CO-RE relocations against the kernel BTF, like libbpf',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parseOptions({
      args, allowPositionals: true,
      options: { prog: { type: 'string' }, btf: { type: 'string' }, log: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'one FILE only' : 'missing FILE');
    const spec = await readObjectFile(positionals[0]);
    if (!spec.btf) throw new UsageError(`${positionals[0]} has no .BTF section: nothing to relocate`);
    const programs = spec.programs.filter((p) => values.prog === undefined || p.name === values.prog);
    if (values.prog !== undefined && programs.length === 0) throw new UsageError(`no program '${values.prog}' in ${positionals[0]}`);
    const target: BtfSpec = values.btf ? loadBtf(new Uint8Array(readFileSync(values.btf)), { file: values.btf }) : kernelBtf().btf;
    const cache: CoreCandidateCache = new Map();
    const out: { name: string; relocations: ReloJson[] }[] = [];
    for (const p of programs) {
      let r;
      try {
        r = applyCoreRelocations(p, spec.btf, target, { cache });
      } catch (e) {
        if (!(e instanceof CoreReloError)) throw e;
        io.stderr(`tsbpf object core: ${e.toString()}\n`);
        return 1;
      }
      out.push({ name: p.name, relocations: r.results.map(reloJson) });
      if (values.json) continue;
      if (values.log) io.stdout(r.log.map((l) => `${l}\n`).join(''));
      else io.stdout(`${p.name} (${p.section}): ${r.results.length} CO-RE relocations\n${r.results.map(reloText).join('')}`);
    }
    if (values.json) io.stdout(JSON.stringify({ programs: out }) + '\n');
    return 0;
  },
};
