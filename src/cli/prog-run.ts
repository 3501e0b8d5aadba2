/** `tsbpf prog run`: test-run a program of an object file in the VM on one input or a capture. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command, Io } from './command.js';
import { parseOptions } from './command.js';
import { UsageError } from '../errors.js';
import { writePcap } from '../pcap/write.js';
import { openObject, type VmObject } from '../vm/object.js';
import { replayFile, verdictName } from '../vm/replay.js';

const usage = `usage: tsbpf prog run FILE --prog NAME (--data-in F | --pcap F) [options]

Loads the object FILE into the userspace VM and runs program NAME like BPF_PROG_TEST_RUN, on the
bytes of one file (--data-in) or on every packet of a pcap/pcapng capture in order (--pcap; maps
persist across packets). Tracing programs take their context with --ctx-in alone.

  --data-in F    input packet (raw bytes)           --pcap F       capture to replay
  --data-out F   write the packet after the run      --pcap-out F   write the packets let through (pcap)
  --ctx-in F     context in (__sk_buff, xdp_md, raw args…)
  --ctx-out F    write the context after the run
  --repeat N     runs of the program (duration is the mean)
  --cpus N       CPUs of the VM (per-CPU maps)       --cpu N        CPU the run is on
  --seed N       seed of bpf_get_prandom_u32
  --json         JSON: {"retval","duration","data_out"} or {"results":[…],"maps":{…}}
  --maps         dump every map after the run(s) (bpftool -j map dump shape in JSON)
  --trace        print the bpf_trace_printk lines
  --no-verify    skip the verifier (experiments only: programs the kernel refuses would run)

Every program is verified first, as the kernel does; a rejection prints the verifier's message.
Inputs that test-run refuses (like the kernel's EINVAL) are reported per packet; a program fault
makes the command exit 1.
`;

function int(v: string | undefined, what: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

const toHex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

function mapsJson(obj: VmObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of obj.maps) out[name] = m.dump();
  return out;
}

function mapsText(obj: VmObject): string {
  let s = '';
  for (const [name, m] of obj.maps) {
    s += `map ${name} (${m.typeName}):\n`;
    for (const e of m.dump()) {
      const key = e.key.join(' ');
      if ('values' in e) s += `  key: ${key}  ${e.values.map((v) => `cpu${v.cpu}: ${Array.isArray(v.value) ? v.value.join(' ') : JSON.stringify(v.value)}`).join('  ')}\n`;
      else s += `  key: ${key}  value: ${Array.isArray(e.value) ? e.value.join(' ') : JSON.stringify(e.value)}\n`;
    }
  }
  return s;
}

export const progRun: Command = {
  name: 'prog run',
  summary: 'run a program in the VM on a packet, a context or a pcap capture',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parseOptions({
      args, allowPositionals: true,
      options: {
        prog: { type: 'string' }, 'data-in': { type: 'string' }, pcap: { type: 'string' }, 'data-out': { type: 'string' },
        'ctx-in': { type: 'string' }, 'ctx-out': { type: 'string' }, repeat: { type: 'string' }, cpus: { type: 'string' },
        cpu: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, maps: { type: 'boolean' },
        trace: { type: 'boolean' }, 'pcap-out': { type: 'string' }, 'no-verify': { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one object FILE');
    if (!values.prog) throw new UsageError('missing --prog NAME');
    if (values['data-in'] && values.pcap) throw new UsageError('--data-in and --pcap exclude each other');
    if (values['pcap-out'] && !values.pcap) throw new UsageError('--pcap-out needs --pcap');
    const cpus = int(values.cpus, '--cpus', 1), cpu = int(values.cpu, '--cpu'), repeat = int(values.repeat, '--repeat');
    const seed = int(values.seed, '--seed');
    const verify = !values['no-verify'];
    if (!verify) io.stderr('tsbpf prog run: WARNING: --no-verify: the program runs WITHOUT the verifier (experiments only; the VM still checks every memory access)\n');
    const obj = await openObject(positionals[0], { cpus, seed, programs: [values.prog], verify });
    const prog = obj.program(values.prog);
    const trailer = (json: Record<string, unknown>) => {
      if (values.maps) json.maps = mapsJson(obj);
      if (values.trace) json.trace = obj.readTrace();
    };

    if (values.pcap) {
      const showProgress = io.stderrIsTty && !values.json;
      const summary = await replayFile(prog, values.pcap, {
        cpu, collectPassed: !!values['pcap-out'],
        progress: showProgress ? (done, total) => {
          if (total >= 100_000 && (done % 1000 === 0 || done === total)) {
            const w = 40, f = Math.round((done / total) * w);
            io.stderr(`\r[${'#'.repeat(f)}${' '.repeat(w - f)}] ${done}/${total}${done === total ? '\n' : ''}`);
          }
        } : undefined,
      });
      if (values['pcap-out']) await writeFile(values['pcap-out'], writePcap(summary.passed));
      const refused = summary.results.filter((r) => 'error' in r && r.refused).length;
      const faulted = summary.results.filter((r) => 'error' in r && !r.refused).length;
      if (values.json) {
        const json: Record<string, unknown> = {
          results: summary.results.map((r) => ('error' in r ? { error: r.error, refused: r.refused } : {
            retval: r.retval, data_out: toHex(r.dataOut), ...(r.redirect ? { redirect: r.redirect } : {}),
          })),
        };
        trailer(json);
        io.stdout(JSON.stringify(json) + '\n');
      } else {
        let s = '';
        for (const r of summary.results) {
          if ('error' in r) { s += `${String(r.index).padStart(6)}  ${r.refused ? 'refused' : 'FAULT'}: ${r.error}\n`; continue; }
          const d = r.dataOut.length - r.lengthIn;
          const redir = r.redirect ? `  -> ifindex ${r.redirect.ifindex}${r.redirect.map ? ` (${r.redirect.map}[${r.redirect.key}])` : ''}` : '';
          s += `${String(r.index).padStart(6)}  ${(r.verdict ?? `retval ${r.retval}`).padEnd(16)} len ${r.lengthIn}${d ? ` -> ${r.dataOut.length} (${d > 0 ? '+' : ''}${d})` : ''}${redir}\n`;
        }
        if (values.maps) s += mapsText(obj);
        if (values.trace) s += obj.readTrace().map((l) => l + '\n').join('');
        io.stdout(s);
      }
      // Inputs test-run refuses (as the kernel does) are results of the replay; a fault is a failure.
      if (refused) io.stderr(`tsbpf prog run: ${refused} of ${summary.results.length} packets refused by test-run, as the kernel refuses them\n`);
      if (faulted) io.stderr(`tsbpf prog run: the program faulted on ${faulted} of ${summary.results.length} packets\n`);
      return faulted ? 1 : 0;
    }

    const readIn = async (f: string | undefined) => (f ? new Uint8Array(await readFile(f)) : undefined);
    const dataIn = await readIn(values['data-in']);
    const ctxIn = await readIn(values['ctx-in']);
    if (!dataIn && !ctxIn) throw new UsageError('give --data-in, --pcap or --ctx-in');
    const r = prog.run({ dataIn, ctxIn, repeat, cpu, ctxOutSize: values['ctx-out'] && ctxIn ? ctxIn.length : undefined });
    if (values['data-out'] && r.dataOut) await writeFile(values['data-out'], r.dataOut);
    if (values['ctx-out'] && r.ctxOut) await writeFile(values['ctx-out'], r.ctxOut);
    if (values.json) {
      const json: Record<string, unknown> = { retval: r.retval, duration: r.duration, data_out: toHex(r.dataOut) };
      if (r.ctxOut) json.ctx_out = toHex(r.ctxOut);
      if (r.redirect) json.redirect = r.redirect;
      trailer(json);
      io.stdout(JSON.stringify(json) + '\n');
    } else {
      const v = verdictName(prog.type, r.retval);
      let s = `retval: ${r.retval}${v ? ` (${v})` : ''}\nduration: ${r.duration} ns\n`;
      if (r.dataOut) s += `data_out: ${r.dataOut.length} bytes${dataIn ? ` (${r.dataOut.length - dataIn.length >= 0 ? '+' : ''}${r.dataOut.length - dataIn.length})` : ''}\n`;
      if (r.redirect) s += `redirect: ifindex ${r.redirect.ifindex}\n`;
      if (values.maps) s += mapsText(obj);
      if (values.trace) s += obj.readTrace().map((l) => l + '\n').join('');
      io.stdout(s);
    }
    return 0;
  },
};

