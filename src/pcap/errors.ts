import { TsbpfError, type Location } from '../errors.js';

/**
 * A malformed or truncated pcap/pcapng file. `location.offset` is the byte offset of the
 * record or block at fault; `packet` is the index of the packet being read (0-based) when
 * the fault is inside or just after a packet record.
 */
export class PcapError extends TsbpfError {
  constructor(message: string, location: Location & { offset: number }, readonly packet?: number) {
    super(packet === undefined ? message : `packet ${packet}: ${message}`, location);
  }
}
