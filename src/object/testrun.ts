/**
 * The backend-neutral shape of a program test-run (BPF_PROG_TEST_RUN): the kernel backend's
 * KernelProgram.testRun and the VM's program run take and return these, so either backend can be
 * swapped for the other.
 */

/** Options of a test-run. */
export interface TestRunOptions {
  dataIn?: Uint8Array;
  /** Capacity for data_out; default dataIn.length + 4096 (room for head/tail growth). 0 disables it. */
  dataOutSize?: number;
  ctxIn?: Uint8Array;
  /** Capacity for ctx_out; default 0: no ctx_out (some types, e.g. raw_tracepoint, refuse one). */
  ctxOutSize?: number;
  /** Runs of the program; the reported duration is the mean per run in ns. */
  repeat?: number;
  /** `BPF_F_TEST_*` flags. */
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

/** Result of a test-run. */
export interface TestRunResult {
  /** r0 of the program (u32, as the kernel reports it). */
  retval: number;
  /** Mean ns per run (the kernel's figure). */
  duration: number;
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
}
