import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processedInsns, verificationTimeUsec, verifierStats } from './log.js';
import { errnoName, ERRNO, kernelError } from './errno.js';
import { parseCpuList } from '../uapi/cpus.js';
import { KernelError, TsbpfError } from '../errors.js';

const LOG = `func#0 @0
0: R1=ctx() R10=fp0
0: (b7) r0 = 2                        ; R0=2
1: (95) exit
verification time 82 usec
stack depth 0+16
processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
`;

test('verifier log figures', () => {
  assert.equal(verificationTimeUsec(LOG), 82);
  assert.equal(processedInsns(LOG), 2);
  assert.deepEqual(verifierStats(LOG), {
    processedInsns: 2, insnLimit: 1000000, maxStatesPerInsn: 0, totalStates: 1, peakStates: 1, markRead: 0,
    verificationTimeUsec: 82, stackDepth: [0, 16],
  });
  assert.equal(verificationTimeUsec('processed 2 insns'), undefined);
  assert.equal(verifierStats('R0 !read_ok'), undefined);
});

test('errno names and KernelError messages', () => {
  assert.deepEqual([1, 2, 7, 9, 13, 22, 28, 77, 524].map(errnoName), ['EPERM', 'ENOENT', 'E2BIG', 'EBADF', 'EACCES', 'EINVAL', 'ENOSPC', 'EBADFD', 'ENOTSUPP']);
  assert.equal(ERRNO.EEXIST, 17);
  assert.equal(errnoName(9999), 'errno 9999');
  const e = kernelError('bpf(BPF_MAP_CREATE)', ERRNO.EPERM);
  assert.ok(e instanceof KernelError);
  assert.equal(e.errno, 1);
  assert.equal(e.message, 'bpf(BPF_MAP_CREATE): EPERM (Operation not permitted)');
});

test('CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3,5,7-8\n'), [0, 1, 2, 3, 5, 7, 8]);
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.throws(() => parseCpuList('0-a'), TsbpfError);
});
