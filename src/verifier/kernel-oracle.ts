/**
 * Test support: loads a verifier input into the running kernel with a minimal bpf(2) call
 * (BPF_MAP_CREATE + BPF_PROG_LOAD through koffi) and returns the kernel's verdict and log. Used by
 * the agreement tests and the benchmark; not part of the library API. Needs root.
 */
import koffi from 'koffi';
import { encodeInstructions, OP_LDDW } from '../isa/index.js';
import { BPF_CMD, BPF_PSEUDO } from '../uapi/index.js';
import type { VerifierInput } from './types.js';

/** The kernel's answer for one program. */
export interface KernelVerdict {
  accepted: boolean;
  /** errno of BPF_PROG_LOAD (0 when accepted). */
  errno: number;
  log: string;
  /** `verification time N usec` from the log, when present. */
  verificationUsec?: number;
}

const SYS_bpf = 321;
const SYS_close = 3;
let syscall: ((nr: number, cmd: number, attr: Buffer, size: number) => number) | undefined;
let errnoFn: (() => number) | undefined;
let closeFd: ((nr: number, fd: number) => number) | undefined;

function bind(): void {
  if (syscall) return;
  const libc = koffi.load('libc.so.6');
  syscall = libc.func('long syscall(long nr, int cmd, _Inout_ uint8_t *attr, uint32_t size)') as unknown as typeof syscall;
  closeFd = libc.func('long syscall(long nr, int fd)') as unknown as typeof closeFd;
  const errnoLoc = libc.func('int *__errno_location()');
  errnoFn = () => koffi.decode(errnoLoc(), 'int') as number;
}

function bpf(cmd: number, attr: Buffer): { ret: number; errno: number } {
  bind();
  const ret = Number(syscall!(SYS_bpf, cmd, attr, attr.length));
  return { ret, errno: ret < 0 ? errnoFn!() : 0 };
}

/** Fills entry 0 of a map with `value` and freezes it (what loaders do with `.rodata`). */
function freezeWith(fd: number, name: string, value: Uint8Array, valueSize: number): void {
  const key = Buffer.alloc(4), val = Buffer.alloc(valueSize);
  val.set(value.subarray(0, valueSize));
  const upd = Buffer.alloc(32);
  upd.writeUInt32LE(fd, 0);
  upd.writeBigUInt64LE(koffi.address(key) as bigint, 8);
  upd.writeBigUInt64LE(koffi.address(val) as bigint, 16);
  const fz = Buffer.alloc(8);
  fz.writeUInt32LE(fd, 0);
  for (const [cmd, attr] of [[BPF_CMD.MAP_UPDATE_ELEM, upd], [BPF_CMD.MAP_FREEZE, fz]] as const) {
    const { ret, errno } = bpf(cmd, attr);
    if (ret < 0) throw new Error(`kernel refused to fill and freeze map ${name}: errno ${errno}`);
  }
}

/** Creates the input's maps, loads the program with `logLevel` and closes everything again. */
export function kernelVerify(input: VerifierInput, logLevel = 1): KernelVerdict {
  const fds: number[] = [];
  try {
    for (const m of input.maps) {
      const attr = Buffer.alloc(72);
      attr.writeUInt32LE(m.type, 0);
      attr.writeUInt32LE(m.keySize, 4);
      attr.writeUInt32LE(m.valueSize, 8);
      attr.writeUInt32LE(m.maxEntries, 12);
      attr.writeUInt32LE(m.flags >>> 0, 16);
      const { ret, errno } = bpf(BPF_CMD.MAP_CREATE, attr);
      if (ret < 0) throw new Error(`kernel refused map ${m.name}: errno ${errno}`);
      fds.push(ret);
      if (m.frozenValue) freezeWith(ret, m.name, m.frozenValue, m.valueSize);
    }
    const insns = input.insns.map((i) => ({ ...i }));
    for (let i = 0; i < insns.length; i++) {
      const insn = insns[i];
      if (insn.op !== OP_LDDW) continue;
      if (insn.src === BPF_PSEUDO.MAP_IDX || insn.src === BPF_PSEUDO.MAP_FD) {
        insn.src = BPF_PSEUDO.MAP_FD;
        insn.imm = fds[insn.imm] ?? -1;
      } else if (insn.src === BPF_PSEUDO.MAP_IDX_VALUE) {
        insn.src = BPF_PSEUDO.MAP_VALUE;
        insn.imm = fds[insn.imm] ?? -1;
      }
      i++;
    }
    const code = Buffer.from(encodeInstructions(insns));
    const license = Buffer.from('GPL\0');
    const logBuf = Buffer.alloc(logLevel ? 16 << 20 : 0);
    const attr = Buffer.alloc(152);
    attr.writeUInt32LE(input.progType, 0);
    attr.writeUInt32LE(insns.length, 4);
    attr.writeBigUInt64LE(koffi.address(code) as bigint, 8);
    attr.writeBigUInt64LE(koffi.address(license) as bigint, 16);
    attr.writeUInt32LE(logLevel, 24);
    attr.writeUInt32LE(logBuf.length, 28);
    if (logBuf.length) attr.writeBigUInt64LE(koffi.address(logBuf) as bigint, 32);
    attr.writeUInt32LE(input.expectedAttachType ?? 0, 68);
    const { ret, errno } = bpf(BPF_CMD.PROG_LOAD, attr);
    if (ret >= 0) fds.push(ret);
    const end = logBuf.indexOf(0);
    const log = logBuf.subarray(0, end < 0 ? logBuf.length : end).toString('utf8');
    const m = /verification time (\d+) usec/.exec(log);
    return { accepted: ret >= 0, errno, log, verificationUsec: m ? Number(m[1]) : undefined };
  } finally {
    for (const fd of fds) closeFd!(SYS_close, fd);
  }
}

/** The kernel's first error line: the last non-statistics line of a rejection log. */
export function kernelErrorLine(log: string): string {
  const lines = log.split('\n').filter((l) => l && !/^(processed \d+ insns|verification time|stack depth|-- END)/.test(l));
  return lines[lines.length - 1] ?? '';
}
