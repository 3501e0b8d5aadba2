/**
 * KernelProgram: a program loaded with BPF_PROG_LOAD, run with BPF_PROG_TEST_RUN, inspected with
 * BPF_OBJ_GET_INFO_BY_FD. Loading collects the verifier log the way libbpf does: without a log
 * buffer first when none was asked for, and on failure again with log_level 1 so the error
 * carries the verifier's explanation; a log that did not fit (ENOSPC) is retried with the size
 * the kernel reports in log_true_size.
 */
import { progTypeName } from '../uapi/index.js';
import { attachTypeId, progTypeId } from './names.js';
import { KernelError, type Location } from '../errors.js';
import { encodeInstructions, INSN_SIZE, type Instruction } from '../isa/index.js';
import { FdObject, adoptFd, expectKind } from './fd.js';
import { GET_ID, PROG_LOAD, TEST_RUN, readU32 } from './layout.js';
import { NativeBuffer, ScratchBuffer } from './libc.js';
import { bpf, bpfTry, lastAttr } from './syscall.js';
import { ERRNO, errnoName, kernelError } from './errno.js';
import { progInfo, type ProgInfo } from './info.js';
import { objGet, objPin } from './pin.js';

/** BTF.ext records handed to the kernel with the program (func_info / line_info). */
export interface BtfExtRecords {
  /** Size of one record (`struct bpf_func_info` = 8, `struct bpf_line_info` = 16). */
  recSize: number;
  /** The records, `count * recSize` bytes. */
  bytes: Uint8Array;
}

export interface ProgramOptions {
  /** Program type id or bpftool name (`xdp`, `sched_cls`, `socket_filter`…). */
  type: number | string;
  /** Instructions: encoded bytes or Instruction slots. */
  insns: Uint8Array | readonly Instruction[];
  /** Default "GPL". */
  license?: string;
  /** Up to 15 characters of `[A-Za-z0-9_.]`. */
  name?: string;
  kernVersion?: number;
  /** `BPF_F_*` program flags (prog_flags). */
  flags?: number;
  /** Attach type id or name (`cgroup_inet_ingress`, `xdp`…). */
  expectedAttachType?: number | string;
  ifindex?: number;
  /** Program BTF (fd of a BPF_BTF_LOAD object) with its func_info / line_info. */
  btfFd?: number;
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  /** `struct bpf_core_relo` records: the kernel applies these CO-RE relocations itself (needs btfFd). */
  coreRelos?: BtfExtRecords;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  attachProgFd?: number;
  /** Map fds referenced by `BPF_PSEUDO_MAP_IDX` instructions. */
  fdArray?: readonly number[];
  /** 0 (default: log only on failure), 1, 2 (per-instruction states), plus 4 (BPF_LOG_STATS). */
  logLevel?: number;
  /** Initial log buffer size (grown to log_true_size when too small). Default 64 KiB. */
  logSize?: number;
}

/** BPF_PROG_LOAD refused the program; `log` is the verifier's log (log_level 1 at least). */
export class VerifierError extends KernelError {
  constructor(message: string, errno: number, readonly log: string, location?: Location) {
    super(message, errno, location);
  }
}

export type { TestRunOptions, TestRunResult } from '../object/testrun.js';
import type { TestRunOptions, TestRunResult } from '../object/testrun.js';

const DEFAULT_LOG_SIZE = 64 * 1024;
/** The kernel's limit on log_size (UINT_MAX >> 2, kernel/bpf/log.c). */
const MAX_LOG_SIZE = 0xffffffff >>> 2;
const textDecoder = new TextDecoder();

/** The log text in a log buffer (NUL-terminated). */
function logText(buf: NativeBuffer): string {
  const end = buf.bytes.indexOf(0);
  return textDecoder.decode(buf.bytes.subarray(0, end < 0 ? buf.size : end));
}

/** The verifier's own error line(s): the log's tail before the `processed …` summary. */
function logTail(log: string, lines = 4): string {
  const all = log.trimEnd().split('\n').filter((l) => !/^(processed \d+ insns|verification time|stack depth)/.test(l));
  return all.slice(-lines).join('\n');
}

