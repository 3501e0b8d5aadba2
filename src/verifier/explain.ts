/**
 * `--explain`: for a rejected program, the source line of the failing instruction (from
 * line_info), the path of instructions that reached it (from the level-1 log), and one sentence on
 * the usual fix for the error class.
 */
import type { VerifierInput, VerifierResult } from './types.js';

/** [pattern of the kernel message, advice]. First match wins. */
const ADVICE: [RegExp, string][] = [
  [/invalid access to packet|offset is outside of the packet/, 'add a bounds check such as `if (data + N > data_end) return ...;` covering every byte read, before this access'],
  [/invalid mem access '(map_value_or_null|ringbuf_mem_or_null)'/, 'check the pointer returned by the helper against NULL before dereferencing it'],
  [/invalid mem access 'mem_or_null'/, 'a global function\'s pointer argument may be NULL: check it first, or tag the parameter `__arg_nonnull`'],
  [/Caller passes invalid args/, 'pass what the global function\'s prototype declares: numbers for integers, the context itself for a context pointer, enough initialised memory for other pointers'],
  [/At subprogram exit the register R0/, 'a global function must return a number (an int or enum type), not a pointer'],
  [/invalid mem access 'scalar'/, 'this register holds a number, not a pointer: load the pointer again (spilled pointers must be 8-byte stack slots)'],
  [/invalid access to map value|min value is outside|max value is outside/, 'keep the offset inside the map value: check the index against the value size first'],
  [/unbounded memory access|unbounded min value/, 'bound the variable first, e.g. `idx &= MASK` or `if (idx >= N) return ...;`'],
  [/min value is negative/, 'use an unsigned index or check `if (idx < 0)` before using it'],
  [/!read_ok/, 'the register is read before being written on this path: initialise it (R0 must hold the return value at exit)'],
  [/invalid bpf_context access/, 'this context field cannot be accessed with this size by this program type: read it with its declared width'],
  [/cannot use helper/, 'this program type cannot call that helper: use one allowed for it, or change the program type (section name)'],
  [/Unreleased reference/, 'every bpf_ringbuf_reserve() must reach bpf_ringbuf_submit() or bpf_ringbuf_discard() on every path'],
  [/At program exit the register R0/, 'return a value in the range the program type allows'],
  [/unreachable insn/, 'remove the dead code (or the jump that skips it)'],
  [/jump out of range|last insn is not an exit/, 'the instruction stream is malformed: every path must end in exit and jumps must stay in their function'],
  [/too large|too complex|infinite loop/, 'the verifier could not finish: bound loops with a constant, simplify branches, or split the program with tail calls or bpf_loop()'],
  [/stack/, 'keep stack accesses within the 512-byte frame, aligned, and initialised before they are read'],
  [/pointer arithmetic|pointer .* prohibited|subtract pointer/, 'only add or subtract bounded scalars to pointers that were null-checked'],
];

/** The explanation text for a rejected result. */
export function explain(input: VerifierInput, result: VerifierResult): string {
  if (result.accepted || !result.error) return '';
  const { message, insn } = result.error;
  const out: string[] = [`error: ${message} (insn ${insn})`];
  const li = input.lineInfo ?? [];
  let line: (typeof li)[number] | undefined;
  for (const l of li) if (l.insnOff <= insn) line = l;
  if (line) out.push(`source: ${line.fileName ? `${line.fileName}:${line.lineNum ?? '?'}: ` : ''}${line.line.trim()}`);
  const path = pathFromLog(result.log);
  if (path.length) out.push(`path: ${path.join(' -> ')}`);
  const advice = ADVICE.find(([re]) => re.test(message));
  if (advice) out.push(`fix: ${advice[1]}`);
  return out.join('\n') + '\n';
}

/**
 * Instruction indices of the path that failed: the trail after the last `from X to Y` branch, or
 * from the start of the global function being verified.
 */
function pathFromLog(log: string): number[] {
  const lines = log.split('\n');
  let start = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith('from ') || lines[i].startsWith('Validating ')) start = i;
  const path: number[] = [];
  const from = /^from (\d+) to (\d+)/.exec(lines[start] ?? '');
  if (from) path.push(Number(from[1]));
  for (let i = start; i < lines.length; i++) {
    const m = /^(\d+): \(/.exec(lines[i]);
    if (m && path[path.length - 1] !== Number(m[1])) path.push(Number(m[1]));
  }
  return path;
}
