import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasTool, requireOrSkip } from '../test-support.js';
import { ALL_LAYOUTS, MAP_ELEM, TEST_RUN, encode, readString, writeField } from './layout.js';

interface BtfType { id: number; kind: string; name: string; size?: number; type_id?: number; nr_elems?: number; members?: { name: string; type_id: number; bits_offset: number }[] }

/** Every member path of a struct/union with its offset and size; anonymous members are transparent. */
function flatten(types: Map<number, BtfType>, id: number): Map<string, [number, number]> {
  const sizeOf = (tid: number): number => {
    const t = types.get(tid)!;
    if (['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind)) return sizeOf(t.type_id!);
    if (t.kind === 'ARRAY') return t.nr_elems! * sizeOf(t.type_id!);
    return t.size!;
  };
  const out = new Map<string, [number, number]>();
  const walk = (tid: number, base: number, prefix: string) => {
    for (const m of types.get(tid)!.members ?? []) {
      const off = base + m.bits_offset / 8;
      const mt = types.get(m.type_id)!;
      const composite = mt.kind === 'STRUCT' || mt.kind === 'UNION';
      if (m.name === '(anon)' && composite) walk(mt.id, off, prefix);
      else {
        out.set(prefix + m.name, [off, sizeOf(m.type_id)]);
        if (composite) walk(mt.id, off, `${prefix}${m.name}.`);
      }
    }
  };
  walk(id, 0, '');
  return out;
}

test('every layout table matches the running kernel\'s BTF', (t) => {
  if (!requireOrSkip(t, hasTool('bpftool') && existsSync('/sys/kernel/btf/vmlinux'), 'bpftool and /sys/kernel/btf/vmlinux')) return;
  const json = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { maxBuffer: 1 << 28 }).toString();
  const types = new Map<number, BtfType>((JSON.parse(json).types as BtfType[]).map((ty) => [ty.id, ty]));
  const byName = (kind: string, name: string) => [...types.values()].find((ty) => ty.kind === kind && ty.name === name)!;
  const attr = flatten(types, byName('UNION', 'bpf_attr').id);
  for (const l of ALL_LAYOUTS) {
    const struct = l.prefix === '' || attr.has(l.prefix) ? undefined : flatten(types, byName('STRUCT', l.prefix).id);
    for (const [name, field] of Object.entries(l.fields)) {
      const path = struct ? name : l.prefix ? `${l.prefix}.${name}` : name;
      const actual = (struct ?? attr).get(path);
      const base = struct || !l.prefix ? 0 : attr.get(l.prefix)![0];
      assert.ok(actual, `${l.prefix || 'bpf_attr'}: no member ${path} in the kernel's BTF`);
      assert.deepEqual([base + field[0], field[1]], actual, `${l.prefix || 'bpf_attr'}.${name}`);
    }
  }
});

test('encode zero-fills the command\'s range and writes little-endian fields', () => {
  const view = new DataView(new ArrayBuffer(256));
  new Uint8Array(view.buffer).fill(0xee);
  const size = encode(view, MAP_ELEM, { map_fd: 7, key: 0x1122334455667788n, flags: 2 });
  assert.equal(size, 32);
  assert.deepEqual(Array.from(new Uint8Array(view.buffer, 0, 32)), [
    7, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
  ]);
  assert.equal(new Uint8Array(view.buffer)[32], 0xee);
  assert.equal(TEST_RUN.size, 76);
  writeField(view, [100, 16], 'a_name_longer_than_15');
  assert.equal(readString(view, [100, 16]), 'a_name_longer_t');
  writeField(view, [0, 4], -1);
  assert.equal(view.getUint32(0, true), 0xffffffff);
});
