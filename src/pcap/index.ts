/**
 * tsbpf/pcap: read pcap and pcapng captures (both byte orders, any timestamp resolution,
 * several interfaces) and write pcap or pcapng. Malformed files raise {@link PcapError}.
 */
export { PcapError } from './errors.js';
export { LINKTYPE, linkTypeName } from './linktype.js';
export type { Capture, CaptureInterface, CapturedPacket } from './types.js';
export { readCapture, captureReader, type CaptureReader, type ReadOptions } from './read.js';
export {
  writePcap, writePcapng, type PacketRecord, type PcapWriteOptions, type PcapngInterface, type PcapngWriteOptions,
} from './write.js';
