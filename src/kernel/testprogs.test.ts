/**
 * Instruction builders and small programs shared by the kernel tests (raw Instruction slots, no
 * assembler needed). Named *.test.ts so it stays out of the package; it holds no tests itself.
 */
import { ALU, CLASS, JMP, MODE, SIZE, SRC, OP_CALL, OP_EXIT, OP_LDDW, type Instruction } from '../isa/index.js';
import koffi from 'koffi';
import { BPF_FUNC, BPF_PSEUDO } from '../uapi/index.js';

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
export const mov64 = (dst: number, imm: number) => insn(CLASS.ALU64 | ALU.MOV | SRC.K, dst, 0, 0, imm);
export const mov32 = (dst: number, imm: number) => insn(CLASS.ALU | ALU.MOV | SRC.K, dst, 0, 0, imm);
export const movReg = (dst: number, src: number) => insn(CLASS.ALU64 | ALU.MOV | SRC.X, dst, src);
export const addImm = (dst: number, imm: number) => insn(CLASS.ALU64 | ALU.ADD | SRC.K, dst, 0, 0, imm);
export const subReg = (dst: number, src: number) => insn(CLASS.ALU64 | ALU.SUB | SRC.X, dst, src);
export const ldxw = (dst: number, src: number, off: number) => insn(CLASS.LDX | MODE.MEM | SIZE.W, dst, src, off);
export const stxdw = (dst: number, off: number, src: number) => insn(CLASS.STX | MODE.MEM | SIZE.DW, dst, src, off);
export const call = (helper: number) => insn(OP_CALL, 0, 0, 0, helper);
export const exit = () => insn(OP_EXIT);
export const ja = (off: number) => insn(CLASS.JMP | JMP.JA, 0, 0, off);
/** `lddw dst, map` with BPF_PSEUDO_MAP_FD (two slots). */
export const ldMapFd = (dst: number, fd: number): Instruction[] => [insn(OP_LDDW, dst, BPF_PSEUDO.MAP_FD, 0, fd), insn(0)];

/** XDP: `r0 = action; exit`. */
export const xdpReturn = (action: number): Instruction[] => [mov64(0, action), exit()];

/**
 * XDP program that sends a 16-byte record {u64 magic, u64 packet length} with
 * `bpf_ringbuf_output(map, rec, 16, 0)` (helper `ringbuf`) or
 * `bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, rec, 16)` (helper `perf`), then passes.
 */
export function xdpRecordWriter(mapFd: number, via: 'ringbuf' | 'perf', magic: number): Instruction[] {
  const prologue = [
    movReg(6, 1),
    ldxw(2, 1, 4), // r2 = ctx->data_end
    ldxw(3, 1, 0), // r3 = ctx->data
    subReg(2, 3),
    stxdw(10, -8, 2),
    mov64(2, magic),
    stxdw(10, -16, 2),
  ];
  const output = via === 'ringbuf'
    ? [...ldMapFd(1, mapFd), movReg(2, 10), addImm(2, -16), mov64(3, 16), mov64(4, 0), call(BPF_FUNC.ringbuf_output)]
    : [movReg(1, 6), ...ldMapFd(2, mapFd), mov32(3, -1), movReg(4, 10), addImm(4, -16), mov64(5, 16), call(BPF_FUNC.perf_event_output)];
  return [...prologue, ...output, ...xdpReturn(2)];
}

/**
 * XDP program that reserves a 16-byte ring buffer record {u64 packet length, u64 0}, then
 * submits it when the length is even and discards it when odd (bpf_ringbuf_reserve/submit/discard).
 */
export function xdpReserveSubmitDiscard(mapFd: number): Instruction[] {
  return [
    ldxw(7, 1, 4), ldxw(3, 1, 0), subReg(7, 3), // r7 = data_end - data
    ...ldMapFd(1, mapFd), mov64(2, 16), mov64(3, 0), call(BPF_FUNC.ringbuf_reserve),
    insn(CLASS.JMP | JMP.JEQ | SRC.K, 0, 0, 11, 0), // if r0 == 0 goto out
    stxdw(0, 0, 7), mov64(2, 0), stxdw(0, 8, 2),
    movReg(1, 0), mov64(2, 0),
    movReg(8, 7), insn(CLASS.ALU64 | ALU.AND | SRC.K, 8, 0, 0, 1),
    insn(CLASS.JMP | JMP.JNE | SRC.K, 8, 0, 2, 0), // if r8 != 0 goto discard
    call(BPF_FUNC.ringbuf_submit), ja(1),
    call(BPF_FUNC.ringbuf_discard),
    ...xdpReturn(2), // out
  ];
}

const libc = koffi.load('libc.so.6');
const sched_getaffinity = libc.func('int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)');
const sched_setaffinity = libc.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)');

/** Runs `fn` with the calling thread pinned to `cpu` (test-runs then execute on that CPU). */
export function onCpu<T>(cpu: number, fn: () => T): T {
  const saved = new Uint8Array(128);
  if (sched_getaffinity(0, saved.length, saved) < 0) throw new Error('sched_getaffinity failed');
  const mask = new Uint8Array(128);
  mask[cpu >> 3] |= 1 << (cpu & 7);
  if (sched_setaffinity(0, mask.length, mask) < 0) throw new Error(`sched_setaffinity(cpu ${cpu}) failed`);
  try {
    return fn();
  } finally {
    sched_setaffinity(0, saved.length, saved);
  }
}
