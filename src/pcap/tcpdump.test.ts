/**
 * Cross-checks with tcpdump/libpcap when it is installed (CI does not install it, so these
 * tests skip there): libpcap reads our files, and we read the files libpcap writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool } from '../test-support.js';
import { sampleTraffic } from '../packet/samples.js';
import { readCapture } from './read.js';
import { writePcap, writePcapng } from './write.js';

const skip = hasTool('tcpdump') ? false : 'tcpdump is not installed';
const samples = sampleTraffic();

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbpf-pcap-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tcpdump(...args: string[]): string {
  return execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('tcpdump reads our pcap and pcapng files: every packet, same lengths, same times', { skip }, () => {
  withDir((dir) => {
    const files: Array<[string, Uint8Array, string[]]> = [
      ['us.pcap', writePcap(samples), []],
      ['ns-be.pcap', writePcap(samples, { nanosecond: true, byteOrder: 'big' }), ['--time-stamp-precision=nano']],
      ['ns.pcapng', writePcapng(samples), ['--time-stamp-precision=nano']],
      ['be.pcapng', writePcapng(samples, { byteOrder: 'big' }), ['--time-stamp-precision=nano']],
    ];
    for (const [name, bytes, extra] of files) {
      const f = path.join(dir, name);
      writeFileSync(f, bytes);
      // -tt: epoch seconds; -e: link header, which prints the frame length.
      const lines = tcpdump('-nn', '-tt', '-e', ...extra, '-r', f).trim().split('\n');
      assert.equal(lines.length, samples.length, name);
      lines.forEach((line, i) => {
        const ts = samples[i].timestamp;
        const expected = extra.length ? `${ts / 1_000_000_000n}.${String(ts % 1_000_000_000n).padStart(9, '0')}` : `${ts / 1_000_000_000n}.${String((ts % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
        assert.ok(line.startsWith(expected), `${name} #${i}: ${line}`);
        if (samples[i].data.length >= 14) assert.match(line, new RegExp(`length ${samples[i].originalLength}\\b`), `${name} #${i}: ${line}`);
      });
    }
  });
});

test('we read what libpcap writes (tcpdump -w), in micro- and nanosecond precision', { skip }, () => {
  withDir((dir) => {
    const src = path.join(dir, 'src.pcapng');
    writeFileSync(src, writePcapng(samples));
    for (const precision of ['micro', 'nano']) {
      const out = path.join(dir, `${precision}.pcap`);
      execFileSync('tcpdump', ['-r', src, '-w', out, `--time-stamp-precision=${precision}`], { stdio: 'ignore' });
      const cap = readCapture(new Uint8Array(readFileSync(out)));
      assert.equal(cap.format, 'pcap');
      assert.equal(cap.interfaces[0].unitsPerSecond, precision === 'nano' ? 1_000_000_000n : 1_000_000n);
      assert.equal(cap.packets.length, samples.length);
      cap.packets.forEach((p, i) => {
        const ts = samples[i].timestamp;
        assert.deepEqual(p.data, samples[i].data);
        assert.equal(p.originalLength, samples[i].originalLength);
        assert.equal(p.timestamp, precision === 'nano' ? ts : ts - (ts % 1000n));
      });
    }
  });
});

test('tcpdump agrees with the builder\'s checksums: only the deliberately bad ones are flagged', { skip }, () => {
  withDir((dir) => {
    const f = path.join(dir, 'v.pcap');
    writeFileSync(f, writePcap(samples));
    const lines = tcpdump('-nn', '-vv', '-r', f).split('\n');
    const flagged = lines.filter((l) => /bad cksum|incorrect|bad udp cksum|wrong icmp cksum/.test(l));
    assert.equal(flagged.length, 4, flagged.join('\n'));
    assert.ok(lines.filter((l) => /cksum 0x[0-9a-f]+ \(correct\)|udp sum ok|icmp6 sum ok/.test(l)).length > 30);
  });
});
