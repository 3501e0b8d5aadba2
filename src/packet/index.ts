/**
 * tsbpf/packet: build test packets (Ethernet, 802.1Q, ARP, IPv4 with options, IPv6, TCP with
 * options, UDP, ICMP/ICMPv6) with correct lengths and checksums, and dissect or pretty-print
 * packets in tests.
 */
export * from './errors.js';
export * from './address.js';
export * from './checksum.js';
export * from './layers.js';
export { buildPacket } from './build.js';
export { dissect, type DissectedLayer, type Dissection, type LinkStart } from './dissect.js';
export { describe, formatPacket, hexdump } from './format.js';
export { seededRandom, type Random } from './random.js';
export { sampleTraffic, type SamplePacket } from './samples.js';
