import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, requireOrSkip } from '../test-support.js';
import { KernelBtf } from './btf.js';
import { KernelMap } from './map.js';
import { VerifierError } from './program.js';
import { ERRNO } from './errno.js';

/** Raw BTF with one type: `int` (BTF_KIND_INT, 4 bytes, `bits` bits, signed). */
function intBtf(bits = 32): Uint8Array {
  const strings = new TextEncoder().encode('\0int\0');
  const typeLen = 16, hdrLen = 24;
  const out = new Uint8Array(hdrLen + typeLen + strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true); v.setUint8(2, 1); v.setUint8(3, 0);
  v.setUint32(4, hdrLen, true); v.setUint32(8, 0, true); v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true); v.setUint32(20, strings.length, true);
  // struct btf_type { name_off = 1 ("int"), info = BTF_KIND_INT << 24, size = 4 }, then BTF_INT_SIGNED << 24 | bits
  v.setUint32(24, 1, true); v.setUint32(28, 1 << 24, true); v.setUint32(32, 4, true); v.setUint32(36, (1 << 24) | bits, true);
  out.set(strings, hdrLen + typeLen);
  return out;
}

test('BTF load: a valid blob gives an fd usable for map key/value types', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  using btf = KernelBtf.load(intBtf(), { logLevel: 1 });
  assert.equal(typeof btf.log, 'string');
  using m = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, btfFd: btf.fd, btfKeyTypeId: 1, btfValueTypeId: 1 });
  const info = m.info();
  assert.ok(info.btfId > 0);
  assert.equal(info.btfKeyTypeId, 1);
  using byId = KernelBtf.fromId(info.btfId);
  assert.ok(byId.fd >= 0);
});

test('BTF load: an invalid blob raises VerifierError with the BTF log', (t) => {
  if (!requireOrSkip(t, isRoot, 'root')) return;
  assert.throws(() => KernelBtf.load(intBtf(33)), (e: unknown) => {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.errno, ERRNO.EINVAL);
    assert.match(e.log, /\[1\] INT int size=4 bits_offset=0 nr_bits=33 encoding=SIGNED/);
    assert.match(e.log, /nr_bits exceeds type_size/);
    return true;
  });
  const bad = intBtf();
  bad[0] = 0;
  assert.throws(() => KernelBtf.load(bad), (e: unknown) => e instanceof VerifierError && /magic/i.test(e.log));
});
