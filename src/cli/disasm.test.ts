import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { main } from './main.js';
import type { Io } from './command.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: Io = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTty: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('tsbpf disasm: llvm and xlated formats, round trip through asm, exit codes', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbpf-disasm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'p.bin');
  const bytes = Buffer.from('1801000005000000' + '0000000000000000' + '8500000001000000' + '1500010000000000' + 'b700000002000000' + '9500000000000000', 'hex');
  writeFileSync(bin, bytes);

  let r = await run('disasm', bin);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'Disassembly of section p.bin:', '', '0000000000000000 <p.bin>:',
    '       0:\t18 01 00 00 05 00 00 00 00 00 00 00 00 00 00 00\tr1 = 5 ll',
    '       2:\t85 00 00 00 01 00 00 00\tcall 1',
    '       3:\t15 00 01 00 00 00 00 00\tif r0 == 0 goto +1 <p.bin+0x28>',
    '       4:\tb7 00 00 00 02 00 00 00\tr0 = 2',
    '       5:\t95 00 00 00 00 00 00 00\texit', '',
  ].join('\n'));
  // The listing assembles back to the same bytes.
  writeFileSync(path.join(dir, 'p.s'), r.stdout);
  assert.equal((await run('asm', path.join(dir, 'p.s'), '-o', path.join(dir, 'q.bin'))).code, 0);
  assert.deepEqual(readFileSync(path.join(dir, 'q.bin')), bytes);

  r = await run('disasm', bin, '--format', 'xlated');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '   0: (18) r1 = 0x5\n   2: (85) call bpf_map_lookup_elem#1\n   3: (15) if r0 == 0x0 goto pc+1\n   4: (b7) r0 = 2\n   5: (95) exit\n');

  r = await run('disasm', '--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--format llvm/);

  writeFileSync(path.join(dir, 'odd.bin'), Buffer.alloc(12));
  r = await run('disasm', path.join(dir, 'odd.bin'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /odd\.bin: offset 0x8: program length 12/);
  assert.equal((await run('disasm', bin, '--format', 'intel')).code, 2);
  assert.equal((await run('disasm')).code, 2);
  assert.equal((await run('disasm', path.join(dir, 'missing.bin'))).code, 2);
});
