/**
 * The bundled example programs in the real kernel: every object in examples/ loads, and
 * replaying the sample traffic (examples/packets/mixed.pcap) through each XDP, tc and socket
 * filter example with BPF_PROG_TEST_RUN (`bpftool prog run`) gives the verdicts, packets and
 * map contents that the program's C source promises. The expectations are computed here from
 * the packet bytes, independently of the programs. These kernel results are the reference the
 * VM's differential tests compare against. Needs root, bpffs and bpftool (CI has all three).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, isRoot, listFiles, repoRoot, requireOrSkip } from '../test-support.js';
import { readCapture } from '../pcap/read.js';
import { dissect } from './dissect.js';
import { sampleTraffic } from './samples.js';

const examplesDir = path.join(repoRoot, 'examples');
const samples = sampleTraffic();
const packets = readCapture(new Uint8Array(readFileSync(path.join(examplesDir, 'packets/mixed.pcap')))).packets.map((p) => p.data);

const XDP = { ABORTED: 0, DROP: 1, PASS: 2, TX: 3 } as const;

/** Programs each example object must contain (also the table in examples/README.md). */
const PROGRAMS: Record<string, string[]> = {
  socket_filter: ['socket_dns_tcp'],
  tc_classify: ['tc_classify'],
  tc_nat: ['tc_nat'],
  tp_execve: ['tp_execve'],
  xdp_counter: ['xdp_count'],
  xdp_csum: ['xdp_csum'],
  xdp_flowstats: ['xdp_flowstats'],
  xdp_icmp_echo: ['xdp_icmp_echo'],
  xdp_lpm_filter: ['xdp_lpm_filter'],
  xdp_parse: ['xdp_parse'],
  xdp_tailcall: ['handle_icmp', 'handle_tcp', 'handle_udp', 'xdp_dispatch'],
  xdp_vlan: ['xdp_vlan_pop', 'xdp_vlan_push'],
};

