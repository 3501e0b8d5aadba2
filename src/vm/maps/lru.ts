/**
 * The kernel's BPF LRU (kernel/bpf/bpf_lru_list.c) over typed arrays: which preallocated slot an
 * LRU hash map takes for a new element and which elements it evicts to get one.
 *
 * Common LRU (default): global ACTIVE / INACTIVE / FREE lists plus, per CPU, a local FREE list and
 * a PENDING list. A CPU takes new nodes from its local free list; when that is empty it flushes its
 * pending nodes to the global lists (referenced → active, else inactive), rotates the global
 * lists, and moves up to `target_free` nodes from the global free list — or, when there
 * are none, evicts up to that many unreferenced nodes from the inactive tail at once (then one
 * node by force). (The target is the kernel's `target_free`, clamp(max_entries / nCpus / 2, 1, 128), as in
 * the 6.18 kernel these tests run against; older kernels used 128.) Still nothing: it steals a free, then a pending node from the CPUs' local lists,
 * round robin. Per-CPU LRU (BPF_F_NO_COMMON_LRU): each CPU has its own three lists over
 * max_entries / nCpus nodes and evicts PERCPU_FREE_TARGET (4) at a time.
 *
 * ## Where the VM's eviction differs from the kernel's (the one place this is documented)
 * - The algorithm, constants and list order are the kernel's, so a sequence of operations that all
 *   run on known CPUs evicts the same keys: kernel-diff.test.ts and lru-diff.test.ts check it op by
 *   op against the kernel on CPU 0 — bpf(2) updates interleaved with a program's lookups setting
 *   reference bits — for common and per-CPU lists and LRU per-CPU maps. But in the kernel the CPU of a bpf(2) update is
 *   whichever CPU the calling thread runs on; the VM uses the `cpu` argument (userspace updates:
 *   CPU 0). Runs that spread over CPUs in the kernel can therefore evict differently: compare
 *   counts, not survivors, unless the kernel side is pinned to CPU 0 (`taskset -c 0`).
 * - The kernel's lists are protected by locks and the reference bit is set without one; the VM
 *   is single-threaded, so concurrent-update races (e.g. two CPUs stealing) do not occur.
 */

/** Node list types (enum bpf_lru_list_type). */
const ACTIVE = 0, INACTIVE = 1, FREE = 2, LOCAL_FREE = 3, PENDING = 4;
const LOCAL_FREE_TARGET = 128, LOCAL_NR_SCANS = 128;
const PERCPU_FREE_TARGET = 4, PERCPU_NR_SCANS = 4;

/** Removes a node's element from the hash table; false when it is not in it (kernel del_from_htab). */
export type DelFromHtab = (node: number) => boolean;

/** One global-style list set (ACTIVE, INACTIVE, FREE) with its inactive-rotation cursor. */
interface ListSet {
  heads: [number, number, number];
  counts: [number, number];
  nextInactiveRotation: number;
}

export class Lru {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly type: Uint8Array;
  private readonly ref: Uint8Array;
  private readonly cpu: Uint16Array;
  /** The list set each node belongs to (index into `sets`). */
  private readonly owner: Uint16Array;
  private readonly sets: ListSet[] = [];
  /** Common LRU: per-CPU [local free head, pending head]. */
  private readonly local: { free: number; pending: number; nextSteal: number }[] = [];
  private readonly nrScans: number;
  /** Nodes a CPU moves to (or frees into) its local free list at once: clamp(nodes / nCpus / 2, 1, 128). */
  private readonly targetFree: number;
  private sentinel: number;

  /**
   * @param nodes number of preallocated elements (max_entries)
   * @param percpu BPF_F_NO_COMMON_LRU: one list set per CPU
   */
  constructor(nodes: number, private readonly nCpus: number, private readonly percpu: boolean, private readonly delFromHtab: DelFromHtab) {
    const sentinels = percpu ? 3 * nCpus : 3 + 2 * nCpus;
    this.prev = new Int32Array(nodes + sentinels);
    this.next = new Int32Array(nodes + sentinels);
    this.type = new Uint8Array(nodes);
    this.ref = new Uint8Array(nodes);
    this.cpu = new Uint16Array(nodes);
    this.owner = new Uint16Array(nodes);
    this.sentinel = nodes;
    this.nrScans = percpu ? PERCPU_NR_SCANS : LOCAL_NR_SCANS;
    this.targetFree = Math.min(Math.max(Math.floor(Math.floor(nodes / nCpus) / 2), 1), LOCAL_FREE_TARGET);
    for (let s = 0; s < (percpu ? nCpus : 1); s++) {
      const heads: [number, number, number] = [this.newHead(), this.newHead(), this.newHead()];
      this.sets.push({ heads, counts: [0, 0], nextInactiveRotation: heads[INACTIVE] });
    }
    if (!percpu) {
      for (let c = 0; c < nCpus; c++) this.local.push({ free: this.newHead(), pending: this.newHead(), nextSteal: c });
      // bpf_common_lru_populate(): every node on the global free list.
      for (let n = 0; n < nodes; n++) this.pushFreeInit(n, 0);
    } else {
      // bpf_percpu_lru_populate(): nodes dealt to the CPUs' free lists in turn.
      const perCpu = Math.floor(nodes / nCpus);
      let n = 0;
      for (let c = 0; c < nCpus; c++) for (let i = 0; i < perCpu && n < nodes; i++, n++) {
        this.cpu[n] = c;
        this.pushFreeInit(n, c);
      }
    }
  }

