/** Human-readable views of a packet for test output and debugging. */
import { dissect, type DissectedLayer, type Dissection, type LinkStart } from './dissect.js';
import type { Layer, TcpOption } from './layers.js';

const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

const TCP_OPTION_TEXT: { [K in TcpOption['kind']]: (o: Extract<TcpOption, { kind: K }>) => string } = {
  eol: () => 'eol',
  nop: () => 'nop',
  mss: (o) => `mss ${o.value}`,
  wscale: (o) => `wscale ${o.shift}`,
  sackPermitted: () => 'sackOK',
  sack: (o) => `sack ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`,
  timestamp: (o) => `TS val ${o.value} ecr ${o.echo}`,
  raw: (o) => `opt-${o.type} len ${o.data.length + 2}`,
  bytes: (o) => `malformed ${o.data.length} bytes`,
};

function tcpOptions(opts: TcpOption[]): string {
  // Trailing EOL padding is noise in a summary.
  let n = opts.length;
  while (n > 0 && opts[n - 1].kind === 'eol') n--;
  return opts.slice(0, n).map((o) => TCP_OPTION_TEXT[o.kind](o as never)).join(',');
}

function checksumNote(l: DissectedLayer): string {
  return l.checksumValid === undefined ? '' : l.checksumValid ? '' : ' [bad checksum]';
}

/** `v6` tells ICMPv6 from ICMP: the enclosing IP layer decides. */
const LAYER_TEXT: { [K in Layer['kind']]: (l: Extract<DissectedLayer, { kind: K }>, v6: boolean) => string } = {
  ethernet: (l) => `Ethernet ${l.src} > ${l.dst} type ${hex(l.type ?? 0, 4)}`,
  vlan: (l) => `VLAN ${l.vid} pcp ${l.pcp}${l.dei ? ' dei' : ''}${l.tpid === 0x88a8 ? ' (802.1ad)' : ''} type ${hex(l.type ?? 0, 4)}`,
  arp: (l) =>
    l.op === 1 ? `ARP who-has ${l.targetIp} tell ${l.senderIp} (${l.senderMac})`
    : l.op === 2 ? `ARP reply ${l.senderIp} is-at ${l.senderMac}`
    : `ARP op ${l.op} ${l.senderIp} (${l.senderMac}) > ${l.targetIp} (${l.targetMac})`,
  ipv4: (l) => {
    const frag = l.mf || l.fragOffset ? ` frag ${(l.fragOffset ?? 0) * 8}${l.mf ? '+' : ''}` : '';
    const opts = l.options?.length ? ` options ${l.options.length} bytes` : '';
    return `IPv4 ${l.src} > ${l.dst} proto ${l.protocol} ttl ${l.ttl} id ${l.id} len ${l.totalLength}` +
      `${l.df ? ' DF' : ''}${frag}${opts}${checksumNote(l)}`;
  },
  ipv6: (l) => `IPv6 ${l.src} > ${l.dst} next ${l.nextHeader} hlim ${l.hopLimit} plen ${l.payloadLength}` +
    `${l.flowLabel ? ` flow ${hex(l.flowLabel, 5)}` : ''}`,
  tcp: (l) => {
    const opts = tcpOptions(l.options ?? []);
    return `TCP ${l.sport} > ${l.dport} [${l.flags || 'none'}] seq ${l.seq} ack ${l.ack} win ${l.window}` +
      `${opts ? ` options [${opts}]` : ''}${checksumNote(l)}`;
  },
  udp: (l) => `UDP ${l.sport} > ${l.dport} len ${l.length}${checksumNote(l)}`,
  icmp: (l, v6) => `ICMP${v6 ? 'v6' : ''} type ${l.type} code ${l.code} id ${l.id} seq ${l.seq}${checksumNote(l)}`,
  payload: (l) => `payload ${l.data.length} bytes`,
};

/** One line per layer, plus notes on truncation and trailers. */
export function describe(d: Dissection): string[] {
  let v6 = false;
  const lines = d.layers.map((l) => {
    if (l.kind === 'ipv4' || l.kind === 'ipv6') v6 = l.kind === 'ipv6';
    return LAYER_TEXT[l.kind](l as never, v6);
  });
  if (d.truncated) lines.push(`truncated ${d.truncated.kind} header at offset ${d.truncated.offset}`);
  if (d.trailer.length) lines.push(`trailer ${d.trailer.length} bytes`);
  return lines;
}

/**
 * Pretty-prints a packet: one line per layer (multi-line), or the layers joined with ', '
 * (`oneLine`). Example: `Ethernet 02:…:01 > 02:…:02 type 0x0800, IPv4 10.0.0.1 > 10.0.0.2 …`.
 */
export function formatPacket(bytes: Uint8Array, opts: { start?: LinkStart; oneLine?: boolean } = {}): string {
  const lines = describe(dissect(bytes, opts.start));
  return lines.join(opts.oneLine ? ', ' : '\n');
}

/** Classic 16-bytes-per-line hex dump with offsets and ASCII, like `xxd`. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hexes = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push((hexes[i] ?? '  ') + (hexes[i + 1] ?? '  '));
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}: ${groups.join(' ')}  ${ascii}`);
  }
  return lines.join('\n');
}