function ready(t: TestContext): boolean {
  if (!requireOrSkip(t, isRoot, 'root') || !requireOrSkip(t, hasTool('bpftool'), 'bpftool')) return false;
  execFileSync('sh', ['-c', 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf']);
  return true;
}

function bpftool(...args: string[]): string {
  return execFileSync('bpftool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface RunResult {
  retval?: number;
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
  error?: string;
}

/** One example object loaded with `bpftool prog loadall`, programs and maps pinned. */
class Loaded {
  readonly progs: string;
  readonly maps: string;
  private readonly tmp = mkdtempSync(path.join(tmpdir(), 'tsbpf-ex-'));

  constructor(readonly name: string) {
    const base = `/sys/fs/bpf/tsbpf-test-${process.pid}-${name}`;
    this.progs = base;
    this.maps = `${base}-maps`;
    bpftool('prog', 'loadall', path.join(examplesDir, `${name}.o`), this.progs, 'pinmaps', this.maps);
  }

  /** Test-runs `prog` once on `data`; skb programs get a zeroed __sk_buff so ctx_out comes back. */
  run(prog: string, data: Uint8Array, skb = false): RunResult {
    const f = (n: string) => path.join(this.tmp, n);
    writeFileSync(f('in'), data);
    rmSync(f('out'), { force: true });
    const args = ['-j', 'prog', 'run', 'pinned', path.join(this.progs, prog), 'data_in', f('in'), 'data_out', f('out')];
    if (skb) {
      writeFileSync(f('ctx'), new Uint8Array(32));
      args.push('ctx_in', f('ctx'), 'ctx_out', f('ctxout'));
    }
    try {
      const r = JSON.parse(bpftool(...args)) as { retval: number };
      return {
        retval: r.retval,
        dataOut: new Uint8Array(readFileSync(f('out'))),
        ctxOut: skb ? new Uint8Array(readFileSync(f('ctxout'))) : undefined,
      };
    } catch (e) {
      // With -j, bpftool reports errors as JSON on stdout.
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      return { error: `${stdout ?? ''}${stderr ?? ''}`.trim() || String(e) };
    }
  }

  update(map: string, key: number[], value: number[]): void {
    const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0'));
    bpftool('map', 'update', 'pinned', path.join(this.maps, map), 'key', 'hex', ...hex(key), 'value', 'hex', ...hex(value));
  }

  /** `bpftool -j map dump`, the BTF-formatted part of each entry. */
  dump<T = unknown>(map: string): T[] {
    const entries = JSON.parse(bpftool('-j', 'map', 'dump', 'pinned', path.join(this.maps, map))) as Array<{ formatted: T }>;
    return entries.map((e) => e.formatted);
  }

  close(): void {
    rmSync(this.progs, { recursive: true, force: true });
    rmSync(this.maps, { recursive: true, force: true });
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

function withLoaded(name: string, fn: (l: Loaded) => void): void {
  const l = new Loaded(name);
  try {
    fn(l);
  } finally {
    l.close();
  }
}

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const ip4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const sumPerCpu = (values: Array<{ value: number }>) => values.reduce((n, v) => n + v.value, 0);

/** What the untagged Ethernet/IPv4/IPv6 headers of a frame say, as the simple examples read them. */
function l3(b: Uint8Array) {
  const eth = b.length >= 14 ? be16(b, 12) : undefined;
  const v4 = eth === 0x0800 && b.length >= 34 ? { ihl: b[14] & 0xf, proto: b[23], saddr: ip4(b, 26), daddr: ip4(b, 30) } : undefined;
  const v6 = eth === 0x86dd && b.length >= 54 ? { proto: b[20] } : undefined;
  return { eth, v4, v6 };
}

test('every example object is accepted by the kernel, with the expected programs', (t) => {
  if (!ready(t)) return;
  const objects = listFiles(examplesDir, '.o').map((f) => path.basename(f, '.o'));
  assert.deepEqual(objects, Object.keys(PROGRAMS).sort());
  for (const name of objects) {
    withLoaded(name, (l) => assert.deepEqual(readdirSync(l.progs).sort(), PROGRAMS[name], name));
  }
});

test('the sample capture matches the sample traffic', () => {
  assert.equal(packets.length, samples.length);
});

test('kernel: xdp_csum drops exactly the packets with a bad IPv4, TCP or UDP checksum', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_csum', (l) => {
    const bad = new Set(['IPv4 bad header checksum', 'TCP bad checksum', 'UDP bad checksum']);
    packets.forEach((p, i) => {
      const r = l.run('xdp_csum', p);
      if (p.length < 14) return assert.ok(r.error, 'XDP test-run refuses frames shorter than Ethernet');
      assert.equal(r.retval, bad.has(samples[i].note) ? XDP.DROP : XDP.PASS, samples[i].note);
    });
  });
});

test('kernel: xdp_icmp_echo answers IPv4 echo requests with valid replies (XDP_TX)', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_icmp_echo', (l) => {
    let replied = 0;
    packets.forEach((p, i) => {
      const r = l.run('xdp_icmp_echo', p);
      if (p.length < 14) return;
      const { v4 } = l3(p);
      const isRequest = v4 && v4.proto === 1 && v4.ihl >= 5 && p.length >= 14 + v4.ihl * 4 + 8 && p[14 + v4.ihl * 4] === 8;
      assert.equal(r.retval, isRequest ? XDP.TX : XDP.PASS, samples[i].note);
      if (!isRequest) return assert.deepEqual(r.dataOut, p, samples[i].note);
      replied++;
      const d = dissect(r.dataOut!);
      const [eth, ip, icmp] = d.layers;
      assert.ok(eth.kind === 'ethernet' && ip.kind === 'ipv4' && icmp.kind === 'icmp');
      assert.equal(icmp.type, 0);
      assert.deepEqual([eth.src, eth.dst, ip.src, ip.dst], [dissect(p).layers[0], dissect(p).layers[1]].flatMap((x) =>
        x.kind === 'ethernet' ? [x.dst, x.src] : x.kind === 'ipv4' ? [x.dst, x.src] : []));
      assert.equal(ip.checksumValid, true);
      assert.equal(icmp.checksumValid, samples[i].note !== 'ICMP bad checksum', samples[i].note);
    });
    assert.equal(replied, 5);
    const stats = l.dump<{ key: number; value: number }>('echo_stats');
    assert.deepEqual(stats.map((s) => s.value), [replied, packets.filter((p) => p.length >= 14).length - replied]);
  });
});

