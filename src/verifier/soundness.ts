/**
 * Soundness fuzzer: the verifier against the VM. A seeded generator writes programs the verifier
 * has a real chance to accept but that probe its reasoning (packet bounds checks with edge
 * offsets, pointer arithmetic with scalars of varying bounds, spills/fills, map lookups with and
 * without null checks, context accesses, helpers, loops, subprograms, atomics), and a mutator
 * flips operands, offsets, immediates, jump targets and comparison operators of generated and
 * corpus programs. Every program the verifier accepts (privileged, like root) runs in the VM on
 * several random inputs, with packet lengths at the edges of the program's own bounds checks; a
 * memory-safety {@link VmFault} there means the verifier accepted an unsafe program. Such a
 * program is shrunk (delta debugging, keeping "accepted and faults on the same input") and
 * recorded with the fault and the verifier's log.
 *
 * ```ts
 * const s = runSoundness({ seed: 1, count: 5000 });
 * if (s.findings.length) console.log(formatFinding(s.findings[0]));
 * ```
 */
import { VmFault, TsbpfError } from '../errors.js';
import { ALU, ATOMIC, CLASS, JMP, MODE, OP_CALL, OP_EXIT, OP_LDDW, SIZE, SRC, opClass, opCode, opMode, opSource } from '../isa/opcodes.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assemble } from '../isa/asm.js';
import { decodeInstructions, type Instruction } from '../isa/instruction.js';
import { readObjectFile } from '../object/load.js';
import { parseConformanceCase } from '../vm/conformance.js';
import { formatInstructionLlvm } from '../isa/disasm-llvm.js';
import type { ObjectSpec } from '../object/types.js';
import { BPF_FUNC, BPF_MAP_TYPE, BPF_PROG_TYPE, BPF_PSEUDO, BPF_PSEUDO_CALL, progTypeName } from '../uapi/index.js';
import { SK_BUFF, XDP_MD } from '../uapi/structs.gen.js';
import { loadVmObject } from '../vm/object.js';
import type { VerifierMap } from './types.js';
import { verify } from './verifier.js';

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG

