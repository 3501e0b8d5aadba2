/** `tsbpf verify FILE [--prog NAME] [--log-level 0|1|2] [--unprivileged] [--explain] [--json]`. */
import { readFile } from 'node:fs/promises';
import type { Command, Io } from './command.js';
import { parseOptions } from './command.js';
import { UsageError } from '../errors.js';
import { loadObjectSpec } from '../object/load.js';
import { verify, type VerifierResult } from '../verifier/index.js';
import { explain } from '../verifier/explain.js';
import { verifierInputFromSpec, unsupportedFeature } from '../verifier/spec-input.js';

const usage = `usage: tsbpf verify FILE [--prog NAME] [--log-level 0|1|2] [--unprivileged] [--explain] [--json]

Verifies each program of the object (or only NAME) as the kernel's verifier would, as root
unless --unprivileged. Prints the verdict and, with --log-level 1 or 2, the kernel-format log.
  --explain   for rejected programs: the failing source line, the path that reached it, a fix hint
  --json      {"programs":[{"name","verdict","error","insn","line","processed_insns","states"}]}
Exit status: 0 all accepted, 1 a program was rejected, 2 usage or input error.
`;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify the programs of a BPF object file like the kernel verifier (kernel-format log)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parseOptions({
      args,
      allowPositionals: true,
      options: {
        prog: { type: 'string' }, 'log-level': { type: 'string', default: '0' }, unprivileged: { type: 'boolean' },
        explain: { type: 'boolean' }, json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const level = Number(values['log-level']);
    if (level !== 0 && level !== 1 && level !== 2) throw new UsageError(`--log-level must be 0, 1 or 2 (got '${values['log-level']}')`);
    const [file] = positionals;
    const buf = await readFile(file).catch((e: Error) => { throw new UsageError(`cannot read ${file}: ${e.message}`); });
    const spec = loadObjectSpec(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), { file });
    const progs = values.prog ? spec.programs.filter((p) => p.name === values.prog) : spec.programs;
    if (progs.length === 0) throw new UsageError(`no program '${values.prog}' in ${file} (programs: ${spec.programs.map((p) => p.name).join(', ') || 'none'})`);
    const wantLog = values.explain ? Math.max(level, 1) as 1 | 2 : level as 0 | 1 | 2;
    const json: object[] = [];
    let rejected = false;
    for (const p of progs) {
      const input = verifierInputFromSpec(spec, p, !values.unprivileged, wantLog);
      const unsupported = unsupportedFeature(p);
      const r: VerifierResult = unsupported
        ? { accepted: false, log: '', error: { message: `tsbpf: ${unsupported}`, insn: -1 }, processedInsns: 0, maxStatesPerInsn: 0, totalStates: 0, peakStates: 0, stackDepth: [] }
        : verify(input);
      rejected ||= !r.accepted;
      const line = r.error ? [...input.lineInfo!].reverse().find((l) => l.insnOff <= r.error!.insn) : undefined;
      if (values.json) {
        json.push({
          name: p.name, verdict: r.accepted ? 'accept' : 'reject', error: r.error?.message ?? null, insn: r.error?.insn ?? null,
          line: line ? { file: line.fileName, line: line.lineNum, text: line.line.trim() } : null,
          processed_insns: r.processedInsns, states: r.totalStates,
        });
        continue;
      }
      if (level) io.stdout(r.log);
      io.stdout(`${p.name} (section ${p.section}): ${r.accepted ? 'accepted' : `rejected: ${r.error!.message}`} (${r.processedInsns} insns processed, ${r.totalStates} states)\n`);
      if (values.explain && !r.accepted) io.stdout(explain(input, r));
    }
    if (values.json) io.stdout(JSON.stringify({ programs: json }, null, 2) + '\n');
    return rejected ? 1 : 0;
  },
};