test('kernel: xdp_vlan pops VLAN 100 tags and pushes tags onto untagged frames', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_vlan', (l) => {
    let popped = 0, pushed = 0;
    packets.forEach((p, i) => {
      if (p.length < 14) return;
      const tag = be16(p, 12);
      const pop = l.run('xdp_vlan_pop', p);
      assert.equal(pop.retval, XDP.PASS);
      if (tag === 0x8100 && p.length >= 18 && (be16(p, 14) & 0xfff) === 100) {
        popped++;
        assert.deepEqual(pop.dataOut, new Uint8Array([...p.subarray(0, 12), ...p.subarray(16)]), samples[i].note);
      } else {
        assert.deepEqual(pop.dataOut, p, samples[i].note);
      }
      const push = l.run('xdp_vlan_push', p);
      assert.equal(push.retval, XDP.PASS);
      if (tag === 0x8100 || tag === 0x88a8) return assert.deepEqual(push.dataOut, p);
      pushed++;
      assert.deepEqual(push.dataOut, new Uint8Array([...p.subarray(0, 12), 0x81, 0x00, 0x00, 100, ...p.subarray(12)]), samples[i].note);
    });
    assert.equal(popped, 4);
    const [bss] = l.dump<{ value: { '.bss': Array<Record<string, number>> } }>('xdp_vlan_bss');
    assert.deepEqual(bss.value['.bss'], [{ popped }, { pushed }]);
  });
});

test('kernel: xdp_lpm_filter drops blocklisted prefixes and tracks the other sources', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_lpm_filter', (l) => {
    l.update('blocklist', [24, 0, 0, 0, 192, 0, 2, 0], [1, 0, 0, 0]);
    l.update('blocklist', [24, 0, 0, 0, 198, 51, 100, 0], [2, 0, 0, 0]);
    l.update('blocklist', [8, 0, 0, 0, 192, 0, 0, 0], [3, 0, 0, 0]); // shorter, must lose to /24
    const sources = new Map<string, number>();
    const hits = [0, 0, 0, 0];
    packets.forEach((p, i) => {
      if (p.length < 14) return;
      const { v4 } = l3(p);
      const rule = v4?.saddr.startsWith('192.0.2.') ? 1 : v4?.saddr.startsWith('198.51.100.') ? 2 : v4?.saddr.startsWith('192.') ? 3 : 0;
      assert.equal(l.run('xdp_lpm_filter', p).retval, rule ? XDP.DROP : XDP.PASS, samples[i].note);
      if (rule) hits[rule]++;
      else if (v4) sources.set(v4.saddr, (sources.get(v4.saddr) ?? 0) + 1);
    });
    assert.deepEqual(hits, [0, 2, 1, 0]);
    const ruleHits = l.dump<{ key: number; values: Array<{ value: number }> }>('rule_hits');
    assert.deepEqual([1, 2, 3].map((k) => sumPerCpu(ruleHits[k].values)), [2, 1, 0]);
    const seen = l.dump<{ key: number; value: { packets: number } }>('sources');
    const bySource = new Map(seen.map((e) => [ip4(Uint8Array.of(e.key & 0xff, (e.key >>> 8) & 0xff, (e.key >>> 16) & 0xff, e.key >>> 24), 0), e.value.packets]));
    assert.deepEqual(new Map([...bySource].sort()), new Map([...sources].sort()));
  });
});

