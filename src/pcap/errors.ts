import { TsbpfError, type Location } from '../errors.js';

/**
 * A malformed or truncated pcap/pcapng file (or a packet the writers cannot encode).
 * `location.offset` is the byte offset of the record or block at fault when reading; `packet`
 * is the index of the packet being read or written (0-based) when the fault concerns one.
 */
export class PcapError extends TsbpfError {
  constructor(message: string, location: Location = {}, readonly packet?: number) {
    super(packet === undefined ? message : `packet ${packet}: ${message}`, location);
  }
}
