/**
 * Attaching programs: BPF_LINK_CREATE (XDP, tcx, cgroup, netns, iterators, tracing, netfilter…),
 * BPF_RAW_TRACEPOINT_OPEN, and the older BPF_PROG_ATTACH / BPF_PROG_DETACH (cgroups, sockmaps,
 * flow dissector). A KernelLink keeps the program attached until it is closed (or pinned).
 */
import { BPF_ATTACH_TYPE } from '../uapi/index.js';
import { attachTypeId } from './names.js';
import { PERF_TYPE, perfEventOpen, tracepointId } from './perf.js';
import { NativeBuffer, close } from './libc.js';
import { FdObject, adoptFd, expectKind } from './fd.js';
import { readSync } from 'node:fs';
import { GET_ID, ITER_CREATE, LINK_CREATE, LINK_DETACH, PROG_ATTACH, RAW_TRACEPOINT, type Values } from './layout.js';
import { bpf } from './syscall.js';
import { linkInfo, type LinkInfo } from './info.js';
import { objGet, objPin } from './pin.js';
import type { KernelProgram } from './program.js';

const fdOf = (p: KernelProgram | number): number => (typeof p === 'number' ? p : p.fd);

/** Options of BPF_LINK_CREATE beyond program, target and attach type. */
export interface LinkOptions {
  flags?: number;
  /** tracing / freplace / struct_ops targets. */
  targetBtfId?: number;
  /** Iterator parameters (`union bpf_iter_link_info` bytes). */
  iterInfo?: Uint8Array;
  /** BPF cookie of perf_event links. */
  perfEventCookie?: bigint;
  /** tcx placement (BPF_F_BEFORE/AFTER with a relative fd or id) and expected revision. */
  tcx?: { relativeFd?: number; relativeId?: number; expectedRevision?: bigint };
  netfilter?: { pf: number; hooknum: number; priority: number; flags?: number };
}

export class KernelLink extends FdObject {
  private constructor(fd: number) {
    super(fd);
  }

  /**
   * BPF_LINK_CREATE: attaches `prog` to `target` (an ifindex for XDP/tcx, a cgroup or netns fd,
   * 0 for iterators…) at `attachType`.
   */
  static create(prog: KernelProgram | number, target: number, attachType: number | string, o: LinkOptions = {}): KernelLink {
    const iter = o.iterInfo ? new NativeBuffer(o.iterInfo.length) : undefined;
    try {
      iter?.bytes.set(o.iterInfo!);
      const values: Values<typeof LINK_CREATE> = {
        prog_fd: fdOf(prog), target_fd: target, attach_type: attachTypeId(attachType), flags: o.flags ?? 0,
        target_btf_id: o.targetBtfId, iter_info: iter?.addr, iter_info_len: iter?.size,
        'perf_event.bpf_cookie': o.perfEventCookie,
        'tcx.relative_fd': o.tcx?.relativeFd ?? o.tcx?.relativeId, 'tcx.expected_revision': o.tcx?.expectedRevision,
        'netfilter.pf': o.netfilter?.pf, 'netfilter.hooknum': o.netfilter?.hooknum,
        'netfilter.priority': o.netfilter?.priority, 'netfilter.flags': o.netfilter?.flags,
      };
      return new KernelLink(bpf('LINK_CREATE', LINK_CREATE, values));
    } finally {
      iter?.free();
    }
  }

  /** BPF_RAW_TRACEPOINT_OPEN: attaches a raw_tracepoint program to the tracepoint `name`. */
  static rawTracepoint(prog: KernelProgram | number, name: string, cookie: bigint = 0n): KernelLink {
    const bytes = new TextEncoder().encode(name);
    const buf = new NativeBuffer(bytes.length + 1);
    try {
      buf.bytes.set(bytes);
      return new KernelLink(bpf('RAW_TRACEPOINT_OPEN', RAW_TRACEPOINT, { name: buf.addr, prog_fd: fdOf(prog), cookie }));
    } finally {
      buf.free();
    }
  }

