/**
 * The assembler. Accepts the llvm-objdump syntax that ./disasm-llvm.ts prints (section and label
 * lines optional) and the bpf_conformance suite syntax; by default the syntax is detected from
 * the text. Errors are {@link AsmError}s carrying the 1-based line number.
 */
import { assembleWith } from './asm-common.js';
import { parseConformanceLine } from './asm-conformance.js';
import { parseLlvmLine } from './asm-llvm.js';
import type { Instruction } from './instruction.js';
import { encodeInstructions } from './instruction.js';

export type { AsmSyntax } from './asm-common.js';
import type { AsmSyntax } from './asm-common.js';

export interface AssembleOptions {
  /** Source syntax; `auto` (the default) detects it with {@link detectSyntax}. */
  syntax?: AsmSyntax | 'auto';
}

/**
 * The syntax of `source`: conformance when it writes registers as `%rN` or memory as `[…]`
 * or uses a conformance-only mnemonic on a line of its own, llvm otherwise.
 */
export function detectSyntax(source: string): AsmSyntax {
  return /%r\d|\[\s*%|^\s*(mov|add|sub|mul|div|or|and|lsh|rsh|neg|mod|xor|arsh|lddw|ldx|st|j[a-z]+|le|be|b?swap)\w*\s|^\s*call\s+(local|runtime|helper)\s/m.test(source)
    ? 'conformance'
    : 'llvm';
}

/** Assembles `source` into instruction slots (lddw takes two). */
export function assemble(source: string, options: AssembleOptions = {}): Instruction[] {
  const syntax = !options.syntax || options.syntax === 'auto' ? detectSyntax(source) : options.syntax;
  return syntax === 'conformance' ? assembleWith(source, parseConformanceLine, true) : assembleWith(source, parseLlvmLine);
}

/** Assembles `source` into little-endian program bytes. */
export function assembleBytes(source: string, options: AssembleOptions = {}): Uint8Array {
  return encodeInstructions(assemble(source, options));
}
