/** bpf_get_stackid / bpf_get_stack over the simulated call chains, and the stack trace map. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRNO } from '../../uapi/errno.js';
import { BPF_F, BPF_F_STACK as F, BPF_MAP_TYPE, BPF_PROG_TYPE } from '../../uapi/index.js';
import { createMap } from '../maps/factory.js';
import { StackTraceMap } from '../maps/stack.js';
import { loadVmObject } from '../object.js';
import { ldMap, mapSpec, objectSpec } from '../object.test.kit.js';
import { DEFAULT_KERNEL_STACK, type RunEnvOptions } from './env.js';

const k4 = (n: number) => Uint8Array.of(n, n >> 8, n >> 16, n >> 24);
const ctxIn = new Uint8Array(8);
const signed = (r0: bigint) => Number(BigInt.asIntN(64, r0));

/** A raw tracepoint program calling bpf_get_stackid(ctx, stacks, flags) with a map of `maxEntries` × `depth` ips. */
function stackid(depth: number, maxEntries: number, env: RunEnvOptions = {}, mapFlags = 0) {
  const obj = loadVmObject(objectSpec(['r3 = *(u64 *)(r1 + 0)', ldMap(2, 0), 'call 27', 'exit'].join('\n'), [mapSpec('stacks', BPF_MAP_TYPE.STACK_TRACE, 4, depth * 8, maxEntries, mapFlags)], BPF_PROG_TYPE.RAW_TRACEPOINT, 'raw_tracepoint/x'), { cpus: 1, ...env });
  const flagsIn = new Uint8Array(8);
  const run = (flags: number) => { new DataView(flagsIn.buffer).setUint32(0, flags, true); return signed(obj.program('p').run({ ctxIn: flagsIn }).r0); };
  return { run, map: obj.map('stacks') as StackTraceMap };
}

test('stack_trace: creation checks (value_size multiple of 8, build-id entries), syscall semantics', () => {
  assert.throws(() => createMap({ type: 'stack_trace', keySize: 4, valueSize: 12, maxEntries: 4 }), /multiple of 8/);
  assert.throws(() => createMap({ type: 'stack_trace', keySize: 4, valueSize: 8, maxEntries: 4, flags: BPF_F.STACK_BUILD_ID }), /multiple of 32/);
  const m = createMap({ type: 'stack_trace', keySize: 4, valueSize: 64, maxEntries: 3, flags: BPF_F.STACK_BUILD_ID }) as StackTraceMap;
  assert.equal(m.nBuckets, 4);
  assert.equal(m.maxDepth, 2);
  assert.equal(m.updateElem(k4(0), new Uint8Array(64)), -ERRNO.EINVAL);
  assert.equal(m.deleteElem(k4(4)), -ERRNO.E2BIG);
  assert.equal(m.deleteElem(k4(1)), -ERRNO.ENOENT);
  assert.equal(m.nextKey(), undefined);
});

test('bpf_get_stackid: stores the kernel chain under its hash bucket, same trace → same id, bytes zero-filled', () => {
  const { run, map } = stackid(6, 16);
  const id = run(0);
  assert.ok(id >= 0 && id < 16);
  assert.equal(run(0), id);
  assert.deepEqual(map.stack(id), DEFAULT_KERNEL_STACK);
  const bytes = map.lookupElem(k4(id)) as Uint8Array;
  assert.equal(bytes.length, 48);
  assert.equal(new DataView(bytes.buffer).getBigUint64(8, true), DEFAULT_KERNEL_STACK[1]);
  assert.deepEqual([...bytes.subarray(32)], new Array(16).fill(0));
  assert.deepEqual(map.nextKey(), k4(id));
  assert.equal(map.deleteElem(k4(id)), 0);
  assert.equal(map.lookupElem(k4(id)), undefined);
});

test('bpf_get_stackid: skip, depth limit, user stack, bad flags', () => {
  const { run, map } = stackid(2, 16, { userStack: [0x401000n, 0x402000n, 0x403000n] });
  assert.deepEqual(map.stack(run(1)), DEFAULT_KERNEL_STACK.slice(1, 3), 'skip 1, then value_size / 8 ips');
  assert.deepEqual(map.stack(run(F.USER_STACK)), [0x401000n, 0x402000n]);
  assert.equal(run(4), -ERRNO.EFAULT, 'skipping the whole chain');
  assert.equal(run(F.USER_BUILD_ID), -ERRNO.EINVAL, 'a bpf_get_stack-only flag');
  assert.equal(stackid(2, 4).run(F.USER_STACK), -ERRNO.EFAULT, 'default: no user stack');
});

