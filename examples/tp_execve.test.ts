/**
 * Testing a tracing program with tsbpf: give the tracepoint record as the context (its pointers
 * point at memory registered with `addMemory`, what the program reads with
 * bpf_probe_read_user*), set the simulated current task, and assert on the ring-buffer records.
 * Run by `npm test` (src/vm/examples.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openObject } from 'tsbpf/vm';
import { RingBufMap } from 'tsbpf/vm/maps';

const OBJECT = new URL('./tp_execve.o', import.meta.url).pathname;
const cstr = (s: string) => new TextEncoder().encode(s + '\0');
const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));

test('tp_execve reports pid, uid, comm, filename and arguments of an execve', async () => {
  const obj = await openObject(OBJECT, { cpus: 1, task: { pid: 1201, tgid: 1200, uid: 1000, gid: 1000, comm: 'bash' } });

  // The user memory of the execve("/bin/ls", ["ls", "-l", NULL]) call.
  const filename = obj.addMemory(cstr('/bin/ls'));
  const args = [obj.addMemory(cstr('ls')), obj.addMemory(cstr('-l'))];
  const argv = new Uint8Array(24);
  const av = new DataView(argv.buffer);
  args.forEach((a, i) => av.setBigUint64(i * 8, a, true));
  const argvAddr = obj.addMemory(argv);

  // struct sys_enter_execve_args: 8-byte common header, syscall_nr, pad, filename, argv, envp.
  const ctx = new Uint8Array(40);
  const cv = new DataView(ctx.buffer);
  cv.setInt32(8, 59, true);
  cv.setBigUint64(16, filename, true);
  cv.setBigUint64(24, argvAddr, true);

  const r = obj.program('tp_execve').run({ ctxIn: ctx });
  assert.equal(r.retval, 0);

  const events = obj.map('events') as RingBufMap;
  const records = events.drain();
  assert.equal(records.length, 1);
  const e = records[0], ev = new DataView(e.buffer, e.byteOffset, e.byteLength);
  assert.deepEqual([ev.getUint32(0, true), ev.getUint32(4, true), ev.getUint32(8, true), ev.getUint32(12, true)], [1200, 1201, 1000, 2]);
  assert.equal(text(e.subarray(16, 32)), 'bash');
  assert.equal(text(e.subarray(32, 160)), '/bin/ls');
  assert.deepEqual([text(e.subarray(160, 224)), text(e.subarray(224, 288))], ['ls', '-l']);
});
