/** tsbpf/kernel: the kernel backend — bpf(2) through koffi, maps, programs, pins, links, ring/perf buffers. */
export * from './errno.js';
export * from './layout.js';
export { bpf, bpfTry, closeFd } from './syscall.js';
export { NativeBuffer } from './libc.js';
export * from './cpus.js';
export * from './info.js';
export * from './pin.js';
export * from './log.js';
export * from './map.js';
export * from './program.js';
export * from './link.js';
export * from './btf.js';
export * from './ringbuf.js';
export * from './perfbuf.js';
export { Epoll } from './epoll.js';
export * from './ids.js';
