/** tsbpf/elf: ELF64 reader for BPF relocatable objects. */
export * from './constants.js';
export * from './reader.js';
