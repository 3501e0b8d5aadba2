/**
 * Structural checks that run before abstract interpretation, in the kernel's order:
 * subprogram discovery (add_subprog_and_kfunc), per-subprogram jump ranges and last-instruction rule
 * (check_subprogs), lddw and opcode validity (resolve_pseudo_ldimm64), the depth-first CFG walk
 * (check_cfg) and the static register liveness (compute_live_registers).
 */
import type { Instruction } from '../isa/index.js';
import { CLASS, ALU, JMP, MODE, SIZE, SIZE_BYTES, SRC, OP_LDDW, opClass, opCode, opMode, opSize, opSource } from '../isa/index.js';
import { BPF_PSEUDO, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_MAP_TYPE, BPF_FUNC } from '../uapi/index.js';
import type { VerifierMap } from './types.js';
import { helperArgCount, helperProto } from './helpers.js';
import { MAX_BPF_STACK, type SlotMasks } from './state.js';
import { zeroedU8, zeroedU16, zeroedI32 } from './slab.js';

/** A structural error: the kernel's message and the instruction it names. */
export class CfgError {
  constructor(readonly message: string, readonly insn: number) {}
}

/** The control flow the dataflow analyses follow (see {@link flowOf}). */
export interface Flow {
  /**
   * The successors of every instruction inside the program, two entries per instruction (index
   * 2i and 2i + 1, -1 for none). Calls fall through. The second slot of a lddw has no successor
   * and no predecessor: the analyses may process it, it stays empty.
   */
  succ: Int32Array;
  /**
   * Per instruction: 1 when an edge, or a bpf-to-bpf call, leads to it from itself or a later
   * instruction. A sweep in instruction order (backward analyses: descending) has seen every
   * input of an instruction that is no such target, so a value changed there needs no new sweep.
   */
  back: Uint8Array;
}

/** What the CFG pass learns about a program. */
export interface CfgInfo extends Flow {
  /** Start instruction of each subprogram, ascending (subprogram 0 starts at 0). */
  subprogStarts: number[];
  /** The call instructions (helpers and bpf-to-bpf calls), ascending. */
  calls: number[];
  /** Per instruction: 1 = prune point, 2 = jump point (both flags may be set). */
  points: Uint8Array;
}

export const PRUNE_POINT = 1, JMP_POINT = 2;
const BPF_MAX_VAR_OFF = 1 << 29;

/** Every valid opcode byte (bpf_opcode_in_insntable), lddw excluded (it is checked separately). */
const VALID_OPCODES: Uint8Array = (() => {
  const t = new Uint8Array(256);
  const aluOps = [ALU.ADD, ALU.SUB, ALU.MUL, ALU.DIV, ALU.OR, ALU.AND, ALU.LSH, ALU.RSH, ALU.MOD, ALU.XOR, ALU.MOV, ALU.ARSH];
  for (const cls of [CLASS.ALU, CLASS.ALU64]) {
    for (const o of aluOps) for (const s of [SRC.K, SRC.X]) t[cls | o | s] = 1;
    t[cls | ALU.NEG | SRC.K] = 1;
  }
  t[CLASS.ALU | ALU.END | SRC.K] = t[CLASS.ALU | ALU.END | SRC.X] = t[CLASS.ALU64 | ALU.END | SRC.K] = 1;
  const cond = [JMP.JEQ, JMP.JGT, JMP.JGE, JMP.JSET, JMP.JNE, JMP.JSGT, JMP.JSGE, JMP.JLT, JMP.JLE, JMP.JSLT, JMP.JSLE];
  for (const cls of [CLASS.JMP, CLASS.JMP32]) for (const o of cond) for (const s of [SRC.K, SRC.X]) t[cls | o | s] = 1;
  t[CLASS.JMP | JMP.JA] = t[CLASS.JMP32 | JMP.JA] = t[CLASS.JMP | JMP.CALL] = t[CLASS.JMP | JMP.EXIT] = 1;
  for (const sz of [SIZE.B, SIZE.H, SIZE.W, SIZE.DW]) {
    t[CLASS.LDX | MODE.MEM | sz] = t[CLASS.STX | MODE.MEM | sz] = t[CLASS.ST | MODE.MEM | sz] = 1;
    t[CLASS.STX | MODE.ATOMIC | sz] = 1;
    if (sz !== SIZE.DW) {
      t[CLASS.LDX | MODE.MEMSX | sz] = 1;
      t[CLASS.LD | MODE.ABS | sz] = t[CLASS.LD | MODE.IND | sz] = 1;
    }
  }
  return t;
})();