  private newHead(): number {
    const h = this.sentinel++;
    this.prev[h] = this.next[h] = h;
    return h;
  }

  private pushFreeInit(n: number, set: number): void {
    this.owner[n] = set;
    this.type[n] = FREE;
    this.listAdd(n, this.sets[set].heads[FREE]);
  }

  // ---- list primitives (the kernel's list_head) -------------------------------------------------
  private unlink(n: number): void {
    this.next[this.prev[n]] = this.next[n];
    this.prev[this.next[n]] = this.prev[n];
  }
  private listAdd(n: number, head: number): void {
    const first = this.next[head];
    this.next[n] = first;
    this.prev[n] = head;
    this.prev[first] = n;
    this.next[head] = n;
  }
  private listMove(n: number, head: number): void {
    this.unlink(n);
    this.listAdd(n, head);
  }

  /** bpf_lru_node_set_ref(): an element was used (program lookup). */
  setRef(n: number): void {
    this.ref[n] = 1;
  }

  // ---- global list operations ----------------------------------------------------------------------
  /** __bpf_lru_node_move(): between ACTIVE/INACTIVE/FREE of one set, clearing the ref bit. */
  private nodeMove(s: ListSet, n: number, tgt: number): void {
    const t = this.type[n];
    if (t !== tgt) {
      if (t < FREE) s.counts[t]--;
      if (tgt < FREE) s.counts[tgt]++;
      this.type[n] = tgt;
    }
    if (n === s.nextInactiveRotation) s.nextInactiveRotation = this.prev[n];
    this.ref[n] = 0;
    this.listMove(n, s.heads[tgt]);
  }
  /** __bpf_lru_node_move_in(): from a local list into ACTIVE/INACTIVE. */
  private nodeMoveIn(s: ListSet, n: number, tgt: number): void {
    s.counts[tgt]++;
    this.type[n] = tgt;
    this.ref[n] = 0;
    this.listMove(n, s.heads[tgt]);
  }
  /** __bpf_lru_node_move_to_free(): out of a set's lists onto a free list. */
  private nodeMoveToFree(s: ListSet, n: number, freeHead: number, tgtType: number): void {
    if (n === s.nextInactiveRotation) s.nextInactiveRotation = this.prev[n];
    const t = this.type[n];
    if (t < FREE) s.counts[t]--;
    this.type[n] = tgtType;
    this.listMove(n, freeHead);
  }

  private rotateActive(s: ListSet): void {
    const head = s.heads[ACTIVE];
    const first = this.next[head];
    let i = 0;
    for (let n = this.prev[head]; n !== head;) {
      const p = this.prev[n];
      this.nodeMove(s, n, this.ref[n] ? ACTIVE : INACTIVE);
      if (++i === this.nrScans || n === first) break;
      n = p;
    }
  }

  private rotateInactive(s: ListSet): void {
    const head = s.heads[INACTIVE];
    if (this.next[head] === head) return;
    let last = this.next[s.nextInactiveRotation];
    if (last === head) last = this.next[last];
    let cur = s.nextInactiveRotation;
    let nxt = head;
    let i = 0;
    while (i < this.nrScans) {
      if (cur === head) {
        cur = this.prev[cur];
        continue;
      }
      nxt = this.prev[cur];
      if (this.ref[cur]) this.nodeMove(s, cur, ACTIVE);
      if (cur === last) break;
      cur = nxt;
      i++;
    }
    s.nextInactiveRotation = nxt;
  }

  /** bpf_lru_list_rotate(). */
  private rotate(s: ListSet): void {
    if (s.counts[INACTIVE] < s.counts[ACTIVE]) this.rotateActive(s);
    this.rotateInactive(s);
  }

