/** BPF_BTF_LOAD: BTF blobs (the `.BTF` section of an object) loaded into the kernel, with the BTF verifier's log. */
import { FdObject } from './fd.js';
import { BTF_LOAD, GET_ID, readU32 } from './layout.js';
import { NativeBuffer } from './libc.js';
import { bpf, bpfTry, lastAttr } from './syscall.js';
import { ERRNO, errnoName } from './errno.js';
import { VerifierError } from './program.js';

const DEFAULT_LOG_SIZE = 64 * 1024;

export class KernelBtf extends FdObject {
  /** The BTF verifier's log (empty when loaded with log_level 0). */
  readonly log: string;

  private constructor(fd: number, log: string) {
    super(fd);
    this.log = log;
  }

  /**
   * Loads raw BTF (header, types, strings). Without `logLevel` the first attempt has no log and a
   * failure is retried with log_level 1; the thrown VerifierError carries the kernel's BTF log.
   */
  static load(bytes: Uint8Array, o: { logLevel?: number; logSize?: number } = {}): KernelBtf {
    const blob = new NativeBuffer(bytes.length);
    blob.bytes.set(bytes);
    try {
      if (!o.logLevel) {
        const fd = bpfTry('BTF_LOAD', BTF_LOAD, { btf: blob.addr, btf_size: bytes.length });
        if (fd >= 0) return new KernelBtf(fd, '');
      }
      let size = Math.max(o.logSize ?? DEFAULT_LOG_SIZE, 128);
      for (;;) {
        const log = new NativeBuffer(size);
        try {
          const fd = bpfTry('BTF_LOAD', BTF_LOAD, {
            btf: blob.addr, btf_size: bytes.length, btf_log_buf: log.addr, btf_log_size: size, btf_log_level: o.logLevel || 1,
          });
          const end = log.bytes.indexOf(0);
          const text = new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? size : end));
          if (fd >= 0) return new KernelBtf(fd, text);
          const trueSize = readU32(lastAttr(), BTF_LOAD.fields.btf_log_true_size);
          if (-fd === ERRNO.ENOSPC && trueSize > size) {
            size = trueSize;
            continue;
          }
          const last = text.trimEnd().split('\n').slice(-3).join('\n');
          throw new VerifierError(`bpf(BPF_BTF_LOAD): ${errnoName(-fd)}${last ? `\n${last}` : ''}`, -fd, text);
        } finally {
          log.free();
        }
      }
    } finally {
      blob.free();
    }
  }

  /** Opens the BTF object with this id (BPF_BTF_GET_FD_BY_ID), e.g. a module's or a program's. */
  static fromId(id: number): KernelBtf {
    return new KernelBtf(bpf('BTF_GET_FD_BY_ID', GET_ID, { btf_id: id }), '');
  }
}