const isJmpCls = (op: number): boolean => opClass(op) === CLASS.JMP || opClass(op) === CLASS.JMP32;
const isPseudoCall = (i: Instruction): boolean => i.op === (CLASS.JMP | JMP.CALL) && i.src === BPF_PSEUDO_CALL;
const isPseudoFunc = (i: Instruction): boolean => i.op === OP_LDDW && i.src === BPF_PSEUDO.FUNC;
/** Jump target of a jump instruction (JMP32|JA uses imm). */
export const jumpTarget = (insns: readonly Instruction[], i: number): number =>
  i + 1 + (insns[i].op === (CLASS.JMP32 | JMP.JA) ? insns[i].imm : insns[i].off);

/** Subprogram starts (add_subprog_and_kfunc); collects the call instructions in `calls`. */
function findSubprogs(insns: readonly Instruction[], privileged: boolean, calls: number[]): number[] {
  const starts = [0];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (insn.op === (CLASS.JMP | JMP.CALL)) {
      if (insn.src === BPF_PSEUDO_KFUNC_CALL) throw new CfgError('tsbpf: kernel function (kfunc) calls are not supported', i);
      calls.push(i);
    }
    if (!isPseudoCall(insn) && !isPseudoFunc(insn)) continue;
    if (!privileged) throw new CfgError('loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN', i);
    const target = i + insn.imm + 1;
    if (target < 0 || target >= insns.length) throw new CfgError('call to invalid destination', i);
    if (!starts.includes(target)) starts.push(target);
  }
  return starts.sort((a, b) => a - b);
}

/** Jumps stay inside their subprogram; each subprogram ends in exit or goto (check_subprogs). */
function checkSubprogs(insns: readonly Instruction[], starts: number[]): void {
  let cur = 0;
  let start = starts[0], end = starts[1] ?? insns.length;
  for (let i = 0; i < insns.length; i++) {
    const op = insns[i].op;
    if (isJmpCls(op) && opCode(op) !== JMP.EXIT && opCode(op) !== JMP.CALL) {
      const t = jumpTarget(insns, i);
      if (t < start || t >= end) throw new CfgError(`jump out of range from insn ${i} to ${t}`, i);
    }
    if (i === end - 1) {
      if (op !== (CLASS.JMP | JMP.EXIT) && op !== (CLASS.JMP32 | JMP.JA) && op !== (CLASS.JMP | JMP.JA)) {
        throw new CfgError('last insn is not an exit or jmp', i);
      }
      cur++;
      start = end;
      end = starts[cur + 1] ?? insns.length;
    }
  }
}

/** lddw pairs, map references and opcode validity (resolve_pseudo_ldimm64). */
function checkLdImm64AndOpcodes(insns: readonly Instruction[], maps: readonly VerifierMap[]): void {
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    const cls = opClass(insn.op);
    if (cls === CLASS.LDX && ((opMode(insn.op) !== MODE.MEM && opMode(insn.op) !== MODE.MEMSX) || insn.imm !== 0)) {
      throw new CfgError('BPF_LDX uses reserved fields', i);
    }
    if (insn.op === OP_LDDW) {
      const next = insns[i + 1];
      if (i === insns.length - 1 || next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw new CfgError('invalid bpf_ld_imm64 insn', i);
      }
      if (insn.src === 0 || insn.src === BPF_PSEUDO.FUNC) { i++; continue; }
      const isMap = insn.src === BPF_PSEUDO.MAP_FD || insn.src === BPF_PSEUDO.MAP_IDX;
      const isValue = insn.src === BPF_PSEUDO.MAP_VALUE || insn.src === BPF_PSEUDO.MAP_IDX_VALUE;
      if (insn.src === BPF_PSEUDO.BTF_ID) throw new CfgError('tsbpf: ldimm64 of BTF ids (ksyms) is not supported', i);
      if (!isValue && !(isMap && next.imm === 0)) throw new CfgError('unrecognized bpf_ld_imm64 insn', i);
      const map = maps[insn.imm];
      if (!map || insn.imm < 0) throw new CfgError(`fd ${insn.imm} is not pointing to valid bpf_map`, i);
      if (isValue) {
        const off = next.imm >>> 0;
        if (off >= BPF_MAX_VAR_OFF) throw new CfgError(`direct value offset of ${off} is not allowed`, i);
        if (map.type !== BPF_MAP_TYPE.ARRAY) throw new CfgError('no direct value access support for this map type', i);
        if (map.maxEntries !== 1 || off >= map.valueSize) {
          throw new CfgError(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, i);
        }
      }
      i++;
      continue;
    }
    if (!VALID_OPCODES[insn.op]) throw new CfgError(`unknown opcode ${insn.op.toString(16).padStart(2, '0')}`, i);
  }
}