  /** __bpf_lru_list_shrink(): frees up to `target` nodes onto `freeHead`; returns how many. */
  private shrink(s: ListSet, target: number, freeHead: number, tgtType: number): number {
    const inactive = s.heads[INACTIVE];
    let done = 0, i = 0;
    for (let n = this.prev[inactive]; n !== inactive;) {
      const p = this.prev[n];
      if (this.ref[n]) this.nodeMove(s, n, ACTIVE);
      else if (this.delFromHtab(n)) {
        this.nodeMoveToFree(s, n, freeHead, tgtType);
        if (++done === target) break;
      }
      if (++i === this.nrScans) break;
      n = p;
    }
    if (done) return done;
    // Force shrink, ignoring the reference bit.
    const list = this.next[inactive] !== inactive ? inactive : s.heads[ACTIVE];
    for (let n = this.prev[list]; n !== list; n = this.prev[n]) {
      if (this.delFromHtab(n)) {
        this.nodeMoveToFree(s, n, freeHead, tgtType);
        return 1;
      }
    }
    return 0;
  }

  // ---- allocation ------------------------------------------------------------------------------------
  /** bpf_lru_pop_free(): a node for a new element on `cpu`, or -1 (the map answers -ENOMEM). */
  pop(cpu: number): number {
    return this.percpu ? this.popPercpu(cpu) : this.popCommon(cpu);
  }

  private popPercpu(cpu: number): number {
    const s = this.sets[cpu];
    this.rotate(s);
    const free = s.heads[FREE];
    let n = this.next[free];
    if (n === free) {
      this.shrink(s, PERCPU_FREE_TARGET, free, FREE);
      n = this.next[free];
      if (n === free) return -1;
    }
    this.ref[n] = 0;
    this.nodeMove(s, n, INACTIVE);
    return n;
  }

  private popLocal(head: number): number {
    const n = this.next[head];
    if (n === head) return -1;
    this.unlink(n);
    return n;
  }

  private addPending(cpu: number, n: number): void {
    this.cpu[n] = cpu;
    this.type[n] = PENDING;
    this.ref[n] = 0;
    this.listAdd(n, this.local[cpu].pending);
  }

  /** __local_list_pop_pending(): takes a pending node back from the hash table (unreferenced first). */
  private popPending(cpu: number): number {
    const head = this.local[cpu].pending;
    for (const ignoreRef of [false, true]) {
      for (let n = this.prev[head]; n !== head; n = this.prev[n]) {
        if (!ignoreRef && this.ref[n]) continue;
        if (this.delFromHtab(n)) {
          this.unlink(n);
          return n;
        }
      }
    }
    return -1;
  }

  private popCommon(cpu: number): number {
    const loc = this.local[cpu];
    const s = this.sets[0];
    let n = this.popLocal(loc.free);
    if (n < 0) {
      // bpf_lru_list_pop_free_to_local(): flush pending, rotate, refill the local free list.
      for (let p = this.prev[loc.pending]; p !== loc.pending;) {
        const pp = this.prev[p];
        this.nodeMoveIn(s, p, this.ref[p] ? ACTIVE : INACTIVE);
        p = pp;
      }
      this.rotate(s);
      let nfree = 0;
      const gfree = s.heads[FREE];
      for (let f = this.next[gfree]; f !== gfree && nfree < this.targetFree;) {
        const fn = this.next[f];
        this.nodeMoveToFree(s, f, loc.free, LOCAL_FREE);
        nfree++;
        f = fn;
      }
      if (nfree < this.targetFree) this.shrink(s, this.targetFree - nfree, loc.free, LOCAL_FREE);
      n = this.popLocal(loc.free);
    }
    if (n >= 0) {
      this.addPending(cpu, n);
      return n;
    }
    // Steal from the CPUs' local lists, round robin from next_steal.
    const first = loc.nextSteal;
    let steal = first;
    do {
      n = this.popLocal(this.local[steal].free);
      if (n < 0) n = this.popPending(steal);
      steal = (steal + 1) % this.nCpus;
    } while (n < 0 && steal !== first);
    loc.nextSteal = steal;
    if (n >= 0) this.addPending(cpu, n);
    return n;
  }

  /** bpf_lru_push_free(): a deleted or replaced element's node goes back to a free list. */
  push(n: number): void {
    if (!this.percpu && this.type[n] === PENDING) {
      this.type[n] = LOCAL_FREE;
      this.ref[n] = 0;
      this.listMove(n, this.local[this.cpu[n]].free);
      return;
    }
    const s = this.sets[this.percpu ? this.cpu[n] : 0];
    this.nodeMove(s, n, FREE);
  }
}