export class KernelProgram extends FdObject {
  readonly type: number;
  readonly name: string;
  readonly expectedAttachType: number;
  /** The verifier log of the load (empty when loaded with log_level 0). */
  readonly verifierLog: string;
  readonly #data = new ScratchBuffer();
  readonly #dataOut = new ScratchBuffer();
  readonly #ctx = new ScratchBuffer();
  readonly #ctxOut = new ScratchBuffer();

  private constructor(fd: number, type: number, name: string, expectedAttachType: number, log: string) {
    super(fd);
    this.type = type;
    this.name = name;
    this.expectedAttachType = expectedAttachType;
    this.verifierLog = log;
  }

  /** BPF_PROG_LOAD; throws VerifierError (with the log) when the kernel refuses the program. */
  static load(o: ProgramOptions): KernelProgram {
    const type = progTypeId(o.type);
    const attachType = o.expectedAttachType === undefined ? 0 : attachTypeId(o.expectedAttachType);
    const insns = o.insns instanceof Uint8Array ? o.insns : encodeInstructions(o.insns);
    const license = new TextEncoder().encode(o.license ?? 'GPL');
    const fdArray = o.fdArray ?? [];
    // One native block for everything BPF_PROG_LOAD reads through a pointer.
    const empty = new Uint8Array(0);
    const funcInfo = o.funcInfo?.bytes ?? empty, lineInfo = o.lineInfo?.bytes ?? empty, coreRelos = o.coreRelos?.bytes ?? empty;
    const offLicense = insns.length, offFunc = offLicense + license.length + 1, offLine = offFunc + funcInfo.length;
    const offCore = offLine + lineInfo.length, offFds = offCore + coreRelos.length, total = offFds + fdArray.length * 4;
    const block = new NativeBuffer(total);
    block.bytes.set(insns);
    block.bytes.set(license, offLicense);
    block.bytes.set(funcInfo, offFunc);
    block.bytes.set(lineInfo, offLine);
    block.bytes.set(coreRelos, offCore);
    fdArray.forEach((fd, i) => block.view.setInt32(offFds + i * 4, fd, true));
    const at = (off: number) => block.addr + BigInt(off);
    const where: Location = o.name ? { program: o.name } : {};
    const load = (logLevel: number, log: NativeBuffer | undefined) => bpfTry('PROG_LOAD', PROG_LOAD, {
      prog_type: type, insn_cnt: insns.length / INSN_SIZE, insns: block.addr, license: at(offLicense),
      log_level: logLevel, log_size: log?.size ?? 0, log_buf: log?.addr ?? 0n, kern_version: o.kernVersion ?? 0,
      prog_flags: o.flags ?? 0, prog_name: o.name ?? '', prog_ifindex: o.ifindex ?? 0, expected_attach_type: attachType,
      prog_btf_fd: o.btfFd ?? 0,
      func_info_rec_size: o.funcInfo?.recSize ?? 0, func_info: o.funcInfo ? at(offFunc) : 0n,
      func_info_cnt: o.funcInfo ? funcInfo.length / o.funcInfo.recSize : 0,
      line_info_rec_size: o.lineInfo?.recSize ?? 0, line_info: o.lineInfo ? at(offLine) : 0n,
      line_info_cnt: o.lineInfo ? lineInfo.length / o.lineInfo.recSize : 0,
      attach_btf_id: o.attachBtfId ?? 0, attach_prog_fd: o.attachProgFd ?? o.attachBtfObjFd ?? 0,
      fd_array: fdArray.length ? at(offFds) : 0n,
      core_relos: o.coreRelos ? at(offCore) : 0n, core_relo_cnt: o.coreRelos ? coreRelos.length / o.coreRelos.recSize : 0,
      core_relo_rec_size: o.coreRelos?.recSize ?? 0,
    });
    try {
      if (insns.length % INSN_SIZE !== 0 || insns.length === 0) {
        throw new KernelError(`program of ${insns.length} bytes is not a whole number of instructions`, ERRNO.EINVAL, where);
      }
      const requested = o.logLevel ?? 0;
      if (requested === 0) {
        const fd = load(0, undefined);
        if (fd >= 0) return new KernelProgram(fd, type, o.name ?? '', attachType, '');
      }
      // With a log: grow the buffer while the kernel says the log did not fit.
      const level = requested || 1;
      let size = Math.max(o.logSize ?? DEFAULT_LOG_SIZE, 128);
      for (;;) {
        const log = new NativeBuffer(size);
        try {
          const fd = load(level, log);
          const text = logText(log);
          if (fd >= 0) return new KernelProgram(fd, type, o.name ?? '', attachType, text);
          const trueSize = readU32(lastAttr(), PROG_LOAD.fields.log_true_size);
          if (-fd === ERRNO.ENOSPC && trueSize > size && size < MAX_LOG_SIZE) {
            size = Math.min(trueSize, MAX_LOG_SIZE);
            continue;
          }
          const name = o.name ? ` "${o.name}"` : '';
          throw new VerifierError(
            `bpf(BPF_PROG_LOAD) ${progTypeName(type)} program${name}: ${errnoName(-fd)}${text ? `\n${logTail(text)}` : ''}`,
            -fd, text, where);
        } finally {
          log.free();
        }
      }
    } finally {
      block.free();
    }
  }

