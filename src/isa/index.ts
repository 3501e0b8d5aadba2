/** tsbpf/isa: BPF instructions (RFC 9669) — encoding, opcode table, validation, assembler, disassemblers. */
export * from './opcodes.js';
export * from './instruction.js';
export * from './table.js';
export * from './validate.js';
export * from './disasm-llvm.js';
export * from './disasm-conformance.js';
export { assemble, assembleBytes, detectSyntax, type AssembleOptions, type AsmSyntax } from './asm.js';
export * from './disasm-xlated.js';
