/** The errno values the program-type layer returns (from node's table, i.e. Linux's). */
import { constants } from 'node:os';

export const { EINVAL, EFAULT, ENOENT, E2BIG, ENODEV, ENOSPC, ENOMEM, EACCES, EOPNOTSUPP, ENOTSUP } = constants.errno;
/** The kernel-internal ENOTSUPP (524), returned by some helpers. */
export const ENOTSUPP = 524;
