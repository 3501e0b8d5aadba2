/**
 * Pcap replay: a program run over every packet of a pcap/pcapng capture in order, maps persisting
 * across packets. Per packet: the verdict, the redirect target, the packet after the run, or the
 * error (an input the kernel's test-run refuses, or a VM fault). Optionally the packets the
 * program let through, for an output capture.
 */
import { readFile } from 'node:fs/promises';
import { TsbpfError } from '../errors.js';
import { captureReader, LINKTYPE } from '../pcap/index.js';
import type { PacketRecord } from '../pcap/write.js';
import { BPF_PROG_TYPE as T, TC_ACT, XDP_ACTION } from '../uapi/index.js';
import type { VmProgramHandle } from './object.js';
import type { RedirectTarget } from './progtypes/skb.js';
import { ETH_HLEN } from './progtypes/skb.js';

/** The verdict name of a return value for a program type (`XDP_DROP`, `TC_ACT_SHOT`…), or undefined. */
export function verdictName(type: number, retval: number): string | undefined {
  const table: Record<string, number> | undefined =
    type === T.XDP ? XDP_ACTION : type === T.SCHED_CLS || type === T.SCHED_ACT ? TC_ACT : undefined;
  if (!table) {
    if (type === T.CGROUP_SKB) return retval === 1 ? 'ALLOW' : retval === 0 ? 'DROP' : undefined;
    return undefined;
  }
  const signed = type === T.XDP ? retval : retval | 0;
  const hit = Object.entries(table).find(([, v]) => v === signed);
  return hit ? `${type === T.XDP ? 'XDP' : 'TC_ACT'}_${hit[0]}` : undefined;
}

/**
 * The packet a verdict lets through, or undefined when it is dropped: XDP PASS/TX/REDIRECT, tc
 * anything but SHOT/STOLEN/TRAP, cgroup_skb 1, socket filters the first `retval` bytes.
 */
export function passedPacket(type: number, retval: number, dataOut: Uint8Array): Uint8Array | undefined {
  switch (type) {
    case T.XDP: return retval === XDP_ACTION.PASS || retval === XDP_ACTION.TX || retval === XDP_ACTION.REDIRECT ? dataOut : undefined;
    case T.SCHED_CLS: case T.SCHED_ACT: {
      const v = retval | 0;
      return v === TC_ACT.SHOT || v === TC_ACT.STOLEN || v === TC_ACT.TRAP ? undefined : dataOut;
    }
    case T.CGROUP_SKB: return retval & 1 ? dataOut : undefined;
    case T.SOCKET_FILTER: return retval === 0 ? undefined : dataOut.subarray(0, Math.min(dataOut.length, ETH_HLEN + retval));
    default: return undefined;
  }
}

/** One packet's outcome. */
export type ReplayResult =
  | { index: number; retval: number; verdict?: string; lengthIn: number; dataOut: Uint8Array; redirect?: RedirectTarget }
  | { index: number; error: string; lengthIn: number };

export interface ReplayOptions {
  /** Collect the packets the program let through (for an output capture). */
  collectPassed?: boolean;
  /** Called after each packet with (done, total) — for progress display. */
  progress?: (done: number, total: number) => void;
  /** The CPU the runs are on. */
  cpu?: number;
}

export interface ReplaySummary {
  results: ReplayResult[];
  /** Packets let through, in order, with their capture timestamps (when collectPassed). */
  passed: PacketRecord[];
}

/** Replays capture bytes through a program. Malformed captures throw PcapError. */
export function replayCapture(prog: VmProgramHandle, bytes: Uint8Array, o: ReplayOptions & { file?: string } = {}): ReplaySummary {
  const cap = captureReader(bytes, { file: o.file });
  const all = [...cap.packets];
  const results: ReplayResult[] = [];
  const passed: PacketRecord[] = [];
  all.forEach((p, index) => {
    try {
      if (p.linkType !== LINKTYPE.ETHERNET) throw new TsbpfError(`link type ${p.linkType} is not Ethernet`);
      const r = prog.run({ dataIn: p.data, cpu: o.cpu });
      const dataOut = r.dataOut ?? new Uint8Array(0);
      results.push({ index, retval: r.retval, verdict: verdictName(prog.type, r.retval), lengthIn: p.data.length, dataOut, redirect: r.redirect });
      if (o.collectPassed) {
        const out = passedPacket(prog.type, r.retval, dataOut);
        if (out) passed.push({ data: out, timestamp: p.timestamp });
      }
    } catch (e) {
      if (!(e instanceof TsbpfError)) throw e;
      results.push({ index, error: e.message, lengthIn: p.data.length });
    }
    o.progress?.(index + 1, all.length);
  });
  return { results, passed };
}

/** Reads a capture file and replays it (see {@link replayCapture}). */
export async function replayFile(prog: VmProgramHandle, file: string, o: ReplayOptions = {}): Promise<ReplaySummary> {
  const b = await readFile(file);
  return replayCapture(prog, new Uint8Array(b.buffer, b.byteOffset, b.byteLength), { ...o, file });
}
