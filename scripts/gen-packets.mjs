#!/usr/bin/env node
// Writes the bundled captures in examples/packets/ from the deterministic sample traffic of
// src/packet/samples.ts (run `npx tsc -p .` first):
//   mixed.pcap    classic pcap, microsecond timestamps, little-endian, LINKTYPE_ETHERNET
//   mixed.pcapng  pcapng, one Ethernet interface "eth0", nanosecond timestamps
// The same sources always give the same bytes; src/pcap/samples.test.ts checks the committed
// files against a fresh rendering.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleTraffic } from '../dist/packet/samples.js';
import { LINKTYPE, writePcap, writePcapng } from '../dist/pcap/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../examples/packets');
mkdirSync(dir, { recursive: true });
const packets = sampleTraffic();
writeFileSync(path.join(dir, 'mixed.pcap'), writePcap(packets));
writeFileSync(
  path.join(dir, 'mixed.pcapng'),
  writePcapng(packets, { interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'eth0' }] }),
);
console.log(`wrote ${packets.length} packets to ${path.relative(process.cwd(), dir)}/mixed.pcap and mixed.pcapng`);
