/**
 * Typed errors. Every failure that bad input can cause is one of these, carrying where it
 * happened (file, section, byte offset, instruction index, source line) so that messages say
 * `file.o: section xdp, insn 12: …` instead of a stack trace.
 */

export interface Location {
  file?: string;
  section?: string;
  /** Byte offset in the file (or in the section, when `section` is set and `fileOffset` is false). */
  offset?: number;
  /** Instruction (slot) index. */
  insn?: number;
  /** 1-based line in a text input (assembly, pcap index…). */
  line?: number;
  program?: string;
}

export class TsbpfError extends Error {
  readonly location: Location;
  constructor(message: string, location: Location = {}) {
    super(message);
    this.name = new.target.name;
    this.location = { ...location };
  }
  /** The message prefixed with its location. */
  override toString(): string {
    return `${formatLocation(this.location)}${this.message}`;
  }
  /** Returns a copy of this error with more location fields filled in (existing ones win). */
  at(extra: Location): this {
    const e = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(e, this);
    (e as { location: Location }).location = { ...extra, ...this.location };
    e.message = this.message;
    e.stack = this.stack;
    return e;
  }
}

export function formatLocation(l: Location): string {
  const parts: string[] = [];
  if (l.file) parts.push(l.file);
  if (l.section) parts.push(`section ${l.section}`);
  if (l.program) parts.push(`program ${l.program}`);
  if (l.offset !== undefined) parts.push(`offset 0x${l.offset.toString(16)}`);
  if (l.insn !== undefined) parts.push(`insn ${l.insn}`);
  if (l.line !== undefined) parts.push(`line ${l.line}`);
  return parts.length ? parts.join(': ') + ': ' : '';
}

/** Malformed ELF container. */
export class ElfError extends TsbpfError {}
/** Malformed BTF or .BTF.ext. */
export class BtfError extends TsbpfError {}
/** Invalid instruction encoding. */
export class IsaError extends TsbpfError {}
/** Assembly syntax error. */
export class AsmError extends TsbpfError {}
/** ELF is well-formed but not a loadable BPF object (bad relocation, unknown map definition…). */
export class ObjectError extends TsbpfError {}
/** A program or map the backend cannot load (unsupported helper/map type, verifier rejection…). */
export class LoadError extends TsbpfError {}
/** The verifier refused a program; `log` is its kernel-format log (level 1). */
export class VerifierRejectError extends LoadError {
  constructor(message: string, readonly log: string, location: Location = {}) {
    super(message, location);
  }
}
/** Run-time fault in the VM (memory check failed, bad call…). */
export class VmFault extends TsbpfError {}
/** Input a test-run refuses (like the kernel's -EINVAL). */
export class RunInputError extends TsbpfError {}
/** A bpf(2)/netlink/perf syscall failed. */
export class KernelError extends TsbpfError {
  constructor(message: string, readonly errno: number, location: Location = {}) {
    super(message, location);
  }
}
/** Bad command-line usage. */
export class UsageError extends TsbpfError {}
