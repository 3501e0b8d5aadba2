/** tsbpf: the eBPF system in TypeScript. Each layer is also importable alone (tsbpf/isa, tsbpf/object, …). */
export * as uapi from './uapi/index.js';
export * as isa from './isa/index.js';
export * as kernel from './kernel/index.js';
export * as packet from './packet/index.js';
export * as pcap from './pcap/index.js';
export * as elf from './elf/index.js';
export * as btf from './btf/index.js';
export * as object from './object/index.js';
export * as vm from './vm/index.js';
export * from './errors.js';
export * as maps from './vm/maps/index.js';
export * as verifier from './verifier/index.js';