const EXPLORED = 3, DISCOVERED = 1;

/**
 * No unreachable code and no jump into an lddw (check_cfg), from the successor table: the other
 * edge checks of the kernel's walk are done by checkSubprogs and findSubprogs. Unprivileged
 * programs (which have no calls) get the kernel's depth-first walk, which also refuses loops.
 */
function checkCfg(insns: readonly Instruction[], privileged: boolean, { succ }: Flow): void {
  const n = insns.length;
  const state = zeroedU8(n);
  // Each instruction is pushed once, when discovered.
  const stack = zeroedI32(n);
  let top = 1;
  if (privileged) {
    state[0] = EXPLORED;
    const reach = (w: number): void => {
      if (state[w] === 0) { state[w] = EXPLORED; stack[top++] = w; }
    };
    while (top) {
      const t = stack[--top], insn = insns[t];
      if (succ[2 * t] >= 0) reach(succ[2 * t]);
      if (succ[2 * t + 1] >= 0) reach(succ[2 * t + 1]);
      if (isPseudoCall(insn) || isPseudoFunc(insn)) reach(t + insn.imm + 1);
    }
  } else {
    // Per insn on the stack: how many of its edges were followed.
    const followed = zeroedU8(n);
    state[0] = DISCOVERED;
    while (top) {
      const t = stack[top - 1];
      let k = followed[t];
      for (; k < 2; k++) {
        const w = succ[2 * t + k];
        if (w < 0) continue;
        if (state[w] === 0) {
          state[w] = DISCOVERED;
          stack[top++] = w;
          break;
        }
        if (state[w] === DISCOVERED) throw new CfgError(`back-edge from insn ${t} to ${w}`, t);
      }
      if (k < 2) {
        followed[t] = k + 1;
      } else {
        state[t] = EXPLORED;
        top--;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) throw new CfgError(`unreachable insn ${i}`, i);
    if (insns[i].op === OP_LDDW) {
      if (state[i + 1] !== 0) throw new CfgError(`jump into the middle of ldimm64 insn ${i}`, i);
      i++;
    }
  }
}

const CALLER_SAVED = 0x3f; // R0-R5

/**
 * Registers used and defined by one instruction (compute_insn_live_regs), packed as
 * `use | def << 16`.
 */
function useDef(insn: Instruction): number {
  const { op, dst, src } = insn;
  const d = 1 << dst, s = 1 << src;
  switch (opClass(op)) {
    case CLASS.ALU: case CLASS.ALU64: {
      const o = opCode(op);
      if (o === ALU.MOV) return (opSource(op) === SRC.X ? s : 0) | d << 16;
      if (o === ALU.NEG || o === ALU.END) return d | d << 16;
      return d | (opSource(op) === SRC.X ? s : 0) | d << 16;
    }
    case CLASS.LDX: return s | d << 16;
    case CLASS.ST: return d;
    case CLASS.STX: {
      if (opMode(op) !== MODE.ATOMIC) return d | s;
      if (insn.imm === 0xf1) return d | s | 1 | 1 << 16;
      if (insn.imm === 0x100) return s | d << 16;
      return d | s | (insn.imm & 1 ? s : 0) << 16;
    }
    case CLASS.LD:
      if (op === OP_LDDW) return d << 16;
      // LD_ABS/IND may end the program: the kernel counts every register as used.
      return 0x3ff | CALLER_SAVED << 16;
    default: {
      const o = opCode(op);
      if (o === JMP.EXIT) return 1;
      if (o === JMP.CALL) {
        const n = insn.src === 0 ? helperArgCount(insn.imm) : 5;
        return (((1 << (n + 1)) - 1) & ~1) | CALLER_SAVED << 16;
      }
      if (o === JMP.JA) return 0;
      return d | (opSource(op) === SRC.X ? s : 0);
    }
  }
}

/**
 * The successor table and loop heads of a program (see {@link Flow}). With `points`, also marks
 * the prune and jump points (check_cfg's): conditional jumps and calls, and what follows or is
 * reached by a jump, a call or a callback.
 */
export function flowOf(insns: readonly Instruction[], points?: Uint8Array): Flow {
  const n = insns.length, succ = zeroedI32(2 * n).fill(-1), back = zeroedU8(n);
  for (let i = 0; i < n; i++) {
    const insn = insns[i], op = insn.op;
    // Up to two successors; n: none.
    let a = i + 1, b = n;
    if (op === OP_LDDW) {
      a = i + 2;
      if (points && insn.src === BPF_PSEUDO.FUNC) {
        points[i] |= PRUNE_POINT;
        points[i + 2] |= PRUNE_POINT | JMP_POINT;
        mark(points, i + insn.imm + 1, n);
      }
    } else if (isJmpCls(op)) {
      const o = opCode(op);
      if (o === JMP.EXIT) a = n;
      else if (o === JMP.JA) {
        a = jumpTarget(insns, i);
        if (points) mark(points, a, n);
      } else if (o === JMP.CALL) {
        const callee = i + insn.imm + 1;
        if (insn.src === BPF_PSEUDO_CALL && callee >= 0 && callee <= i) back[callee] = 1;
        if (points) {
          points[i + 1] |= PRUNE_POINT | JMP_POINT;
          if (insn.src === BPF_PSEUDO_CALL) { points[i] |= PRUNE_POINT; mark(points, callee, n); }
        }
      } else {
        b = i + 1 + insn.off;
        if (points) { points[i] |= PRUNE_POINT; mark(points, b, n); }
      }
    }
    let k = 2 * i;
    if (a < n) { succ[k++] = a; if (a >= 0 && a <= i) back[a] = 1; }
    if (b < n) { succ[k] = b; if (b >= 0 && b <= i) back[b] = 1; }
    // The second slot of a lddw is no instruction.
    if (op === OP_LDDW) i++;
  }
  return { succ, back };
}

/** Marks insn `t` (when in range) as reached by a jump: a prune and jump point. */
function mark(points: Uint8Array, t: number, n: number): void {
  if (t >= 0 && t < n) points[t] |= PRUNE_POINT | JMP_POINT;
}

/** Backward dataflow to a fixpoint: registers live before each instruction (bit r: Rr; compute_live_registers). */
export function computeLiveRegs(insns: readonly Instruction[], { succ, back }: Flow): Uint16Array {
  const n = insns.length;
  const live = zeroedU16(n);
  // useDef of each instruction; -1 for the second slot of a lddw.
  const uds = zeroedI32(n);
  for (let i = 0; i < n; i++) {
    uds[i] = useDef(insns[i]);
    if (insns[i].op === OP_LDDW && i + 1 < n) uds[++i] = -1;
  }
  for (let again = true; again;) {
    again = false;
    for (let i = n - 1; i >= 0; i--) {
      const ud = uds[i];
      if (ud < 0) continue;
      const s0 = succ[2 * i], s1 = succ[2 * i + 1];
      const out = (s0 >= 0 ? live[s0] : 0) | (s1 >= 0 ? live[s1] : 0);
      const inn = (ud | (out & ~(ud >>> 16))) & 0x3ff;
      if (inn !== live[i]) { live[i] = inn; if (back[i]) again = true; }
    }
  }
  return live;
}

/** Runs every structural check; throws {@link CfgError} with the kernel's message. */
export function analyzeCfg(insns: readonly Instruction[], maps: readonly VerifierMap[], privileged: boolean,
  onSubprogs?: (starts: readonly number[]) => void): CfgInfo {
  const calls: number[] = [];
  const subprogStarts = findSubprogs(insns, privileged, calls);
  onSubprogs?.(subprogStarts);
  checkSubprogs(insns, subprogStarts);
  checkLdImm64AndOpcodes(insns, maps);
  const points = zeroedU8(insns.length + 1);
  const flow = flowOf(insns, points);
  checkCfg(insns, privileged, flow);
  return { subprogStarts, calls, points, succ: flow.succ, back: flow.back };
}

/**
 * Strongly connected components with a cycle (loops), numbered from 1 in the order Tarjan's
 * algorithm completes them from insn 0 (compute_scc); 0 for instructions outside any loop.
 */
export function computeScc(insns: readonly Instruction[]): Uint32Array {
  const n = insns.length;
  const { succ } = flowOf(insns);
  const index = new Int32Array(n).fill(-1), low = new Int32Array(n), onStack = new Uint8Array(n);
  const scc = new Uint32Array(n);
  const stack: number[] = [];
  let counter = 0, nextId = 1;
  const strong = (v0: number): void => {
    // [instruction, next successor slot to follow]
    const work: [number, number][] = [[v0, 0]];
    index[v0] = low[v0] = counter++; stack.push(v0); onStack[v0] = 1;
    while (work.length) {
      const top = work[work.length - 1];
      const [v, k] = top;
      const w = k < 2 ? succ[2 * v + k] : -1;
      if (w >= 0) {
        top[1]++;
        if (index[w] < 0) {
          index[w] = low[w] = counter++; stack.push(w); onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length) { const p = work[work.length - 1][0]; low[p] = Math.min(low[p], low[v]); }
      if (low[v] !== index[v]) continue;
      const members: number[] = [];
      let u: number;
      do { u = stack.pop()!; onStack[u] = 0; members.push(u); } while (u !== v);
      if (members.length > 1 || succ[2 * v] === v || succ[2 * v + 1] === v) {
        for (const m of members) scc[m] = nextId;
        nextId++;
      }
    }
  };
  for (let i = 0; i < n; i++) {
    if (index[i] < 0) strong(i);
    if (insns[i].op === OP_LDDW) i++;
  }
  return scc;
}

/** The `Live regs before insn:` block of a level-2 log (`scc insn: live-registers insn`). */
export function formatLiveRegs(insns: readonly Instruction[], live: Uint16Array, fmt: (i: number) => string): string {
  const scc = computeScc(insns);
  let out = 'Live regs before insn:\n';
  for (let i = 0; i < insns.length; i++) {
    let cols = '';
    for (let r = 0; r < 10; r++) cols += live[i] & (1 << r) ? String(r) : '.';
    out += `${scc[i] ? String(scc[i]).padStart(3) : '   '} ${String(i).padStart(3)}: ${cols} ${fmt(i)}\n`;
    if (insns[i].op === OP_LDDW) i++;
  }
  return out;
}

const FP = 1 << 10;
const ARGS = 0x3e; // R1-R5
/** mayPointers' per-instruction flags. */
const SEEN = 1, PENDING = 2;

/**
 * mayPointers' slot tracking. Only the slots that 8-byte fills through R10 read are tracked, each
 * under a compact index c (`tracked[spi]`, -1: untracked); the scratch `sl` holds the slots of
 * the instruction being processed: bit k * nTracked + c says slot c may hold a pointer of kind k
 * (0 stack, 1 ctx, 2 any).
 */
const sl = new Int32Array(6);
const tracked = new Int8Array(64);
let nTracked = 0;
/** The slot of a fixed offset (spi; -1 outside the stack). */
const slotOf = (off: number): number => (off < 0 && off >= -512 ? (-off - 1) >> 3 : -1);
/** Whether tracked slot `c` may hold a pointer of kind `k` in `sl`: 1 or 0. */
const holds = (k: number, c: number): number => {
  const b = k * nTracked + c;
  return (sl[b >> 5] >>> (b & 31)) & 1;
};
/** Sets (`on`) or clears the bit of tracked slot `c` and kind `k` in `sl`. */
function setBit(k: number, c: number, on: boolean): void {
  const b = k * nTracked + c, bit = 1 << (b & 31);
  sl[b >> 5] = on ? sl[b >> 5] | bit : sl[b >> 5] & ~bit;
}
/** Slot `spi` now may hold a stack / ctx / any pointer as `kinds` says (bit 0, 1, 2; 0: none). */
function setSlot(spi: number, kinds: number): void {
  const c = spi >= 0 ? tracked[spi] : -1;
  if (c >= 0) for (let k = 0; k < 3; k++) setBit(k, c, ((kinds >> k) & 1) !== 0);
}
/**
 * mayPointers' facts about the registers before an instruction, packed in one 32-bit word: bits
 * 0-10 may hold a stack pointer (bit r: Rr), 11-20 a ctx pointer (R0-R9), 21-31 any pointer.
 */
const CX_SHIFT = 11, PT_SHIFT = 21;
/** The word's bits of the registers `m` (bit r: Rr) for every kind. */
const allKinds = (m: number): number => m | (m & 0x3ff) << CX_SHIFT | m << PT_SHIFT;
/** The kinds (bit 0 stack, 1 ctx, 2 any pointer) of the registers `m` may hold in word `w`. */
const kindsOf = (w: number, m: number): number => (w & m ? 1 : 0) | (w & (m & 0x3ff) << CX_SHIFT ? 2 : 0) | (w & m << PT_SHIFT ? 4 : 0);
/** Word `w` with register `d` (one bit) holding the kinds `k` (as kindsOf gives them). */
const withKinds = (w: number, d: number, k: number): number =>
  (w & ~allKinds(d)) | (k & 1 ? d : 0) | (k & 2 ? (d & 0x3ff) << CX_SHIFT : 0) | (k & 4 ? d << PT_SHIFT : 0);

/**
 * Forward may-analysis: the registers that may hold a stack pointer before each insn (bits 0-10
 * of each word, see kindsOf), following stack, ctx and other pointers spilled to fixed stack
 * slots (`*(u64 *)(r10 - N)`). Instructions are processed in ascending order, each when its
 * input grew, until a sweep changes no input of an instruction it had passed.
 */
export function mayPointers(insns: readonly Instruction[], subprogStarts: readonly number[], succ: Int32Array): Int32Array {
  const n = insns.length;
  const regs = zeroedI32(n);
  // The spilled-pointer slots matter only to 8-byte fills through R10: track those, in `words`
  // words of `sl` per insn.
  tracked.fill(-1);
  nTracked = 0;
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    if (insn.op !== (CLASS.LDX | MODE.MEM | SIZE.DW) || insn.src !== 10) continue;
    const spi = slotOf(insn.off);
    if (spi >= 0 && tracked[spi] < 0) tracked[spi] = nTracked++;
  }
  const words = (3 * nTracked + 31) >> 5;
  const slots = zeroedI32(words * n);
  const flags = zeroedU8(n);
  /** Joins (w, sl) into the input of insn i; true when that changed it. */
  const join = (i: number, w: number): boolean => {
    if (i >= n) return false;
    const a = regs[i] | w;
    let same = flags[i] !== 0 && a === regs[i];
    for (let k = 0; k < words; k++) {
      const v = slots[words * i + k] | sl[k];
      if (v !== slots[words * i + k]) { slots[words * i + k] = v; same = false; }
    }
    if (same) return false;
    regs[i] = a; flags[i] = SEEN | PENDING;
    return true;
  };
  const callerSaved = allKinds(CALLER_SAVED);
  sl.fill(0);
  join(0, allKinds(FP) | allKinds(2) & ~2);
  for (const s of subprogStarts) if (s) join(s, allKinds(FP | ARGS));
  for (let again = true; again;) {
    again = false;
    for (let i = 0; i < n; i++) {
      if (!(flags[i] & PENDING)) continue;
      flags[i] = SEEN;
      const insn = insns[i], op = insn.op;
      let w = regs[i];
      for (let k = 0; k < words; k++) sl[k] = slots[words * i + k];
      const d = 1 << insn.dst, s = 1 << insn.src;
      const cls = opClass(op);
      if (cls === CLASS.ALU || cls === CLASS.ALU64) {
        const o = opCode(op), x = opSource(op) === SRC.X;
        if (o === ALU.MOV) w = withKinds(w, d, x ? kindsOf(w, s) : 0);
        // ptr += scalar keeps a pointer; scalar += ptr makes one.
        else if ((o === ALU.ADD || o === ALU.SUB) && cls === CLASS.ALU64) { if (x) w = withKinds(w, d, kindsOf(w, d | s)); }
        else w = withKinds(w, d, 0);
      } else if (cls === CLASS.LDX) {
        const dw = opSize(op) === SIZE.DW;
        const viaCtx = w & (s & 0x3ff) << CX_SHIFT;
        if (dw && insn.src === 10) {
          const spi = slotOf(insn.off), c = spi >= 0 ? tracked[spi] : -1;
          w = withKinds(w, d, c >= 0 ? holds(0, c) | holds(1, c) << 1 | holds(2, c) << 2 : 0);
        } else if (dw && w & s) {
          // Through another stack pointer: any slot, or a pointer the callee left.
          w = withKinds(w, d, 7);
        } else {
          w = withKinds(w, d, viaCtx ? 4 : 0);
        }
      } else if (cls === CLASS.STX || cls === CLASS.ST) {
        const srcPtr = cls === CLASS.STX && !!(w & s << PT_SHIFT);
        const kinds = cls === CLASS.STX ? kindsOf(w, s) : 0;
        if (insn.dst === 10) {
          setSlot(slotOf(insn.off), srcPtr && op === (CLASS.STX | MODE.MEM | SIZE.DW) ? kinds : 0);
        } else if (w & d && srcPtr) {
          for (let k = 0; k < 3; k++) if ((kinds >> k) & 1) for (let c = 0; c < nTracked; c++) setBit(k, c, true);
        }
        if (cls === CLASS.STX && opMode(op) === MODE.ATOMIC && insn.imm & 1) w = withKinds(w, insn.imm === 0xf1 ? 1 : s, 4);
      } else if (op === OP_LDDW) {
        w = withKinds(w, d, insn.src !== 0 ? 4 : 0);
      } else if (cls === CLASS.LD) {
        w &= ~callerSaved;
      } else if (isJmpCls(op) && opCode(op) === JMP.CALL) {
        w = (w & ~callerSaved) | 1 << PT_SHIFT;
        if (insn.src === BPF_PSEUDO_CALL) { w |= 1; sl.fill(-1); }
      }
      const s0 = succ[2 * i], s1 = succ[2 * i + 1];
      if (s0 >= 0 && join(s0, w) && s0 <= i) again = true;
      if (s1 >= 0 && join(s1, w) && s1 <= i) again = true;
    }
  }
  return regs;
}

/** Static precision sets (see computePrecise). */
export interface PreciseSets {
  /** Per insn: scalar registers whose value may matter from there on. */
  regs: Uint16Array;
  /**
   * Per insn: 8-byte stack slots of the current frame (bit spi) whose spilled value may matter
   * through R10-relative fills. Loads through other pointers are left to the verifier, which marks
   * the slot they read dynamically when the loaded register is in `regs` after the load.
   */
  slots: SlotMasks;
}

/** Bits a..b (0 <= a <= b <= 31) of a 32-bit word. */
const bitRange = (a: number, b: number): number => ((b === 31 ? -1 : (1 << (b + 1)) - 1) & ~((1 << a) - 1)) | 0;

/**
 * The 8-byte slots (bit spi) that a fixed-offset stack access of `size` bytes at `off` touches,
 * as one 32-bit half: `half` 0 gives slots 0-31, 1 gives slots 32-63.
 */
export function stackSlotHalf(off: number, size: number, half: number): number {
  if (off >= 0 || off < -MAX_BPF_STACK) return 0;
  const first = (-off - 1) >> 3, last = Math.max(0, (-(off + size - 1) - 1) >> 3);
  const a = Math.max(last, 32 * half), b = Math.min(first, 32 * half + 31);
  return a > b ? 0 : bitRange(a - 32 * half, b - 32 * half);
}

/**
 * Backward analysis standing in for the kernel's precision marks: the scalar registers and the
 * spilled stack slots whose value may reach something the verifier decides on (pointer
 * arithmetic, a helper's size or loop-count argument, a checked return value, a callee). Values
 * outside these sets at a checkpoint cannot change any later decision, so states_equal may ignore
 * them — a static over-approximation of what mark_chain_precision computes. Slots are followed
 * through R10-relative spills and fills. Decisions taken on a conditional jump's predicted outcome
 * or on a constant map key, and values loaded from the stack through other pointers, are marked
 * dynamically by the verifier. `mayStackOf` gives mayPointers' result (asked for only when the
 * program stores through a register other than R10).
 */
export function computePrecise(
  insns: readonly Instruction[], subprogStarts: readonly number[], mainExitChecked: boolean, globalSubprogs: readonly boolean[] = [],
  flow: Flow = flowOf(insns), mayStackOf = (): Int32Array => mayPointers(insns, subprogStarts, flow.succ),
): PreciseSets {
  const n = insns.length;
  const { succ, back } = flow;
  // mayPointers' result, asked for when a store through a register other than R10 needs it.
  let mayStack: Int32Array | undefined;
  const sens = zeroedU16(n);
  const slots = zeroedI32(2 * n);
  const mainEnd = subprogStarts[1] ?? n;
  // Descending sweeps: each instruction's input from its successors, then its transfer: the
  // value-sensitive registers before it (`inn`) and slots (`lo`: slots 0-31, `hi`: 32-63).
  for (let again = true; again;) {
    again = false;
    // The subprogram of insn i (the last start <= i).
    let sp = subprogStarts.length - 1;
    for (let i = n - 1; i >= 0; i--) {
      while (sp > 0 && subprogStarts[sp] > i) sp--;
      const s0 = succ[2 * i], s1 = succ[2 * i + 1];
      let out = 0, lo = 0, hi = 0;
      if (s0 >= 0) { out = sens[s0]; lo = slots[2 * s0]; hi = slots[2 * s0 + 1]; }
      if (s1 >= 0) { out |= sens[s1]; lo |= slots[2 * s1]; hi |= slots[2 * s1 + 1]; }
      const insn = insns[i], op = insn.op;
      const d = 1 << insn.dst, s = 1 << insn.src;
      const cls = opClass(op);
      const size = SIZE_BYTES[opSize(op) >> 3];
      // An aligned 8-byte store overwrites its whole slot.
      const whole = size === 8 && insn.off % 8 === 0;
      let inn = out;
      if (cls === CLASS.ALU || cls === CLASS.ALU64) {
        const x = opSource(op) === SRC.X;
        if (opCode(op) === ALU.MOV) inn = (out & ~d) | (x && out & d ? s : 0);
        else inn = out & d ? out | (x ? s : 0) : out & ~d;
      } else if (cls === CLASS.LDX) {
        if (out & d && insn.src === 10) {
          lo |= stackSlotHalf(insn.off, size, 0);
          hi |= stackSlotHalf(insn.off, size, 1);
        }
        inn = out & ~d;
      } else if (cls === CLASS.ST) {
        if (insn.dst === 10 && whole) {
          lo &= ~stackSlotHalf(insn.off, 8, 0);
          hi &= ~stackSlotHalf(insn.off, 8, 1);
        }
      } else if (cls === CLASS.STX) {
        if (opMode(op) === MODE.ATOMIC) {
          if (insn.imm & 1) inn &= ~(insn.imm === 0xf1 ? 1 : s);
          if (insn.imm === 0xf1) inn |= 1;
          // Atomics on the stack (rare): every slot and the operand matter.
          if (insn.dst === 10 || (mayStack ??= mayStackOf())[i] & d) { lo = hi = -1; inn |= s; }
        } else if (insn.dst === 10) {
          const l = stackSlotHalf(insn.off, size, 0), h = stackSlotHalf(insn.off, size, 1);
          if ((lo & l) | (hi & h)) inn |= s;
          if (whole) { lo &= ~l; hi &= ~h; }
        } else if ((mayStack ??= mayStackOf())[i] & d) inn |= s;
      } else if (op === OP_LDDW) {
        inn = out & ~d;
      } else if (cls === CLASS.LD) {
        inn = out & ~CALLER_SAVED;
      } else {
        const o = opCode(op);
        if (o === JMP.EXIT) {
          // A global function (verified on its own) only has to return some scalar.
          lo = hi = 0;
          inn = (i < mainEnd && !mainExitChecked) || globalSubprogs[sp] ? 0 : 1;
        } else if (o === JMP.CALL) {
          let use = ARGS;
          if (insn.src === BPF_PSEUDO_CALL) {
            // A global function's arguments are checked by type only; a static one needs the
            // arguments whose values matter at its entry (its exits need R0, so arguments that
            // flow into the returned value count too).
            const target = i + insn.imm + 1;
            use = globalSubprogs[subprogStarts.indexOf(target)] ? 0 : sens[target] & ARGS;
          } else if (insn.src === 0) use = valueArgs(insn.imm);
          inn = (out & ~CALLER_SAVED) | use;
        } else if (o !== JMP.JA && opSource(op) === SRC.X && out & (d | s)) {
          // A conditional jump is value-sensitive only when its outcome is predicted, which the
          // verifier records dynamically (VState.allPrecise); here it only links its two operands.
          inn = out | d | s;
        }
      }
      inn &= 0x3ff;
      if (inn !== sens[i] || lo !== slots[2 * i] || hi !== slots[2 * i + 1]) {
        sens[i] = inn; slots[2 * i] = lo; slots[2 * i + 1] = hi;
        if (back[i]) again = true;
      }
    }
  }
  return { regs: sens, slots };
}

/** valueArgs' answers by helper id (holes: not asked yet). */
const valueArgsOf: number[] = [];

/** The arguments of helper `id` whose values the verifier decides on (sizes, bpf_loop's count); all when not modelled. */
function valueArgs(id: number): number {
  const known = valueArgsOf[id];
  if (known !== undefined) return known;
  const proto = helperProto(id);
  let use = proto ? 0 : ARGS;
  for (let a = 0; proto && a < proto.args.length; a++) {
    const k = proto.args[a];
    if (k === 'size' || k === 'size_or_zero' || k === 'alloc_size_or_zero' || (id === BPF_FUNC.loop && a === 0)) use |= 1 << (a + 1);
  }
  if (id >= 0 && id < 1024) valueArgsOf[id] = use;
  return use;
}
