/**
 * The bpf_conformance suite's conventions (Alan-Jowett/bpf_conformance): the `.data` test file
 * format, and the environment a runtime gives a test program — r1 = pointer to the test's memory,
 * r2 = its length, r10 = frame pointer of a 512-byte stack, helper #5 returns its first argument.
 */
import { UsageError } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import { Vm } from './interpreter.js';
import { RegionKind } from './memory.js';
import type { Helper, HelperTable } from './program.js';

/** One `.data` test case. */
export interface ConformanceCase {
  name: string;
  /** `-- asm` text (comments stripped). */
  asm: string;
  /** `-- raw` program bytes, when the case has them. */
  raw?: Uint8Array;
  /** `-- mem` bytes (empty when none). */
  mem: Uint8Array;
  /** `-- result`: the expected r0. */
  result?: bigint;
  /** `-- error`: the expected failure text ('' when the section is present but empty). */
  error?: string;
}

/**
 * Parses a `.data` file. Section headers are lines `-- <name>`; `-- c` and
 * `-- no register offset` are ignored; `#` starts a comment in `-- asm`.
 */
export function parseConformanceCase(text: string, name = 'case'): ConformanceCase {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const header = /^--\s*(.*?)\s*$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1], current);
      continue;
    }
    current?.push(line);
  }
  const body = (key: string) => sections.get(key)?.map((l) => l.trim()).filter((l) => l !== '');
  const asm = (sections.get('asm') ?? []).map((l) => l.replace(/#.*$/, '').trimEnd()).filter((l) => l.trim() !== '').join('\n');
  const rawLines = body('raw');
  const memLines = body('mem');
  const result = body('result')?.[0];
  const error = sections.has('error') ? (body('error')?.[0] ?? '') : undefined;
  return {
    name,
    asm,
    raw: rawLines ? parseRaw(rawLines.join(' ')) : undefined,
    mem: memLines ? parseHexBytes(memLines.join(' ')) : new Uint8Array(0),
    result: result === undefined ? undefined : BigInt.asUintN(64, BigInt(result)),
    error,
  };
}

/**
 * `-- raw` program text: either 64-bit instruction words (`0x5566778800000018`, as the suite
 * writes them: little-endian value of the 8-byte slot) or bytes (`07 00 01 00 …`).
 */
function parseRaw(text: string): Uint8Array {
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.every((t) => /^0x[0-9a-f]{1,16}$/i.test(t)) && tokens.some((t) => t.length > 4)) {
    const out = new Uint8Array(tokens.length * 8);
    const dv = new DataView(out.buffer);
    tokens.forEach((t, i) => dv.setBigUint64(i * 8, BigInt(t), true));
    return out;
  }
  return parseHexBytes(text);
}

/** Hex bytes separated by whitespace (`b7 00 …`) or run together (`b700…`). */
export function parseHexBytes(text: string): Uint8Array {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const bytes: number[] = [];
  for (const t of tokens) {
    const digits = t.replace(/^0x/i, '');
    if (!/^[0-9a-f]+$/i.test(digits)) throw new UsageError(`not a hex byte: '${t}'`);
    if (digits.length <= 2) bytes.push(parseInt(digits, 16));
    else if (digits.length % 2 === 0) for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
    else throw new UsageError(`odd number of hex digits in '${t}'`);
  }
  return Uint8Array.from(bytes);
}

/** Helper #5 of the suite: returns its first argument. */
const returnFirstArgument: Helper = (vm) => vm.regNum(1);

/** The suite's helper table: only #5. */
export const conformanceHelpers: HelperTable = new Map([[5, returnFirstArgument]]);

/**
 * Loads and runs a program the way the suite expects (see the module comment) and returns r0.
 * Throws LoadError when the VM refuses the program and VmFault when the run faults.
 */
export function runConformance(code: readonly Instruction[] | Uint8Array, mem: Uint8Array, budget?: number): bigint {
  const vm = new Vm({ budget });
  const prog = vm.load(code, { name: 'conformance', helpers: conformanceHelpers });
  const region = vm.mem.addRegion(mem, true, { kind: RegionKind.Packet, name: 'mem' });
  // An empty memory still gets a (zero-length) region: r1 is then a valid pointer to nothing.
  return vm.run(prog, vm.mem.pointer(region, 0), mem.length);
}
