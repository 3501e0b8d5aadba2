/** A packet as stored in a capture file. */
export interface CapturedPacket {
  /** Captured bytes (may be shorter than the packet on the wire: see `originalLength`). */
  data: Uint8Array;
  /** Length of the packet on the wire. */
  originalLength: number;
  /** Capture time in nanoseconds since the Unix epoch (0 for pcapng simple packet blocks, which have none). */
  timestamp: bigint;
  /** Index into {@link Capture.interfaces} of the interface it was captured on (always 0 in pcap files). */
  interface: number;
  /** The interface's LINKTYPE_* (1 = Ethernet). */
  linkType: number;
}

/** An interface described by a pcap header or a pcapng Interface Description Block. */
export interface CaptureInterface {
  linkType: number;
  snapLength: number;
  /** if_name option (pcapng), when present. */
  name?: string;
  /** Timestamp units per second: 1e6 for microsecond pcap, 1e9 for nanosecond… */
  unitsPerSecond: bigint;
  /** Seconds added to every timestamp (pcapng if_tsoffset; 0 otherwise). */
  timestampOffset: bigint;
}

export interface Capture {
  format: 'pcap' | 'pcapng';
  /** Byte order of the file (of its first section, for pcapng). */
  byteOrder: 'little' | 'big';
  /** Every interface, in file order (pcapng sections after the first get later indices). */
  interfaces: CaptureInterface[];
  packets: CapturedPacket[];
}