test('kernel: xdp_counter counts frames per (ethertype, IP protocol) and by size', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_counter', (l) => {
    const expected = new Map<string, { packets: number; bytes: number }>();
    const hist = new Map<number, number>();
    let ran = 0;
    for (const p of packets) {
      const r = l.run('xdp_count', p);
      if (p.length < 14) continue;
      assert.equal(r.retval, XDP.PASS);
      ran++;
      const { eth, v4, v6 } = l3(p);
      const key = `${eth}/${v4?.proto ?? (p.length >= 34 && eth === 0x0800 ? -1 : v6?.proto ?? 0)}`;
      const e = expected.get(key) ?? { packets: 0, bytes: 0 };
      expected.set(key, { packets: e.packets + 1, bytes: e.bytes + p.length });
      const bucket = Math.floor(Math.log2(p.length));
      hist.set(bucket, (hist.get(bucket) ?? 0) + 1);
    }
    const got = l.dump<{ key: { eth_proto: number; ip_proto: number }; value: { packets: number; bytes: number } }>('proto_stats');
    assert.deepEqual(new Map(got.map((e) => [`${e.key.eth_proto}/${e.key.ip_proto}`, e.value] as const).sort()), new Map([...expected].sort()));
    const sizes = l.dump<{ key: number; values: Array<{ value: number }> }>('size_hist');
    assert.deepEqual(new Map(sizes.map((e) => [e.key, sumPerCpu(e.values)] as const).sort((a, b) => a[0] - b[0])), new Map([...hist].sort((a, b) => a[0] - b[0])));
    const [bss] = l.dump<{ value: { '.bss': Array<Record<string, number>> } }>('xdp_coun_bss');
    assert.deepEqual(bss.value['.bss'], [{ total_packets: ran }]);
  });
});

test('kernel: xdp_tailcall dispatches to the per-protocol programs', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_tailcall', (l) => {
    const counts = [0, 0, 0, 0, 0]; // TCP, TCP_SYN, UDP, ICMP, UNHANDLED
    for (const p of packets) {
      const r = l.run('xdp_dispatch', p);
      if (p.length < 14) continue;
      assert.equal(r.retval, XDP.PASS);
      const { v4 } = l3(p);
      if (!v4) continue;
      if (v4.proto === 6) {
        counts[0]++;
        const o = 14 + v4.ihl * 4;
        if (p.length >= o + 20 && (p[o + 13] & 0x12) === 0x02) counts[1]++;
      } else if (v4.proto === 17) counts[2]++;
      else if (v4.proto === 1) counts[3]++;
      else counts[4]++;
    }
    assert.deepEqual(l.dump<{ value: number }>('proto_counts').map((e) => e.value), counts);
  });
});

/** Destination port of an untagged IPv4/IPv6 TCP/UDP packet, the way tc_classify reads it (0 if none). */
function destPort(p: Uint8Array): number {
  const { v4, v6 } = l3(p);
  const proto = v4?.proto ?? v6?.proto;
  const l4 = v4 ? (v4.ihl < 5 ? -1 : 14 + v4.ihl * 4) : v6 ? 54 : -1;
  if (l4 < 0 || (proto !== 6 && proto !== 17) || l4 + 4 > p.length) return 0;
  return be16(p, l4 + 2);
}

test('kernel: tc_classify sets skb->mark and skb->priority by destination port and counts per mark', (t) => {
  if (!ready(t)) return;
  withLoaded('tc_classify', (l) => {
    const marks: Record<number, number> = { 80: 1, 53: 2, 443: 3 };
    for (const [port, mark] of Object.entries(marks)) l.update('port_marks', [Number(port) & 0xff, Number(port) >> 8], [mark, 0, 0, 0]);
    const perMark = new Map<number, number>();
    packets.forEach((p, i) => {
      const r = l.run('tc_classify', p, true);
      if (r.error) return assert.ok(p.length < 34, `${samples[i].note}: ${r.error}`);
      assert.equal(r.retval, 0, samples[i].note);
      const mark = marks[destPort(p)] ?? 0;
      const ctx = new DataView(r.ctxOut!.buffer);
      assert.equal(ctx.getUint32(8, true), mark, `mark of ${samples[i].note}`);
      assert.equal(ctx.getUint32(32, true), mark, `priority of ${samples[i].note}`);
      perMark.set(mark, (perMark.get(mark) ?? 0) + 1);
    });
    const got = l.dump<{ key: number; value: { packets: number } }>('mark_counts');
    assert.deepEqual(new Map(got.map((e) => [e.key, e.value.packets] as const).sort()), new Map([...perMark].sort()));
    assert.ok([1, 2, 3].every((m) => (perMark.get(m) ?? 0) > 0), 'every mark is used by some sample');
  });
});

