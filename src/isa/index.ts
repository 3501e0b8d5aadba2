/** tsbpf/isa: BPF instructions (RFC 9669) — encoding, assembler, disassemblers. */
export * from './opcodes.js';
export * from './instruction.js';