/** xoshiro128** — a small, fast, seedable PRNG (all fuzzing is reproducible from the seed). */
export class Prng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = () => { s = (s + 0x9e3779b9) | 0; let z = s; z = Math.imul(z ^ (z >>> 16), 0x85ebca6b); z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35); return (z ^ (z >>> 16)) >>> 0; };
    this.a = next(); this.b = next(); this.c = next(); this.d = next() || 1;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d; this.c ^= t; this.d = rotl(this.d, 11);
    return r;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.floor((this.u32() / 0x100000000) * n); }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  /** True with probability p. */
  chance(p: number): boolean { return this.u32() / 0x100000000 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

// ---------------------------------------------------------------------------------------------
// Instruction construction

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
const SIZES = [SIZE.B, SIZE.H, SIZE.W, SIZE.DW] as const;
const sizeBytes = (sz: number) => (sz === SIZE.B ? 1 : sz === SIZE.H ? 2 : sz === SIZE.W ? 4 : 8);
const sizeOf = (bytes: number) => (bytes === 1 ? SIZE.B : bytes === 2 ? SIZE.H : bytes === 4 ? SIZE.W : SIZE.DW);
const A = {
  movi: (d: number, imm: number) => insn(CLASS.ALU64 | ALU.MOV | SRC.K, d, 0, 0, imm),
  mov: (d: number, s: number) => insn(CLASS.ALU64 | ALU.MOV | SRC.X, d, s),
  alui: (op: number, d: number, imm: number, w32 = false) => insn((w32 ? CLASS.ALU : CLASS.ALU64) | op | SRC.K, d, 0, 0, imm),
  alu: (op: number, d: number, s: number, w32 = false) => insn((w32 ? CLASS.ALU : CLASS.ALU64) | op | SRC.X, d, s),
  ldx: (sz: number, d: number, s: number, off: number) => insn(CLASS.LDX | MODE.MEM | sz, d, s, off),
  stx: (sz: number, d: number, s: number, off: number) => insn(CLASS.STX | MODE.MEM | sz, d, s, off),
  st: (sz: number, d: number, off: number, imm: number) => insn(CLASS.ST | MODE.MEM | sz, d, 0, off, imm),
  atomic: (sz: number, d: number, s: number, off: number, op: number) => insn(CLASS.STX | MODE.ATOMIC | sz, d, s, off, op),
  call: (id: number) => insn(OP_CALL, 0, 0, 0, id),
  exit: () => insn(OP_EXIT),
};

/** Instructions with symbolic jump targets, resolved by {@link Asm.finish}. */
class Asm {
  readonly insns: Instruction[] = [];
  private readonly fixups: { at: number; label: string; imm: boolean }[] = [];
  private readonly labels = new Map<string, number>();
  private n = 0;
  emit(...xs: Instruction[]): this { this.insns.push(...xs); return this; }
  /** A fresh label name. */
  fresh(): string { return `L${this.n++}`; }
  label(l: string): this { this.labels.set(l, this.insns.length); return this; }
  /** Conditional jump to `l` (`src` set: register form). */
  jmp(op: number, dst: number, operand: { imm?: number; src?: number }, l: string, w32 = false): this {
    const cls = w32 ? CLASS.JMP32 : CLASS.JMP;
    const x = operand.src !== undefined;
    this.fixups.push({ at: this.insns.length, label: l, imm: false });
    return this.emit(insn(cls | op | (x ? SRC.X : SRC.K), dst, operand.src ?? 0, 0, operand.imm ?? 0));
  }
  ja(l: string): this { this.fixups.push({ at: this.insns.length, label: l, imm: false }); return this.emit(insn(CLASS.JMP | JMP.JA)); }
  /** bpf-to-bpf call of the subprogram at label `l`. */
  callSub(l: string): this { this.fixups.push({ at: this.insns.length, label: l, imm: true }); return this.emit(insn(OP_CALL, 0, BPF_PSEUDO_CALL)); }
  ldMap(d: number, index: number): this { return this.emit(insn(OP_LDDW, d, BPF_PSEUDO.MAP_IDX, 0, index), insn(0)); }
  finish(): Instruction[] {
    for (const f of this.fixups) {
      const t = this.labels.get(f.label);
      if (t === undefined) throw new TsbpfError(`internal: fuzz label ${f.label} never placed`);
      if (f.imm) this.insns[f.at].imm = t - f.at - 1; else this.insns[f.at].off = t - f.at - 1;
    }
    return this.insns;
  }
}

// ---------------------------------------------------------------------------------------------
// Programs

/** One fuzz program with what is needed to verify and run it. */
export interface FuzzProgram {
  /** `gen:<template>`, `mut:<origin>` — where it came from. */
  origin: string;
  progType: number;
  insns: Instruction[];
  maps: VerifierMap[];
  /** Packet lengths at the edges of the program's bounds checks (the runs use these first). */
  edges: number[];
}

const PKT_TYPES = [BPF_PROG_TYPE.XDP, BPF_PROG_TYPE.SCHED_CLS, BPF_PROG_TYPE.SOCKET_FILTER] as const;
const MIN_PKT = 14, MAX_PKT = 1514;

// Register roles in generated programs: r6 ctx, r7 packet data, r8 packet end, r9 a scalar; r0–r5 temporaries.
const CTX = 6, DATA = 7, END = 8, SC = 9;
const CMP_OPS = [JMP.JGT, JMP.JGE, JMP.JLT, JMP.JLE, JMP.JSGT, JMP.JSGE, JMP.JSLT, JMP.JSLE, JMP.JEQ, JMP.JNE, JMP.JSET];

/** State of one generated program while its fragments are written. */
class Gen {
  readonly a = new Asm();
  readonly edges: number[] = [];
  readonly maps: VerifierMap[] = [];
  /** data/data_end in DATA/END are valid (reloaded after helpers that change the packet). */
  pkt: boolean;
  /** Subprogram bodies, written after the main program's exit block. */
  readonly subs: (() => void)[] = [];
  constructor(readonly r: Prng, readonly type: number, readonly out: string) {
    this.pkt = type !== BPF_PROG_TYPE.SOCKET_FILTER;
  }
  /** A small offset, usually valid, sometimes just past an edge. */
  probe(valid: number): number {
    return this.r.chance(0.85) ? valid : valid + this.r.pick([1, -1, 2, 4, 8, -8]);
  }
  loadPkt(): void {
    const f = this.type === BPF_PROG_TYPE.XDP ? XDP_MD.fields : SK_BUFF.fields;
    this.a.emit(A.ldx(SIZE.W, DATA, CTX, f.data.offset), A.ldx(SIZE.W, END, CTX, f.data_end.offset));
  }
  /** `if DATA + n > END goto out`, with the check written in one of several equivalent forms. */
  boundsCheck(n: number, tmp = 2): void {
    this.edges.push(n - 1, n, n + 1);
    const r = this.r, a = this.a;
    a.emit(A.mov(tmp, DATA), A.alui(ALU.ADD, tmp, n));
    switch (r.int(4)) {
      case 0: a.jmp(JMP.JGT, tmp, { src: END }, this.out); break;
      case 1: a.jmp(JMP.JLT, END, { src: tmp }, this.out); break;
      case 2: { // if tmp <= end goto ok; goto out
        const ok = a.fresh();
        a.jmp(JMP.JLE, tmp, { src: END }, ok).ja(this.out).label(ok);
        break;
      }
      default: a.jmp(r.pick([JMP.JGT, JMP.JGE]), tmp, { src: END }, this.out); // JGE: one byte stricter
    }
  }
  /** A scalar in `d` with some bounds: from the packet, prandom, the ctx, or a constant. */
  scalar(d: number): void {
    const r = this.r, a = this.a;
    const k = r.int(5);
    if (k === 0 && this.pkt) {
      const off = r.range(0, 40), sz = r.pick([SIZE.B, SIZE.H, SIZE.W, SIZE.DW]);
      this.boundsCheck(off + sizeBytes(sz));
      a.emit(A.ldx(sz, d, DATA, off));
    } else if (k === 1) {
      a.emit(A.call(BPF_FUNC.get_prandom_u32));
      if (d !== 0) a.emit(A.mov(d, 0));
    } else if (k === 2) {
      const f = this.type === BPF_PROG_TYPE.XDP ? XDP_MD.fields.ingress_ifindex : r.pick([SK_BUFF.fields.len, SK_BUFF.fields.mark, SK_BUFF.fields.priority, SK_BUFF.fields.cb]);
      a.emit(A.ldx(SIZE.W, d, CTX, f.offset));
    } else if (k === 3) {
      a.emit(A.call(BPF_FUNC.ktime_get_ns));
      if (d !== 0) a.emit(A.mov(d, 0));
    } else if (k === 4 && this.pkt && r.chance(0.6)) { // sign-extending load, or a 64-bit value from two halves
      this.boundsCheck(16);
      if (r.chance(0.5)) a.emit(insn(CLASS.LDX | MODE.MEMSX | r.pick([SIZE.B, SIZE.H, SIZE.W]), d, DATA, r.range(0, 8)));
      else a.emit(A.ldx(SIZE.W, d, DATA, 0), A.alui(ALU.LSH, d, 32), A.ldx(SIZE.W, 5, DATA, 4), A.alu(ALU.OR, d, 5));
    } else a.emit(A.movi(d, r.pick([0, 1, 7, 255, -1, 0x7fffffff, -0x80000000, 64])));
  }
  /** Refines the bounds of scalar `d` (mask, shift, compare, JMP32, signed/unsigned mixes); returns an upper bound if known. */
  bound(d: number): number | undefined {
    const r = this.r, a = this.a;
    switch (r.int(10)) {
      case 0: { const m = r.pick([0x7, 0xf, 0x3f, 0xff, 0x1ff]); a.emit(A.alui(ALU.AND, d, this.probe(m) & 0x3ff, r.chance(0.3))); return m; }
      case 1: { const s = r.range(56, 63); a.emit(A.alui(ALU.RSH, d, s)); return 2 ** (64 - s) - 1; }
      case 2: { const k = r.pick([8, 16, 40, 64, 255]); a.jmp(r.pick([JMP.JGT, JMP.JGE]), d, { imm: this.probe(k) }, this.out); return k; }
      case 3: { // JMP32 refinement
        const k = r.pick([8, 16, 40, 64]);
        a.jmp(r.pick([JMP.JGT, JMP.JGE, JMP.JSGT]), d, { imm: k }, this.out, true);
        if (r.chance(0.7)) a.emit(A.alu(ALU.MOV, d, d, true)); // w = w: zero-extend the checked 32 bits
        return k;
      }
      case 4: { // signed check only (may let negatives through)
        const k = r.pick([8, 16, 64]);
        a.jmp(JMP.JSGT, d, { imm: k }, this.out);
        if (r.chance(0.7)) a.jmp(JMP.JSLT, d, { imm: 0 }, this.out);
        return k;
      }
      case 5: { const k = r.pick([8, 32]); a.emit(A.alui(ALU.MOD, d, k, r.chance(0.5))); return k; }
      case 6: { // two-sided unsigned
        const lo = r.range(0, 4), hi = r.range(8, 48);
        a.jmp(JMP.JLT, d, { imm: lo }, this.out).jmp(JMP.JGT, d, { imm: hi }, this.out);
        return hi;
      }
      case 7: { // check a copy: the bound reaches `d` through the linked scalar id
        const k = r.pick([8, 16, 40]);
        a.emit(A.mov(5, d)).jmp(r.pick([JMP.JGT, JMP.JGE]), 5, { imm: this.probe(k) }, this.out);
        return k;
      }
      case 8: { // check copy + c (linked with a constant delta; d + c may wrap)
        const c = r.range(1, 8), k = r.pick([8, 16, 40]);
        a.emit(A.mov(5, d), A.alui(ALU.ADD, 5, c)).jmp(JMP.JGT, 5, { imm: this.probe(k + c) }, this.out);
        if (r.chance(0.5)) a.jmp(JMP.JLT, 5, { imm: c }, this.out);
        return k;
      }
      default: return undefined; // unbounded
    }
  }

  // --- fragments --------------------------------------------------------------------------------

  /** Constant-offset packet loads/stores after a bounds check. */
  pktConst(): void {
    if (!this.pkt) return this.stackOps();
    const r = this.r, a = this.a;
    const n = r.range(1, 64), sz = r.pick(SIZES), bytes = sizeBytes(sz);
    this.boundsCheck(n);
    const off = this.probe(Math.max(0, n - bytes - r.int(3)));
    if (r.chance(0.7)) a.emit(A.ldx(sz, r.range(0, 5), DATA, off));
    else a.emit(A.st(sz, DATA, off, r.u32() | 0));
  }
  /** A pointer into the packet plus a bounded scalar, then a check of the moved pointer. */
  pktVar(): void {
    if (!this.pkt) return this.stackVar();
    const r = this.r, a = this.a;
    this.scalar(SC);
    const b = this.bound(SC);
    const sz = r.pick(SIZES), bytes = sizeBytes(sz);
    a.emit(A.mov(3, DATA));
    if (r.chance(0.2)) a.emit(A.alui(ALU.ADD, 3, r.range(0, 20)));
    a.emit(A.alu(ALU.ADD, 3, SC));
    if (r.chance(0.85)) { // check the end of the access
      const n = this.probe(bytes);
      a.emit(A.mov(4, 3), A.alui(ALU.ADD, 4, n));
      a.jmp(r.pick([JMP.JGT, JMP.JGT, JMP.JGE]), 4, { src: END }, this.out);
    }
    if (b !== undefined) this.edges.push(b, b + bytes, b + bytes + 1);
    if (r.chance(0.7)) a.emit(A.ldx(sz, 0, 3, 0)); else a.emit(A.stx(sz, 3, SC, 0));
  }
  /** Spills/fills: scalars and pointers, full and partial, then a use of the filled register. */
  stackOps(): void {
    const r = this.r, a = this.a;
    const slot = -8 * r.range(1, 8);
    const what = r.int(4);
    if (what === 0 && this.pkt) { // spill the packet pointer, fill, use after a check
      a.emit(A.stx(SIZE.DW, 10, DATA, slot));
      if (r.chance(0.2)) a.emit(A.st(r.pick([SIZE.B, SIZE.W]), 10, slot + r.pick([0, 4]), 0)); // clobber part of the spill
      a.emit(A.ldx(r.chance(0.9) ? SIZE.DW : SIZE.W, 3, 10, slot));
      const n = r.range(1, 32);
      a.emit(A.mov(2, 3), A.alui(ALU.ADD, 2, n)).jmp(JMP.JGT, 2, { src: END }, this.out);
      a.emit(A.ldx(SIZE.B, 0, 3, this.probe(n - 1)));
      this.edges.push(n);
    } else if (what === 1) { // spill a bounded scalar, fill (maybe partially) and use as an offset into the stack
      this.scalar(SC);
      const b = this.bound(SC);
      a.emit(A.stx(SIZE.DW, 10, SC, slot));
      a.emit(A.ldx(r.pick([SIZE.DW, SIZE.DW, SIZE.W, SIZE.B]), 2, 10, slot + (r.chance(0.8) ? 0 : r.pick([4, 7]))));
      if (b !== undefined && b < 64) {
        a.emit(A.mov(3, 10), A.alui(ALU.ADD, 3, -this.probe(64)), A.alu(ALU.ADD, 3, 2));
        a.emit(A.st(SIZE.B, 3, 0, 1));
      }
    } else if (what === 2) { // spill ctx, fill and read a field through it
      a.emit(A.stx(SIZE.DW, 10, CTX, slot), A.ldx(SIZE.DW, 1, 10, slot));
      this.ctxAccess(1);
    } else { // plain stores and loads of mixed sizes
      const sz = r.pick(SIZES), bytes = sizeBytes(sz);
      const off = this.probe(slot - (slot % bytes));
      if (r.chance(0.5)) a.emit(A.st(sz, 10, off, r.u32() | 0)); else { this.scalar(SC); a.emit(A.stx(sz, 10, SC, off)); }
      a.emit(A.ldx(r.pick(SIZES), r.range(0, 5), 10, this.probe(off)));
    }
  }
  /** Variable-offset stack accesses (allowed for root when bounded and in range). */
  stackVar(): void {
    const r = this.r, a = this.a;
    for (let o = -64; o < 0; o += 8) a.emit(A.st(SIZE.DW, 10, o, 0));
    this.scalar(SC);
    const b = this.bound(SC);
    const sz = r.pick(SIZES), bytes = sizeBytes(sz);
    if (bytes > 1 && r.chance(0.8)) a.emit(A.alui(ALU.AND, SC, -bytes)); // keep it aligned (stack accesses are strict)
    a.emit(A.mov(3, 10), A.alui(ALU.ADD, 3, -this.probe(64)), A.alu(ALU.ADD, 3, SC));
    if (r.chance(0.5)) a.emit(A.ldx(sz, 0, 3, this.probe(0))); else a.emit(A.st(sz, 3, this.probe(0), 7));
    if (b !== undefined) this.edges.push(b);
  }
  /** The program's maps: array or hash, key and value sizes that vary. */
  map(): number {
    const r = this.r;
    if (this.maps.length && r.chance(0.5)) return r.int(this.maps.length);
    const hash = r.chance(0.4);
    const m: VerifierMap = {
      name: `m${this.maps.length}`, type: hash ? BPF_MAP_TYPE.HASH : BPF_MAP_TYPE.ARRAY,
      keySize: hash ? r.pick([4, 8, 16]) : 4, valueSize: r.pick([1, 4, 8, 12, 16, 24, 48, 64]),
      maxEntries: hash ? 4 : r.pick([1, 1, 2, 4]), flags: 0,
    };
    this.maps.push(m);
    return this.maps.length - 1;
  }
  /** Map lookup, null check (mostly), value access at an edge offset, maybe variable. */
  mapLookup(): void {
    const r = this.r, a = this.a;
    const mi = this.map(), m = this.maps[mi];
    const key = -8 * Math.ceil(m.keySize / 8) - 8;
    for (let o = 0; o < m.keySize; o += 4) a.emit(A.st(SIZE.W, 10, key + o, o === 0 ? r.int(m.maxEntries + 1) : 0));
    a.ldMap(1, mi).emit(A.mov(2, 10), A.alui(ALU.ADD, 2, this.probe(key)), A.call(BPF_FUNC.map_lookup_elem));
    const skip = a.fresh();
    if (r.chance(0.9)) a.jmp(r.chance(0.9) ? JMP.JEQ : JMP.JNE, 0, { imm: 0 }, skip);
    const sz = r.pick(SIZES.filter((s) => sizeBytes(s) <= m.valueSize)), bytes = sizeBytes(sz);
    if (r.chance(0.5)) {
      const off = this.probe(r.range(0, m.valueSize - bytes));
      if (r.chance(0.5)) a.emit(A.ldx(sz, 3, 0, off)); else a.emit(A.st(sz, 0, off, r.u32() | 0));
    } else { // variable offset into the value
      a.emit(A.mov(SC, 0));
      this.scalar(3);
      const b = this.bound(3);
      a.emit(A.alu(ALU.ADD, SC, 3));
      if (b !== undefined && b + bytes > m.valueSize && r.chance(0.8)) a.jmp(JMP.JGT, 3, { imm: m.valueSize - bytes }, skip);
      if (r.chance(0.5)) a.emit(A.ldx(sz, 3, SC, 0)); else a.emit(A.stx(sz, SC, 3, 0));
    }
    if (r.chance(0.3)) this.atomicOn(0, m.valueSize);
    a.label(skip);
  }
  /** An atomic operation on the stack or (when `base` given) a map value. */
  atomicOn(base = 10, limit = 0): void {
    const r = this.r, a = this.a;
    const sz = r.pick([SIZE.W, SIZE.DW]), bytes = sizeBytes(sz);
    const off = base === 10 ? -8 * r.range(1, 8) : this.probe(r.range(0, Math.max(0, limit - bytes)) & ~(bytes - 1));
    if (base === 10) a.emit(A.st(SIZE.DW, 10, off, 0));
    const op = r.pick([ATOMIC.ADD, ATOMIC.ADD | ATOMIC.FETCH, ATOMIC.OR, ATOMIC.AND | ATOMIC.FETCH, ATOMIC.XOR, ATOMIC.XCHG, ATOMIC.CMPXCHG]);
    a.emit(A.movi(4, r.range(0, 9)));
    if (op === ATOMIC.CMPXCHG) a.emit(A.movi(0, 0));
    a.emit(A.atomic(sz, base, 4, off, op));
  }
  /** A context load or store of some size at an offset near a field. */
  ctxAccess(reg = CTX): void {
    const r = this.r, a = this.a;
    const layout = this.type === BPF_PROG_TYPE.XDP ? XDP_MD : SK_BUFF;
    const fields = Object.values(layout.fields);
    const f = r.pick(fields);
    const elem = f.count ? f.size / f.count : f.size;
    const sz = r.chance(0.6) && [1, 2, 4, 8].includes(elem) ? sizeOf(elem) : r.pick(SIZES);
    const off = r.chance(0.9) ? f.offset + (r.chance(0.7) ? 0 : r.pick([1, 2, 4])) : r.range(-4, layout.size + 4);
    if (r.chance(0.75)) a.emit(A.ldx(sz, r.range(0, 5), reg, off));
    else if (r.chance(0.5)) a.emit(A.st(sz, reg, off, r.u32() | 0));
    else { this.scalar(SC); a.emit(A.stx(sz, reg, SC, off)); }
  }
  /** Helpers with memory arguments, and helpers that change the packet (invalidating pointers). */
  helper(): void {
    const r = this.r, a = this.a;
    const k = r.int(3);
    if (k === 0 && this.type !== BPF_PROG_TYPE.XDP) { // bpf_skb_load_bytes(ctx, off, fp-x, len)
      this.scalar(SC);
      const b = this.bound(SC);
      a.emit(A.mov(1, CTX), A.movi(2, r.range(0, 20)), A.mov(3, 10), A.alui(ALU.ADD, 3, -this.probe(32)));
      if (b !== undefined && r.chance(0.7)) a.emit(A.mov(4, SC), A.alui(ALU.ADD, 4, 1)); else a.emit(A.movi(4, this.probe(r.range(1, 32))));
      a.emit(A.call(BPF_FUNC.skb_load_bytes));
    } else if (k === 1 && this.pkt) { // packet-changing helper; usually reload data/data_end afterwards
      a.emit(A.mov(1, CTX));
      if (this.type === BPF_PROG_TYPE.XDP) a.emit(A.movi(2, r.pick([-8, 8, 14, -14, 0])), A.call(r.pick([BPF_FUNC.xdp_adjust_head, BPF_FUNC.xdp_adjust_tail])));
      else a.emit(A.movi(2, r.range(0, 40)), A.call(BPF_FUNC.skb_pull_data));
      if (r.chance(0.9)) this.loadPkt();
    } else if (this.type !== BPF_PROG_TYPE.SOCKET_FILTER) { // bpf_csum_diff over stack memory
      for (let o = -32; o < 0; o += 8) a.emit(A.st(SIZE.DW, 10, o, r.u32() | 0));
      a.emit(A.mov(1, 10), A.alui(ALU.ADD, 1, -32), A.movi(2, this.probe(16) & ~3), A.movi(3, 0), A.movi(4, 0), A.movi(5, 0), A.call(BPF_FUNC.csum_diff));
    } else this.stackOps();
  }
  /** A bounded loop whose body reads the packet or the stack at the loop counter. */
  loop(): void {
    const r = this.r, a = this.a;
    const n = r.range(2, 12), top = a.fresh();
    for (let o = -16; o < 0; o += 8) a.emit(A.st(SIZE.DW, 10, o, 0));
    a.emit(A.movi(SC, 0)).label(top);
    if (this.pkt && r.chance(0.6)) {
      a.emit(A.mov(3, DATA), A.alu(ALU.ADD, 3, SC), A.mov(4, 3), A.alui(ALU.ADD, 4, 1));
      a.jmp(JMP.JGT, 4, { src: END }, this.out);
      a.emit(A.ldx(SIZE.B, 0, 3, 0));
      this.edges.push(n);
    } else {
      a.emit(A.mov(3, 10), A.alui(ALU.ADD, 3, -16), A.alu(ALU.ADD, 3, SC), A.ldx(SIZE.B, 0, 3, 0));
    }
    a.emit(A.alui(ALU.ADD, SC, 1)).jmp(r.pick([JMP.JLT, JMP.JLT, JMP.JLE]), SC, { imm: this.probe(r.chance(0.5) ? n : 16) }, top);
  }
  /** A subprogram that gets a pointer and a scalar and accesses memory through them. */
  subprog(): void {
    const r = this.r, a = this.a;
    const l = `sub${this.subs.length}`;
    const kind = this.pkt && r.chance(0.5) ? 'pkt' : 'stack';
    const n = r.range(1, 32), sz = r.pick(SIZES), bytes = sizeBytes(sz);
    if (kind === 'pkt') {
      this.boundsCheck(n);
      a.emit(A.mov(1, DATA));
    } else {
      for (let o = -32; o < 0; o += 8) a.emit(A.st(SIZE.DW, 10, o, 0));
      a.emit(A.mov(1, 10), A.alui(ALU.ADD, 1, -32));
    }
    const lim = kind === 'pkt' ? n : 32;
    a.emit(A.movi(2, r.range(0, 40))).callSub(l);
    this.subs.push(() => {
      a.label(l);
      const ret = a.fresh();
      if (r.chance(0.5)) {
        a.jmp(JMP.JGT, 2, { imm: this.probe(Math.max(0, lim - bytes)) }, ret).emit(A.alu(ALU.ADD, 1, 2));
        a.emit(A.ldx(sz, 0, 1, 0));
      } else a.emit(A.ldx(sz, 0, 1, this.probe(Math.max(0, lim - bytes))));
      a.label(ret).emit(A.movi(0, 0), A.exit());
    });
  }
}

/** ALU operations the dead-branch probe applies to its scalar. */
const SCALAR_OPS = [ALU.ADD, ALU.SUB, ALU.MUL, ALU.DIV, ALU.OR, ALU.AND, ALU.LSH, ALU.RSH, ALU.NEG, ALU.MOD, ALU.XOR, ALU.MOV, ALU.ARSH, ALU.END];

/**
 * The scalar-domain probe: a scalar from the input, transformed by ALU operations (64/32-bit,
 * signed, byte swaps), then a comparison; one side dereferences NULL. The verifier accepts the
 * program only if it proves that side dead — if the VM ever reaches it, the bounds were wrong.
 */
function deadBranch(g: Gen): void {
  const r = g.r, a = g.a;
  g.scalar(SC);
  if (r.chance(0.5)) g.bound(SC);
  for (let n = r.range(1, 3); n > 0; n--) {
    const op = r.pick(SCALAR_OPS), w32 = r.chance(0.3);
    if (op === ALU.END) a.emit(insn((r.chance(0.5) ? CLASS.ALU : CLASS.ALU64) | ALU.END | (r.chance(0.5) ? SRC.X : SRC.K), SC, 0, 0, r.pick([16, 32, 64])));
    else if (op === ALU.NEG) a.emit(A.alui(ALU.NEG, SC, 0, w32));
    else if (op === ALU.MOV) a.emit(insn((w32 ? CLASS.ALU : CLASS.ALU64) | ALU.MOV | SRC.X, SC, SC, r.pick([0, 8, 16, 32].filter((x) => !w32 || x < 32))));
    else if (r.chance(0.25)) { g.scalar(4); a.emit(A.alu(op, SC, 4, w32)); }
    else {
      const shift = op === ALU.LSH || op === ALU.RSH || op === ALU.ARSH;
      a.emit(A.alui(op, SC, shift ? r.range(0, w32 ? 31 : 63) : r.pick([1, 2, 3, 7, 8, 0xff, 0x7fff, -1, -8, 0x7fffffff, -0x80000000]), w32));
    }
  }
  const trap = a.fresh(), join = a.fresh();
  const w32 = r.chance(0.3), op = r.pick(CMP_OPS);
  if (r.chance(0.2)) { g.scalar(3); a.jmp(op, SC, { src: 3 }, trap, w32); }
  else a.jmp(op, SC, { imm: r.pick([0, 1, 7, 8, 255, 256, 0x7fffffff, -1, -0x80000000, r.u32() | 0]) }, trap, w32);
  a.ja(join).label(trap).emit(A.movi(1, 0), A.ldx(SIZE.B, 0, 1, 0)).label(join);
  if (r.chance(0.5)) { // and the opposite polarity: the fall-through side is the trap
    a.jmp(r.pick(CMP_OPS), SC, { imm: r.pick([0, 1, 8, 255, -1]) }, g.out, r.chance(0.3));
    a.emit(A.movi(1, 0), A.ldx(SIZE.B, 0, 1, 0));
  }
}

/**
 * The state-pruning probe: two paths join with different constants in a register (directly, via
 * a linked copy, or through a stack spill), which is then used as a pointer offset. If pruning
 * treats the second path's state as equivalent without the register being precise, the verifier
 * accepts an out-of-bounds access that the VM reaches when the input takes that path.
 */
function prune(g: Gen): void {
  const r = g.r, a = g.a;
  g.scalar(SC);
  const other = a.fresh(), join = a.fresh();
  const good = r.range(0, 15), bad = r.pick([good, good + 1, 63, 64, 100, 600, -80]);
  a.jmp(r.pick(CMP_OPS), SC, { imm: r.pick([0, 1, 8, 255, -1]) }, other, r.chance(0.3));
  a.emit(A.movi(4, good)).ja(join);
  a.label(other).emit(A.movi(4, bad));
  a.label(join);
  if (r.chance(0.3)) a.emit(A.stx(SIZE.DW, 10, 4, -72), A.movi(4, 0), A.ldx(SIZE.DW, 4, 10, -72)); // precision through a spill
  for (let n = r.int(3); n > 0; n--) a.emit(A.movi(r.range(0, 3), r.int(100))); // filler
  if (g.pkt && r.chance(0.5)) {
    g.boundsCheck(16);
    a.emit(A.mov(3, DATA), A.alu(ALU.ADD, 3, 4), A.ldx(SIZE.B, 0, 3, 0));
  } else {
    a.emit(A.mov(3, 10), A.alui(ALU.ADD, 3, -64), A.alu(ALU.ADD, 3, 4), A.st(SIZE.B, 3, 0, 1));
  }
}

const FRAGMENTS: [string, (g: Gen) => void][] = [
  ['prune', prune],
  ['dead', deadBranch], ['dead', deadBranch],
  ['pkt', (g) => g.pktConst()], ['pktvar', (g) => g.pktVar()], ['stack', (g) => g.stackOps()], ['stackvar', (g) => g.stackVar()],
  ['map', (g) => g.mapLookup()], ['ctx', (g) => g.ctxAccess()], ['helper', (g) => g.helper()], ['loop', (g) => g.loop()],
  ['subprog', (g) => g.subprog()], ['atomic', (g) => g.atomicOn()],
];

/** A new program from the templates: prologue for its type, 1–5 fragments, the exit block. */
export function generateProgram(r: Prng): FuzzProgram {
  const type = r.pick(PKT_TYPES);
  const g = new Gen(r, type, 'out');
  g.a.emit(A.mov(CTX, 1));
  if (g.pkt) g.loadPkt();
  const names: string[] = [];
  for (let i = r.range(1, 5); i > 0; i--) {
    const [name, f] = r.pick(FRAGMENTS);
    names.push(name);
    f(g);
  }
  g.a.label('out').emit(A.movi(0, r.pick([0, 1, 2, 3])), A.exit());
  for (const s of g.subs) s();
  return { origin: `gen:${names.join('+')}`, progType: type, insns: g.a.finish(), maps: g.maps, edges: g.edges.filter((n) => n >= MIN_PKT && n <= MAX_PKT) };
}

// ---------------------------------------------------------------------------------------------
// Mutation

const JCONDS = [JMP.JEQ, JMP.JGT, JMP.JGE, JMP.JSET, JMP.JNE, JMP.JSGT, JMP.JSGE, JMP.JLT, JMP.JLE, JMP.JSLT, JMP.JSLE];
const isJcond = (x: Instruction) => {
  const c = opClass(x.op), o = opCode(x.op);
  return (c === CLASS.JMP || c === CLASS.JMP32) && o !== JMP.CALL && o !== JMP.EXIT && o !== JMP.JA;
};

/** 1–3 point mutations: operands, offsets, immediates, jump targets, comparison operators, sizes. */
export function mutateProgram(r: Prng, p: FuzzProgram): FuzzProgram {
  const insns = p.insns.map((x) => ({ ...x }));
  const edits: string[] = [];
  for (let n = r.range(1, 3); n > 0; n--) {
    const i = r.int(insns.length), x = insns[i];
    if (x.op === OP_LDDW || (i > 0 && insns[i - 1].op === OP_LDDW) || x.op === OP_EXIT) continue;
    const c = opClass(x.op);
    const k = r.int(6);
    if (k === 0 && isJcond(x)) { x.op = (x.op & 0x0f) | r.pick(JCONDS); edits.push(`cmp@${i}`); }
    else if (k === 1 && (isJcond(x) || opCode(x.op) === JMP.JA && c === CLASS.JMP)) { x.off += r.pick([-2, -1, 1, 2]); edits.push(`target@${i}`); }
    else if (k === 2 && (c === CLASS.LDX || c === CLASS.ST || c === CLASS.STX)) { x.off += r.pick([-8, -4, -1, 1, 2, 4, 8]); edits.push(`off@${i}`); }
    else if (k === 3 && opSource(x.op) === SRC.K && c !== CLASS.LDX && c !== CLASS.STX && x.op !== OP_CALL) {
      x.imm = r.chance(0.5) ? x.imm + r.pick([-1, 1, 8, -8]) : r.pick([0, 1, -1, 0x7f, 0xff, 0x7fffffff, -0x80000000]);
      edits.push(`imm@${i}`);
    } else if (k === 4 && (c === CLASS.LDX || c === CLASS.STX || c === CLASS.ST) && opMode(x.op) === MODE.MEM) {
      x.op = (x.op & ~0x18) | r.pick(SIZES); edits.push(`size@${i}`);
    } else if (k === 5 && x.op !== OP_CALL) {
      if (r.chance(0.5)) x.src = r.range(0, 10); else x.dst = r.range(0, 9);
      edits.push(`reg@${i}`);
    }
  }
  return { ...p, origin: `${p.origin.startsWith('corpus:') ? 'mutcorpus' : 'mut'}:${p.origin.replace(/^\w+:/, '')}/${edits.join(',')}`, insns };
}

// ---------------------------------------------------------------------------------------------
// Corpus

/** The xdp/tc/socket-filter programs of object files (with their maps), as mutation seeds. */
export async function corpusFromObjects(files: readonly string[]): Promise<FuzzProgram[]> {
  const out: FuzzProgram[] = [];
  for (const file of files) {
    const spec = await readObjectFile(file);
    const maps = spec.maps.map((m) => ({ name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags }));
    for (const prog of spec.programs) {
      if (!(PKT_TYPES as readonly number[]).includes(prog.type) || prog.coreRelos.length || spec.maps.some((m) => m.innerMap || m.data)) continue;
      if (prog.references.some((x) => x.kind === 'ksym' || x.kind === 'kfunc' || x.kind === 'unresolved')) continue;
      out.push({ origin: `corpus:${path.basename(file)}/${prog.name}`, progType: prog.type, insns: prog.insns, maps, edges: [] });
    }
  }
  return out;
}

/** bpf_conformance programs (`-- asm`/`-- raw`) as XDP programs: mostly ALU and jumps, mutation seeds. */
export function corpusFromConformance(files: readonly string[]): FuzzProgram[] {
  const out: FuzzProgram[] = [];
  for (const file of files) {
    try {
      const c = parseConformanceCase(readFileSync(file, 'utf8'), path.basename(file));
      const insns = c.raw ? decodeInstructions(c.raw) : assemble(c.asm);
      if (insns.length) out.push({ origin: `corpus:${c.name}`, progType: BPF_PROG_TYPE.XDP, insns, maps: [], edges: [] });
    } catch (e) {
      if (!(e instanceof TsbpfError)) throw e; // cases the assembler does not take are skipped
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running in the VM

/** One run's input. */
export interface RunInput {
  packet: Uint8Array;
  /** skb context fields set through ctx_in (mark, priority, cb). */
  ctxIn?: Uint8Array;
  /** Map contents: values per map, by key (number of the first 4 key bytes). */
  mapValues: { key: number; value: Uint8Array }[][];
}

/** Bytes biased to the values that move bounds: 0, 0xff, 0x80, 0x7f, small numbers. */
function fuzzBytes(r: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.chance(0.5) ? r.pick([0, 0xff, 0x80, 0x7f, 1, 8, 14, 40, 64]) : r.int(256);
  return b;
}

/** A random input for `p`: packet lengths from its bounds-check edges first, then random ones. */
export function randomInput(r: Prng, p: FuzzProgram, run: number): RunInput {
  const edge = run < 2 && p.edges.length ? r.pick(p.edges) : undefined;
  const len = edge ?? (r.chance(0.3) ? r.pick([MIN_PKT, MIN_PKT + 1, 60, 64, MAX_PKT]) : r.range(MIN_PKT, MAX_PKT));
  let ctxIn: Uint8Array | undefined;
  if (p.progType !== BPF_PROG_TYPE.XDP && r.chance(0.5)) {
    ctxIn = new Uint8Array(SK_BUFF.size);
    const dv = new DataView(ctxIn.buffer);
    dv.setUint32(SK_BUFF.fields.mark.offset, r.u32(), true);
    dv.setUint32(SK_BUFF.fields.priority.offset, r.pick([0, 1, 0xffffffff, r.u32()]), true);
    for (let i = 0; i < 5; i++) dv.setUint32(SK_BUFF.fields.cb.offset + 4 * i, r.pick([0, 8, 0xffffffff, 0x80000000, r.u32()]), true);
  }
  const mapValues = p.maps.map((m) => {
    const vals: { key: number; value: Uint8Array }[] = [];
    if (m.type !== BPF_MAP_TYPE.ARRAY && m.type !== BPF_MAP_TYPE.HASH) return vals;
    for (let k = 0; k < Math.min(m.maxEntries, 4); k++) if (m.type === BPF_MAP_TYPE.ARRAY || r.chance(0.6)) vals.push({ key: k, value: fuzzBytes(r, m.valueSize) });
    return vals;
  });
  return { packet: fuzzBytes(r, len), ctxIn, mapValues };
}

/** What one run did. */
export type RunOutcome = { kind: 'ok' } | { kind: 'fault'; message: string; insn?: number; safety: boolean } | { kind: 'refused'; message: string };

/**
 * Faults that are not memory safety: the instruction budget, features the VM does not
 * simulate. Everything else a VmFault reports (out-of-region access, null or scalar
 * dereference, read-only or handle memory, context fields) is a safety violation.
 */
const NOT_SAFETY = /instruction budget|not supported by the VM/;

/** Runs of one program on inputs (one VM load, maps refilled before each run). */
export type Runner = (input: RunInput) => RunOutcome;

/** Loads `p` into a fresh VM; returns its runner, or the refusal when the VM cannot load it. */
export function vmRunner(p: FuzzProgram): Runner | Extract<RunOutcome, { kind: 'refused' }> {
  const spec: ObjectSpec = {
    name: 'fuzz', license: 'GPL', kernVersion: 0, externs: [],
    maps: p.maps.map((m) => ({
      ...m, innerMap: undefined, numaNode: 0, mapExtra: 0, pinning: 0, source: 'btf' as const, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, frozen: false,
    })),
    programs: [{
      name: 'fuzz', section: '', type: p.progType, expectedAttachType: 0, sleepable: false, xdpFrags: false, insns: p.insns,
      functions: [{ name: 'fuzz', insn: 0 }], references: [], funcInfo: [], lineInfo: [], coreRelos: [], license: 'GPL', kernVersion: 0,
    }],
  };
  let obj: ReturnType<typeof loadVmObject>;
  try {
    obj = loadVmObject(spec, { cpus: 1, budget: 200_000, verify: false }); // verified by the driver already
  } catch (e) {
    if (e instanceof TsbpfError) return { kind: 'refused', message: `load: ${e.message}` };
    throw e;
  }
  const prog = obj.program('fuzz');
  const maps = p.maps.map((m) => obj.maps.get(m.name)!);
  return (input) => {
    p.maps.forEach((m, i) => {
      const k = new Uint8Array(m.keySize);
      const setKey = (key: number) => { for (let b = 0; b < Math.min(4, m.keySize); b++) k[b] = key >>> (8 * b); };
      // Only array and hash maps get contents (randomInput); corpus maps of other types keep theirs.
      if (m.type === BPF_MAP_TYPE.HASH) for (let key = 0; key < Math.min(m.maxEntries, 4); key++) { setKey(key); maps[i].deleteElem(k); }
      for (const { key, value } of input.mapValues[i] ?? []) { setKey(key); maps[i].updateElem(k, value); }
    });
    try {
      prog.run({ dataIn: input.packet, ctxIn: input.ctxIn, ctxOutSize: 0, dataOutSize: 0 });
      return { kind: 'ok' };
    } catch (e) {
      if (e instanceof VmFault) return { kind: 'fault', message: e.message, insn: e.location.insn, safety: !NOT_SAFETY.test(e.message) };
      if (e instanceof TsbpfError) return { kind: 'refused', message: e.message };
      throw e;
    }
  };
}

/** Runs `p` once in a fresh VM on `input`. */
export function runOnce(p: FuzzProgram, input: RunInput): RunOutcome {
  const run = vmRunner(p);
  return typeof run === 'function' ? run(input) : run;
}

// ---------------------------------------------------------------------------------------------
// Shrinking

/** Deletes slot `i` (not half of an lddw), moving jump and call offsets that cross it. */
function deleteInsn(insns: readonly Instruction[], i: number): Instruction[] {
  const out: Instruction[] = [];
  for (let j = 0; j < insns.length; j++) {
    if (j === i) continue;
    const x = { ...insns[j] };
    const c = opClass(x.op);
    const isJump = (c === CLASS.JMP || c === CLASS.JMP32) && opCode(x.op) !== JMP.EXIT && !(x.op === OP_CALL && x.src !== BPF_PSEUDO_CALL);
    if (isJump) {
      const useImm = x.op === OP_CALL || (c === CLASS.JMP32 && opCode(x.op) === JMP.JA);
      const rel = useImm ? x.imm : x.off;
      const t = j + rel + 1;
      const nt = t > i ? t - 1 : t, nj = j > i ? j - 1 : j;
      if (useImm) x.imm = nt - nj - 1; else x.off = nt - nj - 1;
    }
    out.push(x);
  }
  return out;
}

/**
 * Delta-debugging shrink: drops chunks of instructions (halving the chunk size down to one) as
 * long as `stillFails` holds for the smaller program.
 */
export function shrink(insns: Instruction[], stillFails: (insns: Instruction[]) => boolean): Instruction[] {
  let cur = insns;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let start = cur.length - chunk; start >= 0; start--) {
      let cand = cur;
      let ok = true;
      for (let k = chunk - 1; k >= 0; k--) {
        const i = start + k;
        if (i >= cand.length) { ok = false; break; }
        if (cand[i].op === OP_LDDW) cand = deleteInsn(cand, i + 1); // an lddw goes with its second slot
        else if (i > 0 && cand[i - 1].op === OP_LDDW) { ok = false; break; }
        cand = deleteInsn(cand, i);
      }
      if (ok && cand.length && stillFails(cand)) { cur = cand; start = Math.min(start, cur.length - chunk + 1); }
    }
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Driver

/** A verifier-accepted program that faulted in the VM. */
export interface Finding {
  origin: string;
  progType: number;
  maps: VerifierMap[];
  /** The shrunk program (still accepted, still faulting on `input`). */
  insns: Instruction[];
  original: Instruction[];
  fault: string;
  faultInsn?: number;
  input: RunInput;
  /** Verifier log (level 2) of the shrunk program. */
  log: string;
}

/** Kernel cross-check results of the sampled programs. */
export interface KernelCheck {
  sampled: number;
  agree: number;
  /** tsbpf accepts, the kernel refuses: potential unsoundness. */
  tsbpfOnly: { program: FuzzProgram; kernelError: string }[];
  /** The kernel accepts, tsbpf refuses. */
  kernelOnly: { program: FuzzProgram; tsbpfError: string }[];
}

/** Options of {@link runSoundness}. */
export interface SoundnessOptions {
  seed: number;
  count: number;
  /** VM runs per accepted program (default 4). */
  runs?: number;
  /** Corpus programs to mutate (besides the generated ones); a fraction of programs are mutants of these. */
  corpus?: FuzzProgram[];
  /** Cross-check every n-th program with the kernel (needs root; 0 = never). */
  kernelEvery?: number;
  /** Kernel verdict of a program (injected to keep the kernel out of this module's imports). */
  kernelVerify?: (p: FuzzProgram) => { accepted: boolean; error: string };
  /** Stop shrinking/recording after this many findings (default 20). */
  maxFindings?: number;
}

/** Counts of one fuzz run. */
export interface SoundnessStats {
  programs: number;
  accepted: number;
  runs: number;
  /** Safety faults of accepted programs (each a verifier bug, or a VM bug). */
  faults: number;
  /** Faults that are not memory safety (budget, unsupported feature), and inputs the VM refused. */
  otherFaults: number;
  refused: number;
  findings: Finding[];
  /** Accepted/total per origin kind (template fragment names are summarised by the first). */
  byOrigin: Map<string, { total: number; accepted: number }>;
  kernel?: KernelCheck;
  seconds: number;
}

/** Generates, verifies and runs `count` programs. */
export function runSoundness(o: SoundnessOptions): SoundnessStats {
  const r = new Prng(o.seed);
  const runs = o.runs ?? 4, maxFindings = o.maxFindings ?? 20;
  const stats: SoundnessStats = { programs: 0, accepted: 0, runs: 0, faults: 0, otherFaults: 0, refused: 0, findings: [], byOrigin: new Map(), seconds: 0 };
  const kernel: KernelCheck | undefined = o.kernelEvery && o.kernelVerify ? { sampled: 0, agree: 0, tsbpfOnly: [], kernelOnly: [] } : undefined;
  const t0 = performance.now();
  const pool: FuzzProgram[] = []; // accepted programs, mutated further
  for (let n = 0; n < o.count; n++) {
    let p: FuzzProgram;
    const dice = r.int(10);
    if (dice < 2 && o.corpus?.length) p = mutateProgram(r, r.pick(o.corpus));
    else if (dice < 5 && pool.length) p = mutateProgram(r, r.pick(pool));
    else p = generateProgram(r);
    stats.programs++;
    const res = verify({ progType: p.progType, insns: p.insns, maps: p.maps, privileged: true, logLevel: 0 });
    const kind = p.origin.split(':')[0];
    const bo = stats.byOrigin.get(kind) ?? { total: 0, accepted: 0 };
    bo.total++;
    stats.byOrigin.set(kind, bo);
    if (kernel && n % o.kernelEvery! === 0) crossCheck(kernel, p, res.accepted, res.error?.message ?? '', o.kernelVerify!);
    if (!res.accepted) continue;
    stats.accepted++;
    bo.accepted++;
    if (pool.length < 2000) pool.push(p); else pool[r.int(pool.length)] = p;
    const run = vmRunner(p);
    if (typeof run !== 'function') { stats.refused++; continue; }
    for (let k = 0; k < runs; k++) {
      const input = randomInput(r, p, k);
      const out = run(input);
      stats.runs++;
      if (out.kind === 'refused') { stats.refused++; continue; }
      if (out.kind === 'ok') continue;
      if (!out.safety) { stats.otherFaults++; continue; }
      stats.faults++;
      if (stats.findings.length < maxFindings) stats.findings.push(record(p, input, out));
      break;
    }
  }
  stats.seconds = (performance.now() - t0) / 1000;
  if (kernel) stats.kernel = kernel;
  return stats;
}

function crossCheck(k: KernelCheck, p: FuzzProgram, accepted: boolean, error: string, kv: NonNullable<SoundnessOptions['kernelVerify']>): void {
  const kr = kv(p);
  k.sampled++;
  if (kr.accepted === accepted) k.agree++;
  else if (accepted) k.tsbpfOnly.push({ program: p, kernelError: kr.error });
  else k.kernelOnly.push({ program: p, tsbpfError: error });
}

/** Shrinks a faulting program and records it with the verifier's log. */
function record(p: FuzzProgram, input: RunInput, out: Extract<RunOutcome, { kind: 'fault' }>): Finding {
  const fails = (insns: Instruction[]) => {
    const q = { ...p, insns };
    if (!verify({ progType: p.progType, insns, maps: p.maps, logLevel: 0 }).accepted) return false;
    const o = runOnce(q, input);
    return o.kind === 'fault' && o.safety;
  };
  const small = shrink(p.insns, fails);
  const final = runOnce({ ...p, insns: small }, input);
  const log = verify({ progType: p.progType, insns: small, maps: p.maps, logLevel: 2 }).log;
  return {
    origin: p.origin, progType: p.progType, maps: p.maps, insns: small, original: p.insns, input, log,
    fault: final.kind === 'fault' ? final.message : out.message, faultInsn: final.kind === 'fault' ? final.insn : out.insn,
  };
}

/** Human-readable report of a finding: type, maps, input, fault, the shrunk program. */
export function formatFinding(f: Finding): string {
  const lines = [
    `origin ${f.origin}; ${progTypeName(f.progType)}; ${f.original.length} -> ${f.insns.length} insns`,
    `maps: ${f.maps.map((m) => `${m.name}(type ${m.type} key ${m.keySize} value ${m.valueSize} max ${m.maxEntries})`).join(' ') || 'none'}`,
    `input: packet ${f.input.packet.length} bytes${f.input.ctxIn ? ', ctx_in' : ''}`,
    `fault: ${f.fault} (insn ${f.faultInsn ?? '?'})`,
  ];
  for (let i = 0; i < f.insns.length; i++) {
    lines.push(`  ${String(i).padStart(3)}: ${formatInstructionLlvm(f.insns, i)}`);
    if (f.insns[i].op === OP_LDDW) i++;
  }
  return lines.join('\n');
}