test('kernel: tc_nat rewrites 10.0.0.2:80/tcp to 10.0.0.3:8080 keeping every checksum valid', (t) => {
  if (!ready(t)) return;
  withLoaded('tc_nat', (l) => {
    // key: daddr 10.0.0.2, dport 80 (network order), proto 6, pad; value: 10.0.0.3, 8080, pad
    l.update('nat_rules', [10, 0, 0, 2, 0, 80, 6, 0], [10, 0, 0, 3, 0x1f, 0x90, 0, 0]);
    l.update('nat_rules', [10, 0, 0, 53, 0, 53, 17, 0], [10, 0, 0, 54, 0x14, 0xe9, 0, 0]); // DNS to 10.0.0.54:5353
    let rewritten = 0;
    packets.forEach((p, i) => {
      const r = l.run('tc_nat', p, true);
      if (r.error) return assert.ok(p.length < 34, `${samples[i].note}: ${r.error}`);
      assert.equal(r.retval, 0);
      const { v4 } = l3(p);
      const port = destPort(p);
      const hit = v4 && ((v4.daddr === '10.0.0.2' && v4.proto === 6 && port === 80) || (v4.daddr === '10.0.0.53' && v4.proto === 17 && port === 53));
      if (!hit) return assert.deepEqual(r.dataOut, p, samples[i].note);
      rewritten++;
      const out = r.dataOut!;
      const l4 = 14 + v4.ihl * 4;
      const [addr, dport] = v4.proto === 6 ? ['10.0.0.3', 8080] : ['10.0.0.54', 5353];
      assert.deepEqual([ip4(out, 30), be16(out, l4 + 2)], [addr, dport], samples[i].note);
      // Checksums that held before still hold; unverifiable ones (cut packets) stay unverifiable.
      const before = dissect(p).layers, after = dissect(out).layers;
      assert.deepEqual(after.map((x) => [x.kind, x.checksumValid]), before.map((x) => [x.kind, x.checksumValid]), samples[i].note);
    });
    assert.ok(rewritten >= 8, `rewritten ${rewritten}`);
    const [bss] = l.dump<{ value: { '.bss': Array<Record<string, number>> } }>('tc_nat_bss');
    assert.deepEqual(bss.value['.bss'], [{ rewritten }]);
  });
});

test('kernel: socket_dns_tcp keeps DNS whole, cuts TCP to 96 bytes, drops the rest', (t) => {
  if (!ready(t)) return;
  withLoaded('socket_filter', (l) => {
    const kept = [0, 0, 0];
    packets.forEach((p, i) => {
      const r = l.run('socket_dns_tcp', p, true);
      if (r.error) return assert.ok(p.length < 34, `${samples[i].note}: ${r.error}`);
      // The program sees the packet from the network header: skb->len excludes Ethernet.
      const len = p.length - 14;
      const { eth } = l3(p);
      const proto = eth === 0x0800 && p.length >= 24 ? p[23] : eth === 0x86dd && p.length >= 21 ? p[20] : -1;
      const l4 = eth === 0x0800 ? 14 + (p[14] & 0xf) * 4 : 54;
      let expected = 0;
      if (proto === 6) expected = Math.min(len, 96);
      else if (proto === 17 && l4 + 4 <= p.length && (be16(p, l4) === 53 || be16(p, l4 + 2) === 53)) expected = len;
      assert.equal(r.retval, expected, samples[i].note);
      kept[expected === 0 ? 2 : proto === 6 ? 1 : 0]++;
    });
    assert.deepEqual(l.dump<{ value: number }>('filter_stats').map((e) => e.value), kept);
    assert.ok(kept[0] >= 5 && kept[1] > 20);
  });
});