test('bpf_get_stackid: a bucket collision is -EEXIST unless BPF_F_REUSE_STACKID; FAST_STACK_CMP trusts the hash', () => {
  const { run, map } = stackid(4, 1); // one bucket: every trace collides
  assert.equal(run(0), 0);
  assert.equal(run(1), -ERRNO.EEXIST);
  assert.equal(run(1 | F.REUSE_STACKID), 0);
  assert.deepEqual(map.stack(0), DEFAULT_KERNEL_STACK.slice(1));
  assert.equal(run(1 | F.FAST_STACK_CMP), 0);
});

test('bpf_get_stackid on a build-id map stores entries with status BPF_STACK_BUILD_ID_IP', () => {
  const { run, map } = stackid(8, 4, {}, BPF_F.STACK_BUILD_ID); // 64 bytes: 2 entries
  const id = run(0);
  assert.deepEqual(map.stack(id), DEFAULT_KERNEL_STACK.slice(0, 2));
  const v = map.lookupElem(k4(id)) as Uint8Array;
  assert.equal(new DataView(v.buffer).getInt32(32, true), 2);
});

/** A raw tracepoint program calling bpf_get_stack(ctx, array value, size, flags); returns r0 and the buffer. */
function getStack(size: number, flags: number, env: RunEnvOptions = {}) {
  const asm = [
    'r6 = r1', 'r1 = 0', '*(u32 *)(r10 - 4) = r1', ldMap(1, 0), 'r2 = r10', 'r2 += -4', 'call 1', 'if r0 == 0 goto +6',
    'r1 = r6', 'r2 = r0', `r3 = ${size}`, `r4 = ${flags}`, 'call 67', 'exit', 'r0 = 99', 'exit',
  ].join('\n');
  const obj = loadVmObject(objectSpec(asm, [mapSpec('buf', BPF_MAP_TYPE.ARRAY, 4, 128, 1)], BPF_PROG_TYPE.RAW_TRACEPOINT, 'raw_tracepoint/x'), { cpus: 1, ...env });
  const map = obj.map('buf');
  map.updateElem(k4(0), new Uint8Array(128).fill(0xee));
  const r0 = signed(obj.program('p').run({ ctxIn }).r0);
  const buf = map.lookupElem(k4(0)) as Uint8Array;
  return { r0, ips: Array.from({ length: 16 }, (_, i) => new DataView(buf.buffer).getBigUint64(i * 8, true)), buf };
}

test('bpf_get_stack: copies the chain, zero-fills the rest of size, returns the bytes copied', () => {
  const k = DEFAULT_KERNEL_STACK;
  const full = getStack(48, 0);
  assert.equal(full.r0, 32);
  assert.deepEqual(full.ips.slice(0, 6), [...k, 0n, 0n]);
  assert.equal(full.buf[48], 0xee, 'nothing past size is written');
  assert.deepEqual(getStack(16, 1).ips.slice(0, 2), k.slice(1, 3));
  assert.equal(getStack(16, 1).r0, 16);
  assert.equal(getStack(16, F.USER_STACK).r0, 0, 'no user stack: nothing copied');
  assert.equal(getStack(16, 5).r0, -ERRNO.EFAULT, 'skip past the chain');
  const bad = getStack(12, 0);
  assert.equal(bad.r0, -ERRNO.EINVAL);
  assert.deepEqual([...bad.buf.subarray(0, 12)], new Array(12).fill(0), 'errors clear the buffer');
  assert.equal(getStack(64, F.USER_BUILD_ID).r0, -ERRNO.EINVAL, 'build ids only for user stacks');
  assert.equal(getStack(16, F.FAST_STACK_CMP).r0, -ERRNO.EINVAL);
  const ids = getStack(64, F.USER_STACK | F.USER_BUILD_ID, { userStack: [0x401000n] });
  assert.equal(ids.r0, 32);
  assert.equal(new DataView(ids.buf.buffer).getInt32(0, true), 2);
  assert.equal(ids.ips[3], 0x401000n);
});
