/** The errno values the program-type layer and helpers return (Linux numbers, src/uapi/errno.ts). */
import { ERRNO } from '../../uapi/errno.js';

export const { EINVAL, EFAULT, ENOENT, E2BIG, ENODEV, ENOSPC, ENOMEM, EACCES, EOPNOTSUPP, ENOTSUPP } = ERRNO;