test('kernel: xdp_flowstats tracks one entry per IPv4 TCP/UDP 5-tuple', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_flowstats', (l) => {
    const flows = new Map<string, { packets: number; bytes: number; max: number; min: number }>();
    let skipped = 0;
    for (const p of packets) {
      if (p.length < 14) {
        l.run('xdp_flowstats', p);
        continue;
      }
      assert.equal(l.run('xdp_flowstats', p).retval, XDP.PASS);
      const { v4 } = l3(p);
      const o = v4 ? 14 + v4.ihl * 4 : 0;
      if (!v4 || v4.ihl < 5 || (v4.proto !== 6 && v4.proto !== 17) || o + 8 > p.length) {
        skipped++;
        continue;
      }
      const k = `${v4.saddr}:${be16(p, o)}>${v4.daddr}:${be16(p, o + 2)}/${v4.proto}`;
      const f = flows.get(k) ?? { packets: 0, bytes: 0, max: 0, min: Infinity };
      flows.set(k, { packets: f.packets + 1, bytes: f.bytes + p.length, max: Math.max(f.max, p.length), min: Math.min(f.min, p.length) });
    }
    const got = l.dump<{ key: { saddr: number; daddr: number; sport: number; dport: number; proto: number }; value: { packets: number; bytes: number; max_len: number; min_len: number } }>('flows');
    const le = (x: number) => ip4(Uint8Array.of(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24), 0);
    const swap = (x: number) => ((x & 0xff) << 8) | (x >> 8);
    const asMap = new Map(got.map((e) => [`${le(e.key.saddr)}:${swap(e.key.sport)}>${le(e.key.daddr)}:${swap(e.key.dport)}/${e.key.proto}`,
      { packets: e.value.packets, bytes: e.value.bytes, max: e.value.max_len, min: e.value.min_len }] as const));
    assert.deepEqual(new Map([...asMap].sort()), new Map([...flows].sort()));
    const [bss] = l.dump<{ value: { '.bss': Array<Record<string, number>> } }>('xdp_flow_bss');
    assert.deepEqual(bss.value['.bss'], [{ skipped }, { table_full: 0 }]);
  });
});

test('kernel: xdp_parse passes everything and classifies each frame', (t) => {
  if (!ready(t)) return;
  withLoaded('xdp_parse', (l) => {
    const counts = new Array<number>(9).fill(0);
    for (const p of packets) {
      const r = l.run('xdp_parse', p);
      if (p.length < 14) continue;
      assert.equal(r.retval, XDP.PASS);
      counts[classify(p)]++;
    }
    const got = l.dump<{ key: number; values: Array<{ value: number }> }>('parse_stats');
    assert.deepEqual(got.map((e) => sumPerCpu(e.values)), counts);
  });
});

/** xdp_parse's enum parse_result for a frame, derived from the bytes. */
function classify(p: Uint8Array): number {
  const TRUNC = 0, NON_IP = 1;
  let off = 14;
  let proto = be16(p, 12);
  for (let i = 0; i < 2 && (proto === 0x8100 || proto === 0x88a8); i++) {
    if (off + 4 > p.length) return TRUNC;
    proto = be16(p, off + 2);
    off += 4;
  }
  let l4proto: number, base: number;
  if (proto === 0x0800) {
    if (off + 20 > p.length) return TRUNC;
    const hlen = (p[off] & 0xf) * 4;
    if (hlen < 20 || off + hlen > p.length) return TRUNC;
    l4proto = p[off + 9];
    off += hlen;
    base = 2;
  } else if (proto === 0x86dd) {
    if (off + 40 > p.length) return TRUNC;
    l4proto = p[off + 6];
    off += 40;
    base = 5;
  } else {
    return NON_IP;
  }
  if (l4proto !== 6 && l4proto !== 17) return base + 2;
  if (off + (l4proto === 6 ? 20 : 8) > p.length) return TRUNC;
  return l4proto === 6 ? base : base + 1;
}

test('kernel: tp_execve loads as a tracepoint program with its ring buffer', (t) => {
  if (!ready(t)) return;
  withLoaded('tp_execve', (l) => {
    const show = JSON.parse(bpftool('-j', 'prog', 'show', 'pinned', path.join(l.progs, 'tp_execve'))) as { type: string };
    assert.equal(show.type, 'tracepoint');
    const map = JSON.parse(bpftool('-j', 'map', 'show', 'pinned', path.join(l.maps, 'events'))) as { type: string; max_entries: number };
    assert.deepEqual([map.type, map.max_entries], ['ringbuf', 256 * 1024]);
  });
});
