/**
 * Link-layer header types of pcap and pcapng (the LINKTYPE_* registry at tcpdump.org,
 * also in the pcap-linktype(7) man page). Only the common ones are named; any other number
 * is reported as `LINKTYPE_<n>`.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW: 101,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  IPV6: 229,
  NETLINK: 253,
  LINUX_SLL2: 276,
} as const;

const NAMES = new Map<number, string>(Object.entries(LINKTYPE).map(([k, v]) => [v, k]));

/** `ETHERNET`, `RAW`, `LINUX_SLL`… or `LINKTYPE_<n>` for one without a name here. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE_${linkType}`;
}
