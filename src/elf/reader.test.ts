import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readElf } from './reader.js';
import { SHT_REL, SHT_SYMTAB } from './constants.js';
import { ElfError } from '../errors.js';
import { hasTool, listFiles, requireOrSkip, testdataDir } from '../test-support.js';

const samples = path.join(testdataDir, 'ebpf-samples');
const valid = listFiles(samples, '.o').filter((f) => !f.includes('/invalid/'));
const sample = path.join(samples, 'build/twomaps.o');

function load(f: string): Uint8Array {
  return new Uint8Array(readFileSync(f));
}

/** A copy of the sample with a u8/u16/u32 patched at `off`. */
function patched(off: number, value: number, width: 1 | 2 | 4 | 8): Uint8Array {
  const b = load(sample);
  const dv = new DataView(b.buffer);
  if (width === 1) b[off] = value;
  else if (width === 2) dv.setUint16(off, value, true);
  else if (width === 4) dv.setUint32(off, value, true);
  else dv.setBigUint64(off, BigInt(value), true);
  return b;
}

function expectElfError(bytes: Uint8Array, re: RegExp): ElfError {
  try {
    readElf(bytes, 'x.o').symbols();
  } catch (e) {
    assert.ok(e instanceof ElfError, `expected ElfError, got ${e}`);
    assert.match(e.message, re);
    assert.equal(e.location.file, 'x.o');
    return e;
  }
  assert.fail('no error');
}

test('reads every corpus object: sections, symbols, relocations', (t) => {
  if (!requireOrSkip(t, valid.length > 0, 'ebpf-samples corpus')) return;
  let rels = 0;
  for (const f of valid) {
    const elf = readElf(load(f), f);
    assert.ok(elf.sections.length > 1, f);
    const syms = elf.symbols();
    for (const s of elf.sections) {
      if (s.type !== SHT_REL) continue;
      for (const r of elf.relocations(s)) {
        assert.ok(r.symbol < syms.length, `${f}: reloc symbol`);
        rels++;
      }
    }
  }
  assert.ok(rels > 1000);
});

test('section and symbol tables match readelf', (t) => {
  if (!requireOrSkip(t, hasTool('readelf'), 'readelf')) return;
  for (const f of valid.slice(0, 40)) {
    const elf = readElf(load(f), f);
    const out = execFileSync('readelf', ['-SW', f], { encoding: 'utf8' });
    const names = [...out.matchAll(/^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)]
      .map((m) => ({ idx: +m[1], type: m[3], off: parseInt(m[4], 16), size: parseInt(m[5], 16) }));
    assert.equal(names.length, elf.sections.length, f);
    for (const n of names) {
      assert.equal(elf.sections[n.idx].offset, n.off, `${f} [${n.idx}] offset`);
      assert.equal(elf.sections[n.idx].size, n.size, `${f} [${n.idx}] size`);
    }
    const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
    assert.equal(elf.symbols().length, symtab.size / 24);
  }
});

test('refuses non-ELF, wrong class, big-endian, wrong machine, truncated header', () => {
  expectElfError(new Uint8Array([1, 2, 3]), /not an ELF file/);
  expectElfError(patched(4, 1, 1), /ELF class 1/);
  expectElfError(patched(5, 2, 1), /big-endian/);
  expectElfError(patched(18, 62, 2), /machine 62 is not EM_BPF/);
  expectElfError(load(sample).slice(0, 40), /truncated ELF header/);
  expectElfError(patched(16, 2, 2), /not ET_REL/);
});

test('refuses tables and sections outside the file, with the offset', () => {
  const e = expectElfError(patched(40, 0x7fffff00, 4), /section header table .* outside the file/);
  assert.equal(e.location.offset, 40);
  const b = load(sample);
  const shoff = new DataView(b.buffer).getUint32(40, true);
  // Section 1's sh_offset far away.
  expectElfError(patched(shoff + 64 + 24, 0x10000000, 4), /section #1 contents .* outside the file/);
  // A 64-bit size above 2^53.
  expectElfError(patched(shoff + 64 + 32, 2 ** 60, 8), /section #1 sh_size 0x1000000000000000 is too large/);
  // Section name table index out of range.
  expectElfError(patched(62, 200, 2), /section name table index 200/);
});

test('refuses bad string offsets and bad symbol section indices', () => {
  const b = load(sample);
  const elf = readElf(b);
  const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
  const e = expectElfError(patched(symtab.offset + 24, 0xfffff, 4), /string offset 1048575 outside string table/);
  assert.equal(e.location.section, elf.sections[symtab.link].name);
  expectElfError(patched(symtab.offset + 24 + 6, 500, 2), /section index 500 out of range/);
});

test('relocation and symbol lookups are bounds-checked', () => {
  const elf = readElf(load(sample), 'x.o');
  assert.throws(() => elf.symbolAt(99999, { section: '.rel.text' }), (e: unknown) => e instanceof ElfError && /symbol index 99999/.test(e.message));
  assert.throws(() => elf.relocations(elf.sections[1]), ElfError);
  assert.throws(() => elf.sectionAt(1234, { what: 'x' }), ElfError);
});