  /** Takes ownership of a program fd (type and name from BPF_OBJ_GET_INFO_BY_FD). */
  static fromFd(fd: number): KernelProgram {
    expectKind(fd, 'program');
    const info = progInfo(fd);
    return new KernelProgram(fd, info.type, info.name, 0, '');
  }

  /** Opens the program with this id (BPF_PROG_GET_FD_BY_ID). */
  static fromId(id: number): KernelProgram {
    return adoptFd(bpf('PROG_GET_FD_BY_ID', GET_ID, { prog_id: id }), KernelProgram.fromFd);
  }

  /** Opens a program pinned in bpffs (BPF_OBJ_GET). */
  static fromPin(path: string): KernelProgram {
    return adoptFd(objGet(path), KernelProgram.fromFd);
  }

  /** bpftool's name of the program type. */
  get typeName(): string {
    return progTypeName(this.type);
  }

  /** `struct bpf_prog_info` with xlated/jited instructions and map ids. */
  info(): ProgInfo {
    return progInfo(this.fd);
  }

  /** Pins the program at `path` in bpffs. */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  /** BPF_PROG_TEST_RUN. */
  testRun(o: TestRunOptions = {}): TestRunResult {
    const fd = this.fd; // EBADF before touching the scratch buffers of a closed program
    const dataIn = o.dataIn, ctxIn = o.ctxIn;
    const dataOutSize = o.dataOutSize ?? (dataIn ? dataIn.length + 4096 : 0);
    const ctxOutSize = o.ctxOutSize ?? 0;
    const din = dataIn ? this.#data.get(dataIn.length) : undefined;
    const cin = ctxIn ? this.#ctx.get(ctxIn.length) : undefined;
    const dout = dataOutSize ? this.#dataOut.get(dataOutSize) : undefined;
    const cout = ctxOutSize ? this.#ctxOut.get(ctxOutSize) : undefined;
    if (din && dataIn) din.bytes.set(dataIn);
    if (cin && ctxIn) cin.bytes.set(ctxIn);
    const ret = bpfTry('PROG_TEST_RUN', TEST_RUN, {
      prog_fd: fd, data_size_in: dataIn?.length ?? 0, data_in: din?.addr ?? 0n,
      data_size_out: dataOutSize, data_out: dout?.addr ?? 0n, repeat: o.repeat ?? 0,
      ctx_size_in: ctxIn?.length ?? 0, ctx_in: cin?.addr ?? 0n, ctx_size_out: ctxOutSize, ctx_out: cout?.addr ?? 0n,
      flags: o.flags ?? 0, cpu: o.cpu ?? 0, batch_size: o.batchSize ?? 0,
    });
    if (ret < 0) throw kernelError(`bpf(BPF_PROG_TEST_RUN) ${this.typeName} program${this.name ? ` "${this.name}"` : ''}`, -ret);
    const f = TEST_RUN.fields;
    const result: TestRunResult = { retval: readU32(lastAttr(), f.retval), duration: readU32(lastAttr(), f.duration) };
    if (dout) result.dataOut = dout.bytes.slice(0, Math.min(readU32(lastAttr(), f.data_size_out), dataOutSize));
    if (cout) result.ctxOut = cout.bytes.slice(0, Math.min(readU32(lastAttr(), f.ctx_size_out), ctxOutSize));
    return result;
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    this.#data.free();
    this.#dataOut.free();
    this.#ctx.free();
    this.#ctxOut.free();
  }
}