  /**
   * Attaches a tracepoint program to `category/name` (tracefs): a PERF_TYPE_TRACEPOINT event
   * on CPU 0 for all tasks, linked with BPF_LINK_CREATE (attach type BPF_PERF_EVENT). The link
   * holds the event; the program runs on every CPU.
   */
  static tracepoint(prog: KernelProgram | number, category: string, name: string, cookie: bigint = 0n): KernelLink {
    const event = perfEventOpen({ type: PERF_TYPE.TRACEPOINT, config: tracepointId(category, name), sample_period: 1, wakeup_events: 1 }, 0);
    try {
      return KernelLink.perfEvent(prog, event, cookie);
    } finally {
      close(event);
    }
  }

  /**
   * Attaches a program (perf_event, tracepoint, kprobe/uprobe types) to an open perf event fd
   * with BPF_LINK_CREATE (BPF_PERF_EVENT). The link keeps its own reference to the event.
   */
  static perfEvent(prog: KernelProgram | number, eventFd: number, cookie: bigint = 0n): KernelLink {
    return KernelLink.create(prog, eventFd, BPF_ATTACH_TYPE.PERF_EVENT, { perfEventCookie: cookie });
  }

  /** Attaches an iterator program (`SEC("iter/…")`, expected attach type trace_iter). */
  static iterator(prog: KernelProgram | number, iterInfo?: Uint8Array): KernelLink {
    return KernelLink.create(prog, 0, BPF_ATTACH_TYPE.TRACE_ITER, iterInfo ? { iterInfo } : {});
  }

  /** Takes ownership of a link fd. */
  static fromFd(fd: number): KernelLink {
    expectKind(fd, 'link');
    return new KernelLink(fd);
  }

  /** Opens the link with this id (BPF_LINK_GET_FD_BY_ID). */
  static fromId(id: number): KernelLink {
    return adoptFd(bpf('LINK_GET_FD_BY_ID', GET_ID, { link_id: id }), KernelLink.fromFd);
  }

  /** Opens a link pinned in bpffs. */
  static fromPin(path: string): KernelLink {
    return adoptFd(objGet(path), KernelLink.fromFd);
  }

  /** `struct bpf_link_info`. */
  info(): LinkInfo {
    return linkInfo(this.fd);
  }

  /** Pins the link: the program stays attached after close() until the pin is removed. */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  /**
   * BPF_ITER_CREATE on an iterator link and reads the new iterator to its end: one full pass of
   * the program over its objects, returning what it printed (BPF_SEQ_PRINTF / bpf_seq_write).
   */
  readIterator(): Uint8Array {
    const fd = bpf('ITER_CREATE', ITER_CREATE, { link_fd: this.fd });
    try {
      const chunks: Uint8Array[] = [];
      for (;;) {
        const chunk = new Uint8Array(64 * 1024);
        const n = readSync(fd, chunk);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
      }
      return Buffer.concat(chunks);
    } finally {
      close(fd);
    }
  }

  /** BPF_LINK_DETACH: detaches the program now; the fd stays open (a defunct link). */
  detach(): void {
    bpf('LINK_DETACH', LINK_DETACH, { link_fd: this.fd });
  }
}

/** BPF_PROG_ATTACH: attaches `prog` to `targetFd` (a cgroup fd, sockmap fd…) without a link. */
export function progAttach(prog: KernelProgram | number, targetFd: number, attachType: number | string,
  o: { flags?: number; replace?: KernelProgram | number } = {}): void {
  bpf('PROG_ATTACH', PROG_ATTACH, {
    target_fd: targetFd, attach_bpf_fd: fdOf(prog), attach_type: attachTypeId(attachType), attach_flags: o.flags ?? 0,
    replace_bpf_fd: o.replace === undefined ? 0 : fdOf(o.replace),
  });
}

/** BPF_PROG_DETACH: detaches `prog` (or the only program, when undefined) from `targetFd`. */
export function progDetach(prog: KernelProgram | number | undefined, targetFd: number, attachType: number | string): void {
  bpf('PROG_DETACH', PROG_ATTACH, {
    target_fd: targetFd, attach_bpf_fd: prog === undefined ? 0 : fdOf(prog), attach_type: attachTypeId(attachType),
  });
}
