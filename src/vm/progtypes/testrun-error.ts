import { RunInputError, type Location } from '../../errors.js';
import { errnoName } from '../maps/errno.js';

/** An input BPF_PROG_TEST_RUN refuses; `errno` is what the kernel's bpf(2) fails with. */
export class TestRunError extends RunInputError {
  constructor(message: string, readonly errno: number, location: Location = {}) {
    super(`${message} (${errnoName(errno)})`, location);
  }
}
