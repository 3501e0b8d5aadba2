/**
 * The verifier proper: depth-first abstract interpretation of every path (do_check), with state
 * pruning at the CFG's prune points (is_state_visited), after the kernel's kernel/bpf/verifier.c.
 * Messages and the log follow the kernel 6.18 wording and format.
 */
import type { Instruction } from '../isa/index.js';
import { CLASS, ALU, JMP, MODE, SRC, ATOMIC, SIZE_BYTES, OP_LDDW, opClass, opCode, opMode, opSize, opSource } from '../isa/index.js';
import { BPF_PROG_TYPE, BPF_MAP_TYPE, BPF_ATTACH_TYPE, BPF_PSEUDO, BPF_PSEUDO_CALL, BPF_FUNC, BPF_F, progTypeName } from '../uapi/index.js';
import { possibleCpuCount } from '../uapi/cpus.js';
import type { VerifierInput, VerifierResult, VerifierMap, FuncProto } from './types.js';
import { analyzeCfg, computeLiveRegs, computePrecise, mayPointers, CfgError, PRUNE_POINT, JMP_POINT, formatLiveRegs, type CfgInfo, type PreciseSets } from './cfg.js';
import { StackLiveness } from './liveness.js';
import { zeroedI8, zeroedU8, zeroedI32 } from './slab.js';
import { formatInstructionXlated } from '../isa/index.js';
import { formatFuncState, alignmentPad, Scratch } from './log.js';
import {
  Reg, FuncState, VState, IdMap, RegType, REG_TYPE_NAMES, isPktPointer, isMaybeNull, notNullType, statesEqual,
  NOT_EXACT, RANGE_WITHIN, EXACT, MAX_BPF_REG, BPF_REG_FP, MAX_BPF_STACK, BPF_REG_SIZE, MAX_CALL_FRAMES,
  STACK_INVALID, STACK_SPILL, STACK_MISC, STACK_ZERO, AT_PKT_END, BEYOND_PKT_END,
} from './state.js';
import {
  type AluOp, scalarAlu, coerceToSize, signExtend, signExtend32, zext32To64, boundsSync, boundsInvalid, markUnknown,
  mark32Unbounded, regWidth, S64_MIN, S64_MAX, add64, sub64,
} from './scalar.js';
import { tnumStr, tnumAddTo, tnumSubTo, tnumIntersectTo, type TnumFields } from './tnum.js';
import { U32, r64, add64 as add64w, sub64 as sub64w, ult, ule, slt, sle } from './u64.js';
import { ctxAccessOk, ctxLoadType, ctxSupported, pktWritable, sockAccessOk } from './context.js';
import { helperProto, allowedHelpers, helperLabel, mapHelperCompatible, isReleaseArg, type ArgKind, type RetKind } from './helpers.js';

/** The kernel's limits. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
const BPF_COMPLEXITY_LIMIT_STATES = 64;
const BPF_MAXINSNS = 4096;
const BPF_MAX_VAR_OFF = 1 << 29;
const BPF_MAX_VAR_SIZ = 1 << 29;
const MAX_PACKET_OFF = 0xffff;
const MAX_ERRNO = 4095n;

/** Internal: aborts verification with the kernel's message. */
class Reject {
  constructor(readonly message: string, readonly insn: number) {}
}

const ALU_OPS: Partial<Record<number, AluOp>> = {
  [ALU.ADD]: 'add', [ALU.SUB]: 'sub', [ALU.MUL]: 'mul', [ALU.OR]: 'or', [ALU.AND]: 'and', [ALU.LSH]: 'lsh',
  [ALU.RSH]: 'rsh', [ALU.XOR]: 'xor', [ALU.ARSH]: 'arsh', [ALU.NEG]: 'neg',
};
/** The log's name of each ALU operation (bpf_alu_string), indexed by `op >> 4`. */
const ALU_STR = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const aluOpString = (op: number): string => ALU_STR[op >> 4];

/** rev_opcode: the condition of the fall-through branch. JSET's reverse is tagged with SRC.X. */
const REV_OP: Record<number, number> = {
  [JMP.JEQ]: JMP.JNE, [JMP.JNE]: JMP.JEQ, [JMP.JSET]: JMP.JSET | SRC.X, [JMP.JGT]: JMP.JLE, [JMP.JGE]: JMP.JLT,
  [JMP.JLT]: JMP.JGE, [JMP.JLE]: JMP.JGT, [JMP.JSGT]: JMP.JSLE, [JMP.JSGE]: JMP.JSLT, [JMP.JSLT]: JMP.JSGE, [JMP.JSLE]: JMP.JSGT,
};
/** flip_opcode: the condition with operands swapped. */
const FLIP_OP: Record<number, number> = {
  [JMP.JEQ]: JMP.JEQ, [JMP.JNE]: JMP.JNE, [JMP.JSET]: JMP.JSET, [JMP.JGT]: JMP.JLT, [JMP.JGE]: JMP.JLE,
  [JMP.JLT]: JMP.JGT, [JMP.JLE]: JMP.JGE, [JMP.JSGT]: JMP.JSLT, [JMP.JSGE]: JMP.JSLE, [JMP.JSLT]: JMP.JSGT, [JMP.JSLE]: JMP.JSGE,
};

/** Return-value range enforced at program exit per program type (check_return_code). */
function exitRange(progType: number, attach: number): [number, number] | undefined {
  const A = BPF_ATTACH_TYPE;
  switch (progType) {
    case BPF_PROG_TYPE.CGROUP_SKB: return attach === A.CGROUP_INET_EGRESS ? [0, 3] : [0, 1];
    case BPF_PROG_TYPE.CGROUP_SOCK: case BPF_PROG_TYPE.SOCK_OPS: return [0, 1];
    case BPF_PROG_TYPE.CGROUP_SOCK_ADDR: {
      const one: number[] = [A.CGROUP_UDP4_RECVMSG, A.CGROUP_UDP6_RECVMSG, A.CGROUP_UNIX_RECVMSG, A.CGROUP_INET4_GETPEERNAME,
        A.CGROUP_INET6_GETPEERNAME, A.CGROUP_UNIX_GETPEERNAME, A.CGROUP_INET4_GETSOCKNAME, A.CGROUP_INET6_GETSOCKNAME, A.CGROUP_UNIX_GETSOCKNAME];
      if (one.includes(attach)) return [1, 1];
      return attach === A.CGROUP_INET4_BIND || attach === A.CGROUP_INET6_BIND ? [0, 3] : [0, 1];
    }
    default: return undefined;
  }
}

/** Register type of R0 for each pointer-returning helper return kind. */
const RET_TYPES: Readonly<Record<Exclude<RetKind, 'int' | 'void' | 'map_value_or_null'>, number>> = {
  ringbuf_mem_or_null: RegType.RINGBUF_MEM_OR_NULL,
  socket_or_null: RegType.SOCKET_OR_NULL,
  sock_common_or_null: RegType.SOCK_COMMON_OR_NULL,
  tcp_sock_or_null: RegType.TCP_SOCK_OR_NULL,
};

const EXIT_PATH = -1;
/** States of a global function in `Verifier.called`. */
const CALLED_GLOBAL = 1, VERIFIED_GLOBAL = 2;
/** step() results: a bpf-to-bpf call or return moved `insnIdx`. */
const RETURNED = -2, CALLED = -3;
/** Highest helper id of this kernel (__BPF_FUNC_MAX_ID - 1). */
const MAX_HELPER_ID = Math.max(...Object.values(BPF_FUNC));

interface Pending {
  st: VState;
  insn: number;
  prev: number;
}

/** Verifies one program (see {@link VerifierInput}); never throws for bad programs. */
export function verify(input: VerifierInput): VerifierResult {
  return new Verifier(input).run();
}

class Verifier {
  private readonly insns: readonly Instruction[];
  /** The input's maps, then the inner-map templates of maps of maps. */
  private readonly maps: VerifierMap[];
  /** Index in `maps` of each map's inner map (-1 when none). */
  private readonly innerIdx: number[];
  private readonly progType: number;
  private readonly attachType: number;
  private readonly privileged: boolean;
  private readonly level: number;
  private readonly limit: number;
  private cfg!: CfgInfo;
  /** Log chunks (joined once at the end). */
  private readonly log: string[] = [];
  private cur!: VState;
  private insnIdx = 0;
  private prevInsnIdx = 0;
  private readonly pending: Pending[] = [];
  private explored: (VState[] | undefined)[] = [];
  private processed = 0;
  private jmps = 0;
  private prevJmps = 0;
  private prevProcessed = 0;
  private totalStates = 0;
  private peakStates = 0;
  private maxStatesPerInsn = 0;
  private idGen = 0;
  private stackDepth: number[] = [];
  /** Per instruction: the pointer type its memory operand had first (save_aux_ptr_type). */
  private auxPtrType!: Int8Array;
  /** Per instruction: set when it is a helper call that runs a callback. */
  private callsCallback!: Uint8Array;
  /** Per instruction: its backtrackCode (mark_chain_precision's walk), computed when first walked (0 before). */
  private btCodes!: Int32Array;
  private readonly idmap = new IdMap();
  private readonly scratch = new Scratch();
  private prevLogPos = -1;
  private prevInsnPrintPos = 0;
  private lastLinfo = -1;
  private readonly nrCpus = possibleCpuCount();
  /** The helpers this program type may call (a byte per helper id). */
  private allowedHelpers!: Uint8Array;
  /** Set once the current instruction has its jmp_history entry (push_jmp_history merges per insn). */
  private histEntry = false;
  /** Slot masks referenced by LINKED_SLOTS history markers: marker k's bits at 2k (slots 0-31) and 2k + 1. */
  private linkedSlots: number[] = [];
  /**
   * The static dataflow results that states_equal uses (live registers, precision sets, and the
   * static part of the stack liveness), computed for the first state comparison: a program that
   * never reaches an instruction twice does without them.
   */
  private liveRegs?: Uint16Array;
  private precise?: PreciseSets;
  private stackLive!: StackLiveness;
  private readonly liveMask = (i: number): number => this.liveRegs![i] ?? 0;
  private readonly preciseMask = (i: number): number => this.preciseSets().regs[i] ?? 0x3ff;
  /** mayPointers' result, computed when first asked for (mayStack). */
  private mayStackPtrs?: Int32Array;
  /** Per subprogram: its prototype when it is a global function (verified on its own). */
  private globals: (FuncProto | undefined)[] = [];
  /** Per subprogram: a global function that a verified path calls (CALLED), and then VERIFIED. */
  private called!: Uint8Array;
  /** Per subprogram: it may change packet data (calls such a helper, directly or through its callees). */
  private changesPkt!: Uint8Array;

  constructor(private readonly input: VerifierInput) {
    this.insns = input.insns;
    this.maps = [...input.maps];
    this.innerIdx = input.maps.map((m) => (m.innerMap ? this.maps.push(m.innerMap) - 1 : -1));
    this.progType = input.progType;
    this.attachType = input.expectedAttachType ?? 0;
    this.allowedHelpers = allowedHelpers(this.progType, this.attachType);
    this.privileged = input.privileged ?? true;
    this.level = input.logLevel ?? 0;
    this.limit = input.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS;
  }

  run(): VerifierResult {
    let error: Reject | undefined;
    try {
      this.check();
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      error = e;
    }
    if (this.level) this.verbose(`processed ${this.processed} insns (limit ${this.limit}) max_states_per_insn ${this.maxStatesPerInsn} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0\n`);
    return {
      accepted: !error,
      log: this.log.join(''),
      error: error && { message: error.message, insn: error.insn },
      processedInsns: this.processed,
      maxStatesPerInsn: this.maxStatesPerInsn,
      totalStates: this.totalStates,
      peakStates: this.peakStates,
      stackDepth: this.stackDepth,
    };
  }

  // ---------------------------------------------------------------- logging

  private verbose(s: string): void {
    if (this.level) this.log.push(s);
  }

  /** Logs the message lines and aborts; the first line is the error's message. */
  private fail(...lines: string[]): never {
    for (const l of lines) this.verbose(l + '\n');
    throw new Reject(lines[0], this.insnIdx);
  }

  private fmtInsn(i: number): string {
    return formatInstructionXlated(this.insns, i, this.xlatedResolver);
  }

  /** Map references print by name (`map[arr]`, `map[arr]+8`); the kernel prints their address. */
  private readonly xlatedResolver = {
    imm: (insns: readonly Instruction[], i: number): string | undefined => {
      const x = insns[i];
      const name = this.maps[x.imm]?.name ?? String(x.imm);
      if (x.src === BPF_PSEUDO.MAP_IDX || x.src === BPF_PSEUDO.MAP_FD) return `map[${name}]`;
      if (x.src === BPF_PSEUDO.MAP_IDX_VALUE || x.src === BPF_PSEUDO.MAP_VALUE) return `map[${name}]+${insns[i + 1].imm >>> 0}`;
      if (x.src === BPF_PSEUDO.FUNC) return `0x${(x.imm >>> 0).toString(16)}`;
      return undefined;
    },
  };

  private printState(st: VState, frame: number, printAll: boolean): void {
    if (!this.level) return;
    this.log.push(formatFuncState(st, st.frames[frame], this.maps, printAll, this.scratch));
    if (!printAll) this.scratch.clear();
  }

  /** print_insn_state: appends the scratched state to the instruction line just printed. */
  private printInsnState(): void {
    if (!this.level) return;
    if (this.prevLogPos === this.log.length) {
      // Nothing was printed since the instruction line: continue it after a `;`.
      this.log.push(this.log.pop()!.slice(0, -1) + alignmentPad(this.prevInsnPrintPos) + ';');
    } else {
      this.log.push(`${this.insnIdx}:`);
    }
    this.printState(this.cur, this.cur.frames.length - 1, false);
  }

  private linfo(idx: number): void {
    const li = this.input.lineInfo;
    if (!li?.length || !this.level) return;
    let k = -1;
    for (let i = 0; i < li.length && li[i].insnOff <= idx; i++) k = i;
    if (k < 0 || k === this.lastLinfo) return;
    const prev = this.lastLinfo >= 0 ? li[this.lastLinfo] : undefined;
    this.lastLinfo = k;
    const l = li[k];
    // Records of the same source line (other columns) print once, as the verifier shows no columns.
    if (prev && prev.lineNum === l.lineNum && prev.fileName === l.fileName) return;
    const file = l.fileName ? ` @ ${l.fileName.split('/').pop()}:${l.lineNum ?? 0}` : '';
    this.verbose(`; ${l.line.trimStart()}${file}\n`);
  }

  // ---------------------------------------------------------------- driver

  private check(): void {
    const n = this.insns.length;
    if (n === 0) this.fail('program has no instructions (the kernel refuses it with E2BIG)');
    if (n > (this.privileged ? BPF_COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS)) this.fail(`program of ${n} instructions is too long (the kernel refuses it with E2BIG)`);
    if (!ctxSupported(this.progType, this.attachType)) this.fail(`tsbpf: program type ${progTypeName(this.progType)} is not supported by the verifier`);
    try {
      // The kernel lists the subprograms (level 2) before the other structural checks.
      this.cfg = analyzeCfg(this.insns, this.maps, this.privileged, (starts) => {
        if (this.level >= 2) starts.forEach((s, i) => this.verbose(`func#${i} @${s}\n`));
      });
    } catch (e) {
      if (!(e instanceof CfgError)) throw e;
      this.insnIdx = e.insn;
      this.fail(e.message);
    }
    this.stackDepth = this.cfg.subprogStarts.map(() => 0);
    this.globals = this.cfg.subprogStarts.map((s, i) => (i > 0 ? this.input.funcs?.find((f) => f.insnOff === s && f.global) : undefined));
    if (this.level >= 2) {
      this.liveRegs = computeLiveRegs(this.insns, this.cfg);
      this.verbose(formatLiveRegs(this.insns, this.liveRegs, (i) => this.fmtInsn(i)));
    }
    this.explored = new Array(n);
    this.auxPtrType = zeroedI8(n).fill(-1);
    this.callsCallback = zeroedU8(n);
    this.btCodes = zeroedI32(n);
    this.setupGlobals();
    let callbacks = false;
    for (const i of this.cfg.calls) {
      const insn = this.insns[i];
      if (insn.src === 0 && helperProto(insn.imm)?.args.includes('func')) {
        this.callsCallback[i] = 1;
        this.cfg.points[i] |= PRUNE_POINT | JMP_POINT;
        callbacks = true;
      }
    }
    // A callback reads its caller's stack from its own frame: reads are then not attributed to
    // the instruction that caused them, and stack liveness stays static.
    this.stackLive = new StackLiveness(this.insns, callbacks ? this.mayStack() : undefined, this.cfg);
    const main = new FuncState(0, -1, 0);
    main.reg(1).markPtr(RegType.CTX);
    main.reg(BPF_REG_FP).markPtr(RegType.STACK);
    this.cur = new VState([main]);
    this.scratch.all();
    this.doCheck();
    this.checkGlobals();
    this.checkMaxStackDepth();
  }

  /** The global functions among the subprograms, what their calls clobber, and what they may change. */
  private setupGlobals(): void {
    const starts = this.cfg.subprogStarts;
    this.called = new Uint8Array(starts.length);
    // changes_pkt_data: set by the helpers a subprogram calls, then inherited from its callees.
    this.changesPkt = new Uint8Array(starts.length);
    const calls: [number, number][] = [];
    let s = 0;
    for (const i of this.cfg.calls) {
      while (s + 1 < starts.length && starts[s + 1] <= i) s++;
      const insn = this.insns[i];
      if (insn.src === 0 && changesPktData(insn.imm)) this.changesPkt[s] = 1;
      if (insn.src !== BPF_PSEUDO_CALL) continue;
      const callee = starts.indexOf(i + insn.imm + 1);
      calls.push([s, callee]);
      // Nothing of the callee is on the caller's path: a global call only kills R0-R5.
      if (this.globals[callee]) this.btCodes[i] = BT_KILL_ARGS | BT_KNOWN;
    }
    for (let changed = true; changed;) {
      changed = false;
      for (const [caller, callee] of calls) {
        if (this.changesPkt[callee] && !this.changesPkt[caller]) changed = !!(this.changesPkt[caller] = 1);
      }
    }
  }

  /**
   * do_check_subprogs: each global function that a verified path calls is verified once on its
   * own, from the state its prototype describes, until no new one is called.
   */
  private checkGlobals(): void {
    for (let again = true; again;) {
      again = false;
      for (let s = 1; s < this.globals.length; s++) {
        const g = this.globals[s];
        if (!g || this.called[s] !== CALLED_GLOBAL) continue;
        again = true;
        this.verbose(`Validating ${g.name}() func#${s}...\n`);
        this.explored = new Array(this.insns.length);
        this.lastLinfo = -1;
        this.cur = new VState([this.globalEntry(s, g)]);
        this.insnIdx = this.cfg.subprogStarts[s];
        this.scratch.all();
        this.doCheck();
        this.verbose(`Func#${s} ('${g.name}') is safe for any args that match its prototype\n`);
        this.called[s] = VERIFIED_GLOBAL;
      }
    }
  }

  /** The entry state of a global function: arguments typed from its prototype (do_check_common). */
  private globalEntry(subprog: number, g: FuncProto): FuncState {
    const f = new FuncState(0, -1, subprog);
    if (g.unsupported) this.fail(g.unsupported);
    g.args.forEach((a, i) => {
      const r = f.reg(i + 1);
      if (a.kind === 'scalar') r.markUnknown();
      else if (a.kind === 'ctx') r.markPtr(RegType.CTX);
      else {
        r.markPtr(a.kind === 'mem' ? RegType.MEM : RegType.MEM_OR_NULL);
        r.memSize = a.size ?? 0;
        if (a.kind === 'mem_or_null') r.id = ++this.idGen;
      }
    });
    f.reg(BPF_REG_FP).markPtr(RegType.STACK);
    return f;
  }

  private doCheck(): void {
    let doPrintState = false;
    for (;;) {
      const idx = this.insnIdx;
      if (idx >= this.insns.length || idx < 0) this.fail(`invalid insn idx ${idx} insn_cnt ${this.insns.length}`);
      if (++this.processed > this.limit) this.fail(`BPF program is too large. Processed ${this.processed} insn`);
      let next: number;
      this.histEntry = false;
      if ((this.cfg.points[idx] & PRUNE_POINT) && this.isStateVisited(idx)) {
        if (this.level) {
          if (doPrintState) this.verbose(`\nfrom ${this.prevInsnIdx} to ${idx}: safe\n`);
          else this.verbose(`${idx}: safe\n`);
        }
        next = EXIT_PATH;
      } else {
        if (this.level >= 2 && doPrintState) {
          this.verbose(`\nfrom ${this.prevInsnIdx} to ${idx}:`);
          this.printState(this.cur, this.cur.frames.length - 1, true);
          doPrintState = false;
        }
        if (this.level) {
          if (this.scratch.any()) this.printInsnState();
          this.linfo(idx);
          const line = `${idx}: ${this.fmtInsn(idx)}`;
          this.log.push(line + '\n');
          this.prevInsnPrintPos = line.length + 1;
          this.prevLogPos = this.log.length;
        }
        this.cur.history.push(idx);
        if (this.cfg.points[idx] & JMP_POINT) this.countHistEntry();
        next = this.step(idx);
        if (next === RETURNED) { doPrintState = true; next = this.insnIdx; }
        else if (next === CALLED) next = this.insnIdx;
      }
      if (next === EXIT_PATH) {
        this.scratch.all();
        this.updateBranchCounts(this.cur);
        const p = this.pending.pop();
        if (!p) return;
        this.cur = p.st;
        this.insnIdx = p.insn;
        this.prevInsnIdx = p.prev;
        doPrintState = true;
        continue;
      }
      this.prevInsnIdx = idx;
      this.insnIdx = next;
    }
  }

  private updateBranchCounts(st: VState | null): void {
    while (st) {
      if (--st.branches > 0) break;
      st = st.parent;
    }
  }

  private pushStack(insn: number, prev: number, st: VState = this.cur.clone()): VState {
    if (st.parent) st.parent.branches++;
    this.pending.push({ st, insn, prev });
    if (this.pending.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) this.fail(`The sequence of ${this.pending.length} jumps is too complex.`);
    return st;
  }

  /** push_jmp_history's count: one entry per instruction that has any. */
  private countHistEntry(): void {
    if (this.histEntry) return;
    this.histEntry = true;
    this.cur.history.jmpCnt++;
  }

  /** is_state_visited: prune when a finished state at this insn subsumes the current one. */
  private isStateVisited(idx: number): boolean {
    const cur = this.cur;
    const force = this.callsCallback[idx] === 1;
    // A checkpoint is also forced to keep the jump history short (force_new_state).
    const forceNew = force || cur.history.jmpCnt > 40;
    let addNew = forceNew || (this.jmps - this.prevJmps >= 2 && this.processed - this.prevProcessed >= 8);
    let list = this.explored[idx];
    let statesCnt = 0;
    cur.insnIdx = idx;
    if (list) {
      // Newest first (the list is in insertion order).
      for (let i = list.length - 1; i >= 0; i--) {
        const sl = list[i];
        statesCnt++;
        let hit = false;
        if (sl.branches > 0) {
          if (force && this.equal(sl, cur, RANGE_WITHIN)) hit = true;
          else {
            if (this.equal(sl, cur, EXACT)) {
              this.linfo(idx);
              this.verbose(`infinite loop detected at insn ${idx}\n`);
              this.verbose('cur state:');
              this.printState(cur, cur.frames.length - 1, true);
              this.verbose('old state:');
              this.printState(sl, sl.frames.length - 1, true);
              throw new Reject(`infinite loop detected at insn ${idx}`, idx);
            }
            if (!forceNew && this.jmps - this.prevJmps < 20 && this.processed - this.prevProcessed < 100) addNew = false;
          }
        } else if (this.equal(sl, cur, NOT_EXACT)) {
          hit = true;
        }
        if (hit) {
          sl.hitCnt++;
          // The pruned path relies on what the checkpoint's subtree relied on (propagate_precision).
          if (sl.allPrecise) this.markPathPrecise();
          else if (sl.precise || sl.preciseStackLo || sl.preciseStackHi) this.markChainPrecision(sl.precise, false, sl.preciseStackLo, sl.preciseStackHi);
          return true;
        }
        if (addNew) sl.missCnt++;
        const nMiss = force && sl.branches > 0 ? 64 : 3;
        if (sl.missCnt > sl.hitCnt * nMiss + nMiss) {
          list.splice(i, 1);
          if (sl.branches === 0) this.peakStates--;
        }
      }
    }
    if (statesCnt > this.maxStatesPerInsn) this.maxStatesPerInsn = statesCnt;
    if (!this.privileged && statesCnt > BPF_COMPLEXITY_LIMIT_STATES) return false;
    if (!addNew) return false;
    this.totalStates++;
    this.peakStates++;
    this.prevJmps = this.jmps;
    this.prevProcessed = this.processed;
    const snap = cur.checkpoint();
    snap.insnIdx = idx;
    snap.branches = 1;
    cur.parent = snap;
    if (!list) list = this.explored[idx] = [];
    list.push(snap);
    return false;
  }

  /** Fallback when precision cannot be tracked back: every checkpoint of the path becomes fully precise. */
  private markPathPrecise(): void {
    for (let st = this.cur.parent; st && !st.allPrecise; st = st.parent) st.allPrecise = true;
  }

  /**
   * mark_chain_precision: a decision at the current instruction depended on the scalar registers in
   * `mask` and the spilled stack slots in `slotsLo` / `slotsHi` (bit spi, innermost frame); walk the path back
   * through the recorded instructions and record, at each checkpoint, which of its registers and
   * slots those values came from. `atCurrent` skips the instruction being processed (the masks are
   * as of before it). Paths that cross a call or return, or values read from another frame's
   * stack, fall back to marking every checkpoint fully precise.
   */
  private markChainPrecision(mask: number, atCurrent = true, slotsLo = 0, slotsHi = 0): void {
    let m = mask & 0x3ff, smLo = slotsLo, smHi = slotsHi;
    // The walk position: entries of `seg` before index k, then its prefix.
    let seg = this.cur.history;
    let k = seg.entries.length;
    // Skip the instruction being processed (and the markers recorded after it).
    if (atCurrent) {
      for (;;) {
        while (k === 0 && seg.prefix) { k = seg.prefixLen; seg = seg.prefix; }
        if (k === 0 || seg.entries[--k] >= 0) break;
      }
    }
    let st: VState | null = this.cur.parent;
    const bt = this.btCodes, linkedSlots = this.linkedSlots;
    for (;;) {
      let linked = 0, stackMark = 0, groupLo = 0, groupHi = 0;
      while (m || smLo || smHi) {
        while (k === 0 && seg.prefix) { k = seg.prefixLen; seg = seg.prefix; }
        if (k === 0) break;
        if (!linked && !stackMark && !(groupLo | groupHi)) {
          // The common case, instructions without a marker: backtrack_insn alone, up to the next
          // marker or the start of the segment.
          const entries = seg.entries, slots = smLo | smHi;
          for (let e = 0; k > 0 && (e = entries[k - 1]) >= 0; k--) {
            let code = bt[e];
            if (!code) code = bt[e] = backtrackCode(this.insns[e]);
            m = backtrackInsn(code, m, 0);
            if (m < 0) { this.markPathPrecise(); return; }
            if (!m && !slots) break;
          }
          if (k === 0 || (!m && !slots)) continue;
        }
        const e = seg.entries[--k];
        if (e < 0) {
          if (e <= LINKED_SLOTS) {
            const g = 2 * (LINKED_SLOTS - e);
            groupLo = linkedSlots[g];
            groupHi = linkedSlots[g + 1];
          } else if (e <= STACK_MARK) stackMark = e;
          else linked = -e - 1;
          continue;
        }
        // The packed code (not the instruction object) serves the common case.
        let code = bt[e];
        if (!code) code = bt[e] = backtrackCode(this.insns[e]);
        const dst = 1 << ((code >> 4) & 0xf);
        let add = 0;
        if (stackMark) {
          add = backtrackStack(this.insns[e], m, smLo, smHi, stackMark);
          if (add < 0) { this.markPathPrecise(); return; }
          smLo = btSlotsLo;
          smHi = btSlotsHi;
        }
        // Spilled scalars linked to a jump's operands were refined with them (sync_linked_regs).
        const inGroup = (smLo & groupLo) | (smHi & groupHi);
        if (inGroup) m |= dst;
        const next = backtrackInsn(code, m, linked);
        if ((groupLo | groupHi) && next & dst) { smLo |= groupLo; smHi |= groupHi; }
        linked = 0;
        stackMark = 0;
        groupLo = groupHi = 0;
        if (next < 0) { this.markPathPrecise(); return; }
        m = next | add;
      }
      if (!st || st.allPrecise) return;
      // Only spilled scalars carry a value to mark; marks already on the checkpoint have been
      // propagated from it before (its own path never changes).
      if (smLo | smHi) {
        spilledScalars(st.frames[st.frames.length - 1], 0, smLo & ~st.preciseStackLo, smHi & ~st.preciseStackHi);
        smLo = spilledLo;
        smHi = spilledHi;
      }
      m &= ~st.precise;
      if (!m && !smLo && !smHi) return;
      st.precise |= m;
      st.preciseStackLo |= smLo;
      st.preciseStackHi |= smHi;
      seg = st.history;
      k = seg.entries.length;
      st = st.parent;
    }
  }

  /** markChainPrecision of the value spilled in slot `spi` of the current frame. */
  private markSlotPrecise(spi: number): void {
    if (spi < 32) this.markChainPrecision(0, true, 1 << spi, 0);
    else this.markChainPrecision(0, true, 0, 1 << (spi - 32));
  }

  private equal(old: VState, cur: VState, mode: number): boolean {
    this.liveRegs ??= computeLiveRegs(this.insns, this.cfg);
    return statesEqual(old, cur, this.idmap, mode, this.liveMask, this.preciseMask, this.preciseSets().slots, this.stackLive.liveHalves, this.privileged);
  }

  private preciseSets(): PreciseSets {
    return this.precise ??= computePrecise(this.insns, this.cfg.subprogStarts, exitRange(this.progType, this.attachType) !== undefined,
      this.globals.map((g) => !!g), this.cfg, () => this.mayStack());
  }

  private mayStack(): Int32Array {
    return this.mayStackPtrs ??= mayPointers(this.insns, this.cfg.subprogStarts, this.cfg.succ);
  }

  private checkMaxStackDepth(): void {
    // Combined stack of every call chain (check_max_stack_depth), frames rounded up to 32 bytes.
    const starts = this.cfg.subprogStarts;
    const subOf = (i: number): number => {
      let s = 0;
      while (s + 1 < starts.length && starts[s + 1] <= i) s++;
      return s;
    };
    const callees: number[][] = starts.map(() => []);
    for (const i of this.cfg.calls) {
      const insn = this.insns[i];
      if (insn.src === BPF_PSEUDO_CALL) callees[subOf(i)].push(subOf(i + insn.imm + 1));
    }
    // The JIT is always on here: frames are rounded up to 16 bytes (round_up_stack_depth).
    const round = (d: number): number => Math.ceil(d / 16) * 16;
    const walk = (s: number, depth: number, frames: number): void => {
      const total = depth + round(this.stackDepth[s]);
      if (total > MAX_BPF_STACK) {
        this.insnIdx = starts[s];
        this.fail(`combined stack size of ${frames} calls is ${total}. Too large`);
      }
      for (const c of callees[s]) if (frames < MAX_CALL_FRAMES) walk(c, total, frames + 1);
    };
    walk(0, 0, 1);
  }

  // ---------------------------------------------------------------- registers

  private get frame(): FuncState {
    return this.cur.frames[this.cur.frames.length - 1];
  }

  /** Register `regno` of the current frame, to read (see FuncState.regs). */
  private reg(regno: number): Reg {
    return this.frame.regs[regno];
  }

  /** Register `regno` of the current frame, to write. */
  private wreg(regno: number): Reg {
    return this.frame.reg(regno);
  }

  /** check_reg_arg(SRC_OP). */
  private srcReg(regno: number): Reg {
    if (regno >= MAX_BPF_REG) this.fail(`R${regno} is invalid`);
    const r = this.frame.regs[regno];
    this.scratch.regs |= 1 << regno;
    if (r.type === RegType.NOT_INIT) this.fail(`R${regno} !read_ok`);
    return r;
  }

  /** check_reg_arg(DST_OP_NO_MARK): register `regno` of the current frame, to write. */
  private dstReg(regno: number): Reg {
    this.checkDst(regno);
    return this.frame.reg(regno);
  }

  private checkDst(regno: number): void {
    if (regno >= MAX_BPF_REG) this.fail(`R${regno} is invalid`);
    if (regno === BPF_REG_FP) this.fail('frame pointer is read only');
    this.scratch.regs |= 1 << regno;
  }

  /** Pointer values are opaque to unprivileged programs (is_pointer_value). */
  private isPointerValue(r: Reg): boolean {
    return !this.privileged && r.isPointer();
  }

  private typeStr(t: number): string {
    return REG_TYPE_NAMES[t];
  }

  /** Applies `update` to every register and spilled register of every frame that `match` selects. */
  private forEachReg(st: VState, match: (r: Reg) => boolean, update: (r: Reg) => void): void {
    for (const f of st.frames) {
      for (let i = 0; i < MAX_BPF_REG; i++) if (match(f.regs[i])) update(f.reg(i));
      for (let spi = 0; spi < f.allocated >> 3; spi++) {
        const sp = f.spilled[spi];
        if (!sp || f.byteType(spi * BPF_REG_SIZE + 7) !== STACK_SPILL || !match(sp)) continue;
        f.ownStack();
        const copy = sp.clone();
        update(copy);
        f.spilled[spi] = copy;
      }
    }
  }

  /** mark_reg_invalid: a destroyed pointer becomes unknown for root, unreadable otherwise. */
  private invalidate(r: Reg): void {
    if (this.privileged) r.markUnknown();
    else r.markNotInit();
  }

  // ---------------------------------------------------------------- instructions

  /** Processes one instruction; returns the next index, EXIT_PATH, CALLED or RETURNED. */
  private step(idx: number): number {
    const insn = this.insns[idx];
    const cls = opClass(insn.op);
    switch (cls) {
      case CLASS.ALU: case CLASS.ALU64:
        this.checkAlu(insn);
        return idx + 1;
      case CLASS.LDX:
        this.checkLoad(idx, insn);
        return idx + 1;
      case CLASS.STX:
        if (opMode(insn.op) === MODE.ATOMIC) this.checkAtomic(idx, insn);
        else {
          if (insn.imm !== 0) this.fail('BPF_STX uses reserved fields');
          this.checkStore(idx, insn);
        }
        return idx + 1;
      case CLASS.ST: {
        if (insn.src !== 0) this.fail('BPF_ST uses reserved fields');
        const dst = this.srcReg(insn.dst);
        this.saveAuxPtrType(idx, dst.type);
        this.checkMemAccess(insn.dst, insn.off, SIZE_BYTES[opSize(insn.op) >> 3], true, -1, insn);
        return idx + 1;
      }
      case CLASS.LD:
        if (insn.op === OP_LDDW) {
          this.checkLdImm64(insn, idx);
          return idx + 2;
        }
        this.checkLdAbs(insn);
        return idx + 1;
      default:
        this.jmps++;
        return this.checkJmp(idx, insn);
    }
  }

  private saveAuxPtrType(idx: number, type: number): void {
    const prev = this.auxPtrType[idx];
    if (prev === -1) this.auxPtrType[idx] = type;
    else if (prev !== type && (prev === RegType.CTX || type === RegType.CTX)) this.fail('same insn cannot be used with different pointers');
  }

  private checkLdImm64(insn: Instruction, idx: number): void {
    this.checkDst(insn.dst);
    const next = this.insns[idx + 1];
    if (insn.src === 0) {
      this.setKnown(insn.dst, next.imm, insn.imm);
      return;
    }
    if (insn.src === BPF_PSEUDO.FUNC) {
      if (!this.input.funcInfo?.length) this.fail('missing btf func_info');
      const dst = this.frame.reg(insn.dst);
      dst.markPtr(RegType.FUNC);
      dst.subprog = this.cfg.subprogStarts.indexOf(idx + insn.imm + 1);
      return;
    }
    const isValue = insn.src === BPF_PSEUDO.MAP_VALUE || insn.src === BPF_PSEUDO.MAP_IDX_VALUE;
    // `| 0` keeps the register's fields int32 (Smi) whatever number representation the input has.
    const mapIdx = insn.imm | 0, off = isValue ? next.imm | 0 : 0;
    // One register per map reference, shared by every frame that loads it (keys above setKnown's).
    const key = 0x100000000 + (mapIdx * 2 + (isValue ? 1 : 0)) * 0x40000000 + off;
    let r = this.sharedRegs.get(key);
    if (!r) {
      r = new Reg();
      r.markPtr(isValue ? RegType.MAP_VALUE : RegType.MAP_PTR);
      r.mapIdx = mapIdx;
      r.off = off;
      this.sharedRegs.set(key, r);
    }
    this.frame.setShared(insn.dst, r);
  }

  /** Register `d` becomes the known scalar hi:lo (see knownReg). */
  private setKnown(d: number, hi: number, lo: number): void {
    this.frame.setShared(d, this.knownReg(hi, lo));
  }

  /**
   * The known scalar hi:lo, to share (never written). Values that are 32-bit sign or zero
   * extensions have one register each, shared by every frame and stack slot holding them.
   */
  private knownReg(hi: number, lo: number): Reg {
    hi |= 0;
    lo |= 0;
    if (hi !== 0 && hi !== -1) {
      const r = new Reg();
      r.markKnownBits(hi, lo);
      return r;
    }
    // Keys below 2^32 (negative: hi = -1).
    const key = hi === 0 ? lo >>> 0 : -(lo >>> 0) - 1;
    let r = this.sharedRegs.get(key);
    if (!r) {
      r = new Reg();
      r.markKnownBits(hi, lo);
      this.sharedRegs.set(key, r);
    }
    return r;
  }

  private checkLdAbs(insn: Instruction): void {
    const skbTypes: number[] = [BPF_PROG_TYPE.SOCKET_FILTER, BPF_PROG_TYPE.SCHED_CLS, BPF_PROG_TYPE.SCHED_ACT, BPF_PROG_TYPE.CGROUP_SKB];
    if (!skbTypes.includes(this.progType)) this.fail('BPF_LD_[ABS|IND] instructions not allowed for this program type');
    const mode = opMode(insn.op);
    if (insn.dst !== 0 || insn.off !== 0 || (mode === MODE.ABS && insn.src !== 0)) this.fail('BPF_LD_[ABS|IND] uses reserved fields');
    const ctx = this.srcReg(6);
    if (mode === MODE.IND) this.srcReg(insn.src);
    if (this.cur.refs.length) this.fail('BPF_LD_[ABS|IND] would lead to reference leak');
    if (ctx.type !== RegType.CTX) this.fail('at the time of BPF_LD_ABS|IND R6 != pointer to skb');
    for (let r = 1; r <= 5; r++) this.frame.setNotInit(r);
    this.scratch.regs |= 0x3f;
    this.wreg(0).markUnknown();
  }

  // ---- ALU

  private checkAlu(insn: Instruction): void {
    const { op, dst: d, src: s, off, imm } = insn;
    const o = opCode(op);
    const alu64 = opClass(op) === CLASS.ALU64;
    const x = opSource(op) === SRC.X;
    if (o === ALU.NEG || o === ALU.END) {
      if (o === ALU.NEG) {
        if (x || s !== 0 || off !== 0 || imm !== 0) this.fail('BPF_NEG uses reserved fields');
      } else if (s !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (alu64 && x)) {
        this.fail('BPF_END uses reserved fields');
      }
      if (this.isPointerValue(this.srcReg(d))) this.fail(`R${d} pointer arithmetic prohibited`);
      const r = this.dstReg(d);
      if (r.type !== RegType.SCALAR) { r.markUnknown(); return; }
      if (o === ALU.NEG) scalarAlu(r, r, 'neg', !alu64);
      else this.byteSwap(r, imm, !alu64 && !x);
      return;
    }
    if (o === ALU.MOV) {
      if (x) {
        // movsx: off 8, 16 (and 32 for ALU64) sign-extends.
        const okOff = off === 0 || off === 8 || off === 16 || (alu64 && off === 32);
        if (!okOff || imm !== 0) this.fail('BPF_MOV uses reserved fields');
        this.srcReg(s);
      } else if (s !== 0 || off !== 0) {
        this.fail('BPF_MOV uses reserved fields');
      }
      if (x && alu64 && off === 0) {
        // A plain copy: both registers share the (linked) value.
        this.checkDst(d);
        this.frame.setShared(d, this.shareLinked(s));
        return;
      }
      if (!x) {
        this.checkDst(d);
        this.setKnown(d, alu64 && imm < 0 ? U32 : 0, imm);
        return;
      }
      const dst = this.dstReg(d);
      let src = this.reg(s);
      if (alu64) {
        if (this.isPointerValue(src)) {
          this.fail(`R${s} sign-extension part of pointer`);
        } else if (src.type === RegType.SCALAR) {
          const noSext = src.umax < 1n << BigInt(off - 1);
          if (noSext) this.assignScalarId(src = this.wreg(s));
          dst.copyFrom(src);
          if (!noSext) dst.id = 0;
          signExtend(dst, off >> 3);
        } else {
          dst.markUnknown();
        }
        return;
      }
      if (src.type === RegType.SCALAR) {
        if (off === 0) {
          const u32 = regWidth(src) <= 32;
          if (u32) this.assignScalarId(src = this.wreg(s));
          dst.copyFrom(src);
          if (!u32) dst.id = 0;
          zext32To64(dst);
          boundsSync(dst);
        } else {
          dst.copyFrom(src);
          dst.id = 0;
          signExtend32(dst, off >> 3);
        }
      } else {
        if (this.isPointerValue(src)) this.fail(`R${s} partial copy of pointer`);
        dst.markUnknown();
      }
      return;
    }
    const sdivOk = o === ALU.DIV || o === ALU.MOD;
    if (x) {
      if (imm !== 0 || (off !== 0 && off !== 1) || (off === 1 && !sdivOk)) this.fail('BPF_ALU uses reserved fields');
      this.srcReg(s);
    } else if (s !== 0 || (off !== 0 && off !== 1) || (off === 1 && !sdivOk)) {
      this.fail('BPF_ALU uses reserved fields');
    }
    this.srcReg(d);
    if (sdivOk && !x && imm === 0) this.fail('div by zero');
    if ((o === ALU.LSH || o === ALU.RSH || o === ALU.ARSH) && !x) {
      const size = alu64 ? 64 : 32;
      if (imm < 0 || imm >= size) this.fail(`invalid shift ${imm}`);
    }
    this.dstReg(d);
    if (o === ALU.AND || o === ALU.OR) this.maybeForkScalars(insn);
    this.adjustRegMinMax(insn);
  }

  /**
   * AND/OR of a scalar that is 0 or -1 (a sign mask: 64-bit [-1, 0], or the subregister [-1, 0]
   * zero-extended) with a constant: like the 6.18 kernel, both values are explored as constants —
   * a path with the register 0 is pushed (it re-runs this instruction), this one continues with -1.
   */
  private maybeForkScalars(insn: Instruction): void {
    const dst = this.reg(insn.dst);
    if (dst.type !== RegType.SCALAR) return;
    if (opSource(insn.op) === SRC.X) {
      const src = this.reg(insn.src);
      if (src.type !== RegType.SCALAR || !src.isConst()) return;
    }
    let hi: number;
    if (dst.sminHi === -1 && dst.sminLo === -1 && dst.smaxHi === 0 && dst.smaxLo === 0) hi = U32;
    else if (dst.s32min === -1 && dst.s32max === 0 && dst.umaxHi === 0) hi = 0;
    else return;
    const other = this.pushStack(this.insnIdx, this.insnIdx);
    other.cur.reg(insn.dst).markKnownBits(0, 0);
    this.wreg(insn.dst).markKnownBits(hi, U32);
  }

  /** BPF_END: `toLe` for ALU|TO_LE (a truncation on little-endian); ALU|TO_BE and ALU64 bswap swap the bytes. */
  private byteSwap(r: Reg, bits: number, toLe: boolean): void {
    if (toLe) {
      if (bits < 64) coerceToSize(r, bits / 8);
      return;
    }
    if (r.isConst()) {
      let v = r.varOff.value & ((1n << BigInt(bits)) - 1n), out = 0n;
      for (let i = 0; i < bits / 8; i++) { out = (out << 8n) | (v & 0xffn); v >>= 8n; }
      r.markKnown(out);
    } else {
      r.markUnknown();
      if (bits < 64) coerceToSize(r, bits / 8);
    }
  }

  private readonly fakeReg = new Reg();
  /** Registers shared by every frame that loads them (setKnown, checkLdImm64), by value. */
  private readonly sharedRegs = new Map<number, Reg>();
  /** setLoaded's registers, by 2 * size + sign extension. */
  private readonly loadedRegs: Reg[] = [];
  /** Each branch's copy of a conditional jump's immediate operand, refined with the register. */
  private readonly immThis = new Reg();
  private readonly immOther = new Reg();
  /** Copies of adjustPtr's operands (the destination register may be either). */
  private readonly ptrOperand = new Reg();
  private readonly offOperand = new Reg();
  /** The shared scratch register holding an immediate operand (the kernel's env->fake_reg). */
  private immReg(imm: number): Reg {
    this.fakeReg.markKnownBits(imm < 0 ? U32 : 0, imm >>> 0);
    return this.fakeReg;
  }

  private assignScalarId(r: Reg): void {
    if (needsScalarId(r)) r.id = ++this.idGen;
  }

  /**
   * Register `regno` of the current frame, to copy into another register or a stack slot: a
   * scalar gets an id first (assign_scalar_id_before_mov), then the register is shared.
   */
  private shareLinked(regno: number): Reg {
    if (needsScalarId(this.frame.regs[regno])) this.assignScalarId(this.wreg(regno));
    return this.frame.share(regno);
  }

  /** adjust_reg_min_max_vals. */
  private adjustRegMinMax(insn: Instruction): void {
    const o = opCode(insn.op);
    const dst = this.wreg(insn.dst);
    let src: Reg;
    if (opSource(insn.op) === SRC.X) {
      src = this.reg(insn.src);
      if (src.type !== RegType.SCALAR) {
        if (dst.type !== RegType.SCALAR) {
          if (o === ALU.SUB && this.privileged) { dst.markUnknown(); return; }
          this.fail(`R${insn.dst} pointer ${aluOpString(o)} pointer prohibited`);
        }
        // The pointer's new offset depends on the scalar's value.
        this.markChainPrecision(1 << insn.dst);
        this.adjustPtr(insn, src, dst, true);
        return;
      }
      if (dst.type !== RegType.SCALAR) {
        this.markChainPrecision(1 << insn.src);
        this.adjustPtr(insn, dst, src, false);
        return;
      }
    } else {
      src = this.immReg(insn.imm);
      if (dst.type !== RegType.SCALAR) { this.adjustPtr(insn, dst, src, false); return; }
    }
    const op = ALU_OPS[o];
    if (!op) {
      // div / mod: the kernel gives up on bounds (is_safe_to_compute_dst_reg_range) and returns
      // before zero-extending ALU32 results, so even `w = w % K` is a full 64-bit unknown to it.
      markUnknown(dst);
      dst.id = 0;
      return;
    }
    dst.id = 0;
    scalarAlu(dst, src, op, opClass(insn.op) === CLASS.ALU);
  }

  private checkRegSaneOffset(r: Reg, type: number): void {
    const t = this.typeStr(type);
    const val = r.valueS64();
    if (r.isConst() && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) this.fail(`math between ${t} pointer and ${BigInt.asIntN(64, r.varOff.value)} is not allowed`);
    if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF) this.fail(`${t} pointer offset ${r.off} is not allowed`);
    if (r.sminHi === -0x80000000 && r.sminLo === 0) this.fail(`math between ${t} pointer and register with unbounded min value is not allowed`);
    const smin = r.sminNum();
    if (smin >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) this.fail(`value ${r.smin} makes ${t} pointer be out of bounds`);
  }

  /** adjust_ptr_min_max_vals: `ptr op scalar` (or `scalar += ptr` when `swapped`). */
  private adjustPtr(insn: Instruction, ptr: Reg, off: Reg, swapped: boolean): void {
    const o = opCode(insn.op);
    const d = insn.dst;
    const dst = this.wreg(d);
    if (opClass(insn.op) !== CLASS.ALU64) {
      if (o === ALU.SUB && this.privileged) { dst.markUnknown(); return; }
      this.fail(`R${d} 32-bit pointer arithmetic prohibited`);
    }
    if (isMaybeNull(ptr.type)) this.fail(`R${d} pointer arithmetic on ${this.typeStr(ptr.type)} prohibited, null-check it first`);
    const known = off.isConst() && off.sminHi === off.smaxHi && off.sminLo === off.smaxLo;
    const smin = off.sminNum();
    const allowed = ptr.type === RegType.CTX || ptr.type === RegType.MAP_VALUE || ptr.type === RegType.MAP_KEY ||
      ptr.type === RegType.STACK || ptr.type === RegType.PKT_META || ptr.type === RegType.PKT ||
      ptr.type === RegType.RINGBUF_MEM || ptr.type === RegType.MEM || ptr.type === RegType.FUNC ||
      (ptr.type === RegType.MAP_PTR && known && (off.sminHi | off.sminLo) === 0 && o === ALU.ADD);
    if (!allowed) this.fail(`R${d} pointer arithmetic on ${this.typeStr(ptr.type)} prohibited`);
    this.checkRegSaneOffset(off, ptr.type);
    this.checkRegSaneOffset(ptr, ptr.type);
    // The operands before `dst` (which may be either of them) is overwritten.
    const p = this.ptrOperand.copyFrom(ptr), offVal = this.offOperand.copyFrom(off);
    const ptrId = ptr.id;
    switch (o) {
      case ALU.ADD: {
        dst.copyFrom(p);
        mark32Unbounded(dst);
        const noff = p.off + smin;
        if (known && noff === (noff | 0)) {
          dst.off = noff | 0; // an int32 (Smi) field, not a double
          break;
        }
        add64(dst, offVal, true);
        tnumAddTo(dst, p, offVal);
        if (isPktPointer(p.type)) { dst.id = ++this.idGen; dst.range = 0; }
        break;
      }
      case ALU.SUB: {
        if (swapped) this.fail(`R${d} tried to subtract pointer from scalar`);
        if (p.type === RegType.STACK) this.fail(`R${d} subtraction from stack pointer prohibited`);
        dst.copyFrom(p);
        mark32Unbounded(dst);
        const noff = p.off - smin;
        if (known && noff === (noff | 0)) {
          dst.off = noff | 0;
          break;
        }
        sub64(dst, offVal, true);
        tnumSubTo(dst, p, offVal);
        if (isPktPointer(p.type)) { dst.id = ++this.idGen; if (smin < 0) dst.range = 0; }
        break;
      }
      case ALU.AND: case ALU.OR: case ALU.XOR:
        this.fail(`R${d} bitwise operator ${aluOpString(o)} on pointer prohibited`);
      default:
        this.fail(`R${d} pointer arithmetic with ${aluOpString(o)} operator prohibited`);
    }
    void ptrId;
    this.checkRegSaneOffset(dst, p.type);
    boundsSync(dst);
    if (!this.privileged) this.sanitizeCheckBounds(d, dst);
  }

  /** Unprivileged pointer arithmetic must stay inside its object (sanitize_check_bounds). */
  private sanitizeCheckBounds(regno: number, r: Reg): void {
    if (r.type === RegType.STACK) {
      if (!r.isConst()) this.fail(`R${regno} variable stack access prohibited for !root, var_off=${tnumStr(r.varOff)} off=${r.off}`);
      const off = r.off + r.valueS64();
      if (off >= 0 || off < -MAX_BPF_STACK) this.fail(`R${regno} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
    } else if (r.type === RegType.MAP_VALUE) {
      const vs = this.maps[r.mapIdx].valueSize;
      if (r.smin + BigInt(r.off) < 0n || r.umax + BigInt(r.off) > BigInt(vs)) {
        this.fail(`R${regno} pointer arithmetic of map value goes out of range, prohibited for !root`);
      }
    }
  }

  // ---- memory

  private checkLoad(idx: number, insn: Instruction): void {
    const src = this.srcReg(insn.src);
    this.dstReg(insn.dst);
    this.checkMemAccess(insn.src, insn.off, SIZE_BYTES[opSize(insn.op) >> 3], false, insn.dst, insn, opMode(insn.op) === MODE.MEMSX);
    this.saveAuxPtrType(idx, src.type);
  }

  private checkStore(idx: number, insn: Instruction): void {
    this.srcReg(insn.src);
    const dst = this.srcReg(insn.dst);
    this.checkMemAccess(insn.dst, insn.off, SIZE_BYTES[opSize(insn.op) >> 3], true, insn.src, insn);
    this.saveAuxPtrType(idx, dst.type);
  }

  private checkAtomic(idx: number, insn: Instruction): void {
    const imm = insn.imm;
    const rmw = [ATOMIC.ADD, ATOMIC.ADD | ATOMIC.FETCH, ATOMIC.AND, ATOMIC.AND | ATOMIC.FETCH, ATOMIC.OR, ATOMIC.OR | ATOMIC.FETCH,
      ATOMIC.XOR, ATOMIC.XOR | ATOMIC.FETCH, ATOMIC.XCHG, ATOMIC.CMPXCHG];
    const size = SIZE_BYTES[opSize(insn.op) >> 3];
    if (imm === ATOMIC.LOAD_ACQ || imm === ATOMIC.STORE_REL) {
      if (imm === ATOMIC.LOAD_ACQ) {
        this.srcReg(insn.src);
        this.dstReg(insn.dst);
        this.checkMemAccess(insn.src, insn.off, size, false, insn.dst, insn, false, true);
      } else {
        this.srcReg(insn.src);
        this.srcReg(insn.dst);
        this.checkMemAccess(insn.dst, insn.off, size, true, insn.src, insn, false, true);
      }
      return;
    }
    if (!rmw.includes(imm)) this.fail(`BPF_ATOMIC uses invalid atomic opcode ${(imm >>> 0).toString(16).padStart(2, '0')}`);
    if (size !== 4 && size !== 8) this.fail('invalid atomic operand size');
    const src = this.srcReg(insn.src);
    const dst = this.srcReg(insn.dst);
    if (imm === ATOMIC.CMPXCHG) {
      const r0 = this.srcReg(0);
      if (this.isPointerValue(r0)) this.fail('R0 leaks addr into mem');
    }
    if (this.isPointerValue(src)) this.fail(`R${insn.src} leaks addr into mem`);
    if (dst.type === RegType.CTX || isPktPointer(dst.type)) this.fail(`BPF_ATOMIC stores into R${insn.dst} ${this.typeStr(dst.type)} is not allowed`);
    const loadReg = imm === ATOMIC.CMPXCHG ? 0 : insn.src;
    if (imm & ATOMIC.FETCH) this.dstReg(loadReg);
    this.checkMemAccess(insn.dst, insn.off, size, false, -1, insn, false, true);
    if (imm & ATOMIC.FETCH) this.checkMemAccess(insn.dst, insn.off, size, false, loadReg, insn, false, true);
    this.checkMemAccess(insn.dst, insn.off, size, true, -1, insn, false, true);
    this.saveAuxPtrType(idx, dst.type);
  }

  /** check_mem_access: one load (`valueRegno` receives it) or store (`valueRegno` is stored, -1 = imm). */
  private checkMemAccess(regno: number, insnOff: number, size: number, write: boolean, valueRegno: number, insn: Instruction, ldsx = false, strictAlign = false): void {
    // A store's value; a load from the stack writes its destination in place, taken before the
    // base register (which may be the same one). Other loads set their destination below.
    const load = !write && valueRegno >= 0;
    const value = valueRegno < 0 ? undefined : write ? this.reg(valueRegno)
      : this.reg(regno).type === RegType.STACK ? this.wreg(valueRegno) : undefined;
    const r = this.reg(regno);
    const off = insnOff + r.off;
    // Stack accesses are always strictly aligned; atomics (strictAlign) are, whatever the pointer.
    if ((r.type === RegType.STACK || strictAlign) && size > 1 && !tnumIsAlignedTo(r, r.off + insnOff, size)) {
      const desc = r.type === RegType.STACK ? 'stack ' : r.type === RegType.MAP_VALUE ? 'value ' : r.type === RegType.MAP_KEY ? 'key ' : '';
      this.fail(`misaligned ${desc}access off ${tnumConstStr(r.varOff)}+${r.off}+${insnOff} size ${size}`);
    }
    switch (r.type) {
      case RegType.MAP_VALUE: {
        if (write && value && this.isPointerValue(value)) this.fail(`R${valueRegno} leaks addr into map`);
        const map = this.maps[r.mapIdx];
        if (write && (map.flags & 1 << 7)) this.fail(`write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
        if (!write && (map.flags & 1 << 8)) this.fail(`read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
        this.checkMemRegion(regno, off, size, map.valueSize, false);
        if (load) {
          const v = r.isConst() ? this.frozenRead(map, off + Number(r.varOff.value), size) : undefined;
          if (v === undefined) this.setLoaded(valueRegno, size, ldsx);
          else {
            const dst = this.wreg(valueRegno);
            dst.markKnown(v);
            if (size < BPF_REG_SIZE) { if (ldsx) signExtend(dst, size); else coerceToSize(dst, size); }
          }
        }
        break;
      }
      case RegType.MAP_KEY: {
        if (write) this.fail(`R${regno} cannot write into ${this.typeStr(r.type)}`);
        this.checkMemRegion(regno, off, size, this.maps[r.mapIdx].keySize, false);
        if (load) this.setLoaded(valueRegno, size, ldsx);
        break;
      }
      case RegType.RINGBUF_MEM: case RegType.MEM: {
        if (write && value && this.isPointerValue(value)) this.fail(`R${valueRegno} leaks addr into mem`);
        this.checkMemRegion(regno, off, size, r.memSize, false);
        if (load) this.setLoaded(valueRegno, size, ldsx);
        break;
      }
      case RegType.CTX: {
        if (write && value && this.isPointerValue(value)) this.fail(`R${valueRegno} leaks addr into ctx`);
        if (!r.isConst()) this.fail(`variable ctx access var_off=${tnumStr(r.varOff)} disallowed`);
        if (r.off) this.fail(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
        if (ldsx || !ctxAccessOk(this.progType, this.attachType, off, size, write)) this.fail(`invalid bpf_context access off=${off} size=${size}`);
        if (load) {
          const t = ctxLoadType(this.progType, off);
          if (t === undefined) this.fail(`tsbpf: context field at offset ${off} of ${progTypeName(this.progType)} (a socket/flow-keys pointer) is not supported`);
          if (t === RegType.SCALAR) this.setLoaded(valueRegno, size, ldsx);
          else this.wreg(valueRegno).markPtr(t);
        }
        break;
      }
      case RegType.STACK:
        this.checkStackAccess(regno, r, off, size, write, valueRegno, insn);
        break;
      case RegType.PKT: case RegType.PKT_META: {
        if (write && !pktWritable(this.progType)) this.fail('cannot write into packet');
        if (write && value && this.isPointerValue(value)) this.fail(`R${valueRegno} leaks addr into packet`);
        this.checkPacketAccess(regno, off, size, false);
        if (load) this.setLoaded(valueRegno, size, ldsx);
        break;
      }
      case RegType.SOCKET: case RegType.SOCK_COMMON: case RegType.TCP_SOCK: case RegType.XDP_SOCK: {
        // check_sock_access
        if (write) this.fail(`R${regno} cannot write into ${this.typeStr(r.type)}`);
        if (r.smin < 0n) this.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
        if (ldsx || !sockAccessOk(r.type, off, size)) this.fail(`R${regno} invalid ${this.typeStr(r.type)} access off=${off} size=${size}`);
        if (load) this.setLoaded(valueRegno, size, ldsx);
        break;
      }
      default:
        this.fail(`R${regno} invalid mem access '${this.typeStr(r.type)}'`);
    }
    // A load from the stack (the other loads set their destination whole).
    if (load && value && size < BPF_REG_SIZE && value.type === RegType.SCALAR) {
      if (ldsx) signExtend(value, size);
      else coerceToSize(value, size);
    }
  }

  /**
   * Register `d` becomes an unknown scalar loaded from `size` bytes, sign-extended with `ldsx`:
   * one register per kind, shared by every frame that loads one.
   */
  private setLoaded(d: number, size: number, ldsx: boolean): void {
    const k = 2 * size + (ldsx ? 1 : 0);
    let r = this.loadedRegs[k];
    if (!r) {
      r = this.loadedRegs[k] = new Reg();
      r.markUnknown();
      if (size < BPF_REG_SIZE) { if (ldsx) signExtend(r, size); else coerceToSize(r, size); }
    }
    this.frame.setShared(d, r);
  }

  /**
   * bpf_map_direct_read: the little-endian value of `size` bytes at `off` of a frozen read-only
   * array map's only element (the load narrows or sign-extends it), else undefined.
   */
  private frozenRead(map: VerifierMap, off: number, size: number): bigint | undefined {
    const data = map.frozenValue;
    if (!data || !(map.flags & BPF_F.RDONLY_PROG) || map.type !== BPF_MAP_TYPE.ARRAY || map.maxEntries !== 1) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[off + i]);
    return v;
  }

  /** __check_mem_access's message for a region of `memSize` bytes. */
  private memAccessError(regno: number, off: bigint, size: number, memSize: number): string {
    const r = this.reg(regno);
    switch (r.type) {
      case RegType.MAP_KEY: return `invalid access to map key, key_size=${memSize} off=${off} size=${size}`;
      case RegType.MAP_VALUE: return `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
      case RegType.PKT: case RegType.PKT_META: case RegType.PKT_END:
        return `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${memSize})`;
      default: return `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
    }
  }

  private memOk(off: bigint, size: number, memSize: number, zeroOk: boolean): boolean {
    return off >= 0n && (size > 0 || (size === 0 && zeroOk)) && off + BigInt(size) <= BigInt(memSize);
  }

  /** check_mem_region_access: fixed offset plus the register's whole variable range must fit. */
  private checkMemRegion(regno: number, off: number, size: number, memSize: number, zeroOk: boolean): void {
    const r = this.reg(regno);
    // The common case in numbers: a non-negative range below BPF_MAX_VAR_OFF, inside the region.
    if (r.sminHi === 0 && r.umaxHi === 0 && r.sminLo >= 0 && r.umaxLo >= 0 && r.umaxLo < BPF_MAX_VAR_OFF &&
      (size > 0 || (size === 0 && zeroOk)) && r.sminLo + off >= 0 && r.umaxLo + off >= 0 && r.umaxLo + off + size <= memSize) return;
    const o = BigInt(off);
    if (r.smin < 0n && (r.smin === S64_MIN || o + r.smin !== BigInt.asIntN(32, o + r.smin) || r.smin + o < 0n)) {
      this.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    }
    if (!this.memOk(r.smin + o, size, memSize, zeroOk)) {
      this.fail(this.memAccessError(regno, r.smin + o, size, memSize), `R${regno} min value is outside of the allowed memory range`);
    }
    if (r.umax >= BPF_MAX_VAR_OFF) this.fail(`R${regno} unbounded memory access, make sure to bounds check any such access`);
    if (!this.memOk(r.umax + o, size, memSize, zeroOk)) {
      this.fail(this.memAccessError(regno, r.umax + o, size, memSize), `R${regno} max value is outside of the allowed memory range`);
    }
  }

  private checkPacketAccess(regno: number, off: number, size: number, zeroOk: boolean): void {
    const r = this.reg(regno);
    if (r.smin < 0n) this.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    if (r.range < 0 || !this.memOk(BigInt(off), size, r.range, zeroOk)) {
      const lines = r.range < 0 ? [] : [this.memAccessError(regno, BigInt(off), size, r.range)];
      this.fail(...lines, `R${regno} offset is outside of the packet`);
    }
  }

  // ---- stack

  /** check_stack_access_within_bounds; returns [minOff, maxOff) of the access. */
  private stackBounds(regno: number, r: Reg, off: number, size: number, what: string): [number, number] {
    const f = this.stackFrame(r);
    const minValid = what !== ' read from' || this.privileged ? -MAX_BPF_STACK : -f.allocated;
    let minOff: number, maxOff: number;
    if (r.isConst()) {
      minOff = r.valueS64() + off;
      maxOff = minOff + size;
    } else {
      if (r.smax >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF) this.fail(`invalid unbounded variable-offset${what} stack R${regno}`);
      minOff = Number(r.smin) + off;
      maxOff = Number(r.smax) + off + size;
    }
    if (minOff < minValid || minOff > -1 || maxOff > 0 || size < 0) {
      if (r.isConst()) this.fail(`invalid${what} stack R${regno} off=${off} size=${size}`);
      this.fail(`invalid variable-offset${what} stack R${regno} var_off=${tnumStr(r.varOff)} off=${off} size=${size}`);
    }
    this.growStack(f, -minOff);
    return [minOff, maxOff];
  }

  private stackFrame(r: Reg): FuncState {
    return this.cur.frames[r.frameno];
  }

  private growStack(f: FuncState, size: number): void {
    const n = Math.ceil(size / BPF_REG_SIZE) * BPF_REG_SIZE;
    if (n > f.allocated) f.growStack(n);
    if (f.allocated > this.stackDepth[f.subprog]) this.stackDepth[f.subprog] = f.allocated;
  }

  private checkStackAccess(regno: number, r: Reg, off: number, size: number, write: boolean, valueRegno: number, insn: Instruction): void {
    const [minOff, maxOff] = this.stackBounds(regno, r, off, size, write ? ' write to' : ' read from');
    const f = this.stackFrame(r);
    if (!write && f === this.frame) this.stackLive.markRead(this.insnIdx, minOff, maxOff - minOff);
    if (r.isConst()) {
      const o = minOff;
      // For precision backtracking: which slot this instruction accessed.
      const spi = (-o - 1) >> 3;
      // A fill through a pointer other than R10 is outside the static slot sets: when the loaded
      // register may matter later, the slot it came from matters on this path.
      if (!write && valueRegno >= 0 && regno !== BPF_REG_FP && (this.preciseMask(this.insnIdx + 1) & (1 << valueRegno))) {
        if (f === this.frame) this.markSlotPrecise(spi);
        else this.markPathPrecise();
      }
      if (write) this.stackWriteFixed(f, o, size, valueRegno, insn);
      else this.stackReadFixed(f, o, size, valueRegno);
    } else if (write) {
      this.stackWriteVar(f, minOff, maxOff, valueRegno, insn);
    } else {
      this.stackRangeInitialized(regno, r, f, minOff, maxOff - size, size, false, false, ' read from');
      if (valueRegno >= 0) this.markRegStackRead(f, minOff, maxOff, valueRegno);
    }
  }

  private stackWriteFixed(f: FuncState, off: number, size: number, valueRegno: number, insn: Instruction): void {
    const slot = -off - 1, spi = slot >> 3, base = spi * BPF_REG_SIZE;
    const spilled = f.byteType(base + 7) === STACK_SPILL ? f.spilled[spi] : undefined;
    if (!this.privileged && spilled && spilled.type !== RegType.SCALAR && size !== BPF_REG_SIZE) this.fail('attempt to corrupt spilled pointer on stack');
    let value = valueRegno >= 0 ? this.frame.regs[valueRegno] : undefined;
    this.scratch.markSlot(spi);
    const isStImm = valueRegno < 0 && opClass(insn.op) === CLASS.ST;
    f.ownStack();
    if (value && off % BPF_REG_SIZE === 0 && value.type === RegType.SCALAR && this.privileged) {
      // A value that fits the slot shares an id with the spill (the register gets one first);
      // one that does not is spilled without its id.
      if (regWidth(value) <= 8 * size) {
        value = this.shareLinked(valueRegno);
      } else if (value.id) {
        value = value.clone();
        value.id = 0;
      } else {
        value = this.frame.share(valueRegno);
      }
      this.saveRegisterState(f, spi, value, size);
    } else if (!value && off % BPF_REG_SIZE === 0 && isStImm && this.privileged) {
      this.saveRegisterState(f, spi, this.knownReg(insn.imm < 0 ? U32 : 0, insn.imm), size);
    } else if (value && value.isPointer()) {
      if (size !== BPF_REG_SIZE) {
        this.linfo(this.insnIdx);
        this.fail('invalid size of register spill');
      }
      if (f !== this.frame && value.type === RegType.STACK) this.fail('cannot spill pointers to stack into stack frame of the caller');
      this.saveRegisterState(f, spi, this.frame.share(valueRegno), size);
    } else {
      let type = STACK_MISC;
      const wasSpill = f.byteType(base + 7) === STACK_SPILL;
      f.spilled[spi] = undefined;
      if (wasSpill) f.slotToMisc(spi);
      if ((value && value.type === RegType.SCALAR && value.isZero()) || (isStImm && insn.imm === 0)) {
        // STACK_ZERO records the stored register's value, which backtracking cannot follow
        // through the slot: the register is precise from here.
        if (value) this.markChainPrecision(1 << valueRegno);
        type = STACK_ZERO;
      }
      for (let i = 0; i < size; i++) f.setByteType(slot - i, type);
    }
  }

  /**
   * push_jmp_history with INSN_F_STACK_ACCESS: this instruction spilled a register to slot `spi`
   * of `f` or filled one from it, which precision backtracking follows (other stack accesses it
   * does not).
   */
  private recordStackAccess(f: FuncState, spi: number): void {
    this.countHistEntry();
    this.cur.history.push(f === this.frame ? STACK_MARK - spi : STACK_NONLOCAL);
  }

  /** save_register_state: spills `r`, which is stored as it is (shared, never written again). */
  private saveRegisterState(f: FuncState, spi: number, r: Reg, size: number): void {
    this.recordStackAccess(f, spi);
    f.ownStack();
    f.spilled[spi] = r;
    const base = spi * BPF_REG_SIZE;
    let i = BPF_REG_SIZE;
    for (; i > BPF_REG_SIZE - size; i--) f.setByteType(base + i - 1, STACK_SPILL);
    for (; i; i--) {
      const t = f.byteType(base + i - 1);
      if (t === STACK_ZERO || (t === STACK_INVALID && this.privileged)) continue;
      f.setByteType(base + i - 1, STACK_MISC);
    }
  }

  private stackReadFixed(f: FuncState, off: number, size: number, dstRegno: number): void {
    const slot = -off - 1, spi = slot >> 3, base = spi * BPF_REG_SIZE;
    this.scratch.markSlot(spi);
    let sp = f.spilled[spi];
    if (f.byteType(base + 7) === STACK_SPILL && sp) {
      let spillSize = 1;
      for (let i = BPF_REG_SIZE - 1; i > 0 && f.byteType(base + i - 1) === STACK_SPILL; i--) spillSize++;
      if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
        if (sp.type !== RegType.SCALAR) {
          this.linfo(this.insnIdx);
          this.fail('invalid size of register fill');
        }
        if (dstRegno < 0) return;
        if (size <= spillSize && off % BPF_REG_SIZE === 0) {
          if (this.privileged && size === 4 && spillSize === 4 && regWidth(sp) <= 32) {
            f.ownStack();
            sp = f.spilled[spi] = sp.clone();
            this.assignScalarId(sp);
          }
          this.recordStackAccess(f, spi);
          if (size === 4 && spillSize === 4) {
            this.frame.setShared(dstRegno, sp);
          } else {
            const dst = this.wreg(dstRegno);
            dst.copyFrom(sp);
            dst.id = 0;
          }
        } else {
          let spillCnt = 0, zeroCnt = 0;
          for (let i = 0; i < size; i++) {
            const t = f.byteType(slot - i);
            if (t === STACK_SPILL) { spillCnt++; continue; }
            if (t === STACK_MISC) continue;
            if (t === STACK_ZERO) { zeroCnt++; continue; }
            if (t === STACK_INVALID && this.privileged) continue;
            this.fail(`invalid read from stack off ${off}+${i} size ${size}`);
          }
          // Only a zero read from the spill itself restores the spilled register's value.
          if (spillCnt === size && sp.isZero()) this.recordStackAccess(f, spi);
          const dst = this.wreg(dstRegno);
          if ((spillCnt === size && sp.isZero()) || zeroCnt === size) dst.markKnown(0n);
          else dst.markUnknown();
        }
        return;
      }
      this.recordStackAccess(f, spi);
      if (dstRegno >= 0) {
        this.frame.setShared(dstRegno, sp);
      } else if (this.isPointerValue(sp)) {
        this.fail(`leaking pointer from stack off ${off}`);
      }
      return;
    }
    for (let i = 0; i < size; i++) {
      const t = f.byteType(slot - i);
      if (t === STACK_MISC || t === STACK_ZERO || (t === STACK_INVALID && this.privileged)) continue;
      this.fail(`invalid read from stack off ${off}+${i} size ${size}`);
    }
    if (dstRegno >= 0) this.markRegStackRead(f, off, off + size, dstRegno);
  }

  private markRegStackRead(f: FuncState, minOff: number, maxOff: number, dstRegno: number): void {
    let zeros = 0;
    for (let i = minOff; i < maxOff; i++) {
      const slot = -i - 1;
      this.scratch.markSlot(slot >> 3);
      if (f.byteType(slot) !== STACK_ZERO) break;
      zeros++;
    }
    const dst = this.wreg(dstRegno);
    if (zeros === maxOff - minOff) dst.markKnown(0n);
    else dst.markUnknown();
  }

  private stackWriteVar(f: FuncState, minOff: number, maxOff: number, valueRegno: number, insn: Instruction): void {
    const value = valueRegno >= 0 ? this.frame.regs[valueRegno] : undefined;
    const writingZero = value ? value.type === RegType.SCALAR && value.isZero() : insn.imm === 0;
    let zeroUsed = false;
    f.ownStack();
    for (let i = minOff; i < maxOff; i++) {
      const slot = -i - 1, spi = slot >> 3;
      const t = f.byteType(slot);
      this.scratch.markSlot(spi);
      if (!this.privileged && t !== STACK_MISC && t !== STACK_ZERO) {
        this.fail(`spilled ptr in range of var-offset stack write; insn ${this.insnIdx}, ptr off: ${i}`);
      }
      const sp = f.spilled[spi];
      if (writingZero && t === STACK_SPILL && sp?.type === RegType.SCALAR && sp.isZero()) { zeroUsed = true; continue; }
      if (f.byteType(spi * BPF_REG_SIZE + 7) === STACK_SPILL) {
        f.spilled[spi] = undefined;
        f.slotToMisc(spi);
      }
      let nt = STACK_MISC;
      if (writingZero && f.byteType(slot) === STACK_ZERO) { nt = STACK_ZERO; zeroUsed = true; }
      if (f.byteType(slot) === STACK_INVALID && !this.privileged) {
        this.fail(`uninit stack in range of var-offset write prohibited for !root; insn ${this.insnIdx}, off: ${i}`);
      }
      f.setByteType(slot, nt);
    }
    // Zeroes kept in the slots carry the stored register's value (see stackWriteFixed).
    if (zeroUsed && value) this.markChainPrecision(1 << valueRegno);
  }

  /** check_stack_range_initialized over [minOff, maxOff + size). `clobber` = a helper writes it. */
  private stackRangeInitialized(regno: number, r: Reg, f: FuncState, minOff: number, maxOff: number, size: number, clobber: boolean, zeroOk: boolean, what: string): void {
    if (size === 0 && !zeroOk) this.fail('invalid zero-sized read');
    if (f === this.frame) this.stackLive.markRead(this.insnIdx, minOff, maxOff + size - minOff);
    if (clobber) f.ownStack();
    const end = maxOff + size;
    for (let i = minOff; i < end;) {
      const first = -i - 1, spi = first >> 3;
      if (f.allocated <= first) this.fail('allocated_stack too small');
      this.scratch.markSlot(spi);
      // The bytes of this slot in the range: [i, last), its bytes `first & 7` down to 0.
      const last = Math.min(end, i + (first & 7) + 1);
      // A spilled register (read, not clobbered) passes whole when it may be read as bytes.
      const sp = f.spilled[spi];
      const spillOk = !clobber && f.byteType(spi * BPF_REG_SIZE + 7) === STACK_SPILL && !!sp && (sp.type === RegType.SCALAR || this.privileged);
      if (f.slotReadable(spi, this.privileged, spillOk)) {
        // Every byte passes; clobbered ones become STACK_MISC.
        if (clobber) for (; i < last; i++) f.setByteType(-i - 1, STACK_MISC);
        i = last;
        continue;
      }
      for (; i < last; i++) {
        const t = f.byteType(-i - 1);
        if (t === STACK_MISC) continue;
        if (t === STACK_ZERO || (t === STACK_INVALID && this.privileged)) {
          if (clobber) f.setByteType(-i - 1, STACK_MISC);
          continue;
        }
        if (f.byteType(spi * BPF_REG_SIZE + 7) === STACK_SPILL && sp && (sp.type === RegType.SCALAR || this.privileged)) {
          if (clobber) {
            f.slotToMisc(spi);
            f.spilled[spi] = undefined;
          }
          continue;
        }
        if (r.isConst()) this.fail(`invalid${what} stack R${regno} off=${minOff} size=${size}`);
        this.fail(`invalid${what} stack R${regno} var_off=${tnumStr(r.varOff)} size=${size}`);
      }
    }
  }

  // ---- jumps and calls

  private checkJmp(idx: number, insn: Instruction): number {
    const o = opCode(insn.op);
    const jmp32 = opClass(insn.op) === CLASS.JMP32;
    if (o === JMP.JA) {
      if (jmp32 ? insn.off !== 0 || insn.src !== 0 || insn.dst !== 0 : insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0) {
        this.fail('BPF_JA uses reserved fields');
      }
      return idx + 1 + (jmp32 ? insn.imm : insn.off);
    }
    if (o === JMP.EXIT) {
      if (opSource(insn.op) !== SRC.K || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || jmp32) this.fail('BPF_EXIT uses reserved fields');
      return this.checkExit(idx);
    }
    if (o === JMP.CALL) {
      if (opSource(insn.op) !== SRC.K || insn.off !== 0 || (insn.src !== 0 && insn.src !== BPF_PSEUDO_CALL) || insn.dst !== 0 || jmp32) {
        this.fail('BPF_CALL uses reserved fields');
      }
      if (insn.src === BPF_PSEUDO_CALL) return this.checkFuncCall(idx, insn);
      return this.checkHelperCall(idx, insn);
    }
    return this.checkCondJmp(idx, insn);
  }

  private checkExit(idx: number): number {
    const cur = this.cur;
    const callee = this.frame;
    if (cur.frames.length > 1) {
      if (callee.inCallback) {
        const r0 = this.srcReg(0);
        if (r0.type !== RegType.SCALAR) this.fail('R0 not a scalar value');
        const range = this.callbackRange;
        if (r0.smin < BigInt(range[0]) || r0.smax > BigInt(range[1])) this.fail(this.invalidScalar(r0, range, 'At callback return', 'R0'));
      }
      const r0 = callee.regs[0];
      if (r0.type === RegType.STACK && r0.frameno === callee.frameno) this.fail('cannot return stack pointer to the caller');
      const caller = cur.frames[cur.frames.length - 2];
      if (!callee.inCallback) caller.reg(0).copyFrom(r0);
      this.insnIdx = callee.inCallback ? callee.callsite : callee.callsite + 1;
      if (this.level) {
        this.verbose('returning from callee:\n');
        this.printState(cur, cur.frames.length - 1, true);
        this.verbose(`to caller at ${this.insnIdx}:\n`);
        this.printState(cur, cur.frames.length - 2, true);
      }
      cur.frames.pop();
      return RETURNED;
    }
    if (cur.refs.length) {
      for (const ref of cur.refs) this.verbose(`Unreleased reference id=${ref.id} alloc_insn=${ref.insn}\n`);
      this.verbose('BPF_EXIT instruction in main prog would lead to reference leak\n');
      throw new Reject(`Unreleased reference id=${cur.refs[0].id} alloc_insn=${cur.refs[0].insn}`, idx);
    }
    const r0 = this.srcReg(0);
    if (this.isPointerValue(r0)) this.fail('R0 leaks addr as return value');
    if (callee.subprog !== 0) {
      // A global function (verified on its own) returns a scalar; the program's exit rules are the main program's.
      if (r0.type !== RegType.SCALAR) this.fail(`At subprogram exit the register R0 is not a scalar value (${this.typeStr(r0.type)})`);
      return EXIT_PATH;
    }
    const range = exitRange(this.progType, this.attachType);
    if (range) {
      if (r0.type !== RegType.SCALAR) this.fail(`At program exit the register R0 is not a known value (${this.typeStr(r0.type)})`);
      if (r0.smin < BigInt(range[0]) || r0.smax > BigInt(range[1])) this.fail(this.invalidScalar(r0, range, 'At program exit', 'R0'));
    }
    return EXIT_PATH;
  }

  private callbackRange: readonly [number, number] = [0, 1];

  private invalidScalar(r: Reg, range: readonly [number, number], ctx: string, name: string): string {
    let s = `${ctx} the register ${name} has`;
    let unknown = true;
    if (r.smin > S64_MIN) { s += ` smin=${r.smin}`; unknown = false; }
    if (r.smax < S64_MAX) { s += ` smax=${r.smax}`; unknown = false; }
    if (unknown) s += ' unknown scalar value';
    return `${s} should have been in [${range[0]}, ${range[1]}]`;
  }

  /** A bpf-to-bpf call: new frame with R1-R5 passed (check_func_call). */
  private checkFuncCall(idx: number, insn: Instruction): number {
    const cur = this.cur;
    if (cur.frames.length >= MAX_CALL_FRAMES) this.fail(`the call stack of ${cur.frames.length + 1} frames is too deep`);
    const target = idx + insn.imm + 1;
    const subprog = this.cfg.subprogStarts.indexOf(target);
    const global = this.globals[subprog];
    if (global) return this.checkGlobalCall(idx, subprog, global);
    const caller = this.frame;
    const callee = new FuncState(cur.frames.length, idx, subprog);
    for (let r = 1; r <= 5; r++) callee.setShared(r, caller.share(r));
    const fp = callee.reg(BPF_REG_FP);
    fp.markPtr(RegType.STACK);
    fp.frameno = callee.frameno;
    for (let r = 0; r <= 5; r++) caller.setNotInit(r);
    cur.frames.push(callee);
    if (this.level) {
      this.verbose('caller:\n');
      this.printState(cur, cur.frames.length - 2, true);
      this.verbose('callee:\n');
      this.printState(cur, cur.frames.length - 1, true);
    }
    this.insnIdx = target;
    this.scratch.all();
    return CALLED;
  }

  /**
   * A call of a global function: the arguments must match its prototype (btf_check_subprog_call);
   * the function itself is verified later, on its own, and returns an unknown scalar.
   */
  private checkGlobalCall(idx: number, subprog: number, g: FuncProto): number {
    try {
      if (g.unsupported) this.fail(g.unsupported);
      g.args.forEach((a, i) => this.checkGlobalArg(i, a));
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      this.fail(`Caller passes invalid args into func#${subprog} ('${g.name}')`);
    }
    this.verbose(`Func#${subprog} ('${g.name}') is global and assumed valid.\n`);
    if (this.changesPkt[subprog]) this.forEachReg(this.cur, (r) => isPktPointer(r.type) || r.type === RegType.PKT_END, (r) => this.invalidate(r));
    if (!this.called[subprog]) this.called[subprog] = CALLED_GLOBAL;
    for (let r = 1; r <= 5; r++) this.frame.setNotInit(r);
    this.wreg(0).markUnknown();
    // The log shows R0 only: the stack the arguments point to is checked, not printed.
    this.scratch.clear();
    this.scratch.regs = 0x3f;
    return idx + 1;
  }

  /** One argument of a global function call against its prototype (btf_check_func_arg_match). */
  private checkGlobalArg(i: number, a: FuncProto['args'][number]): void {
    const regno = i + 1;
    const r = this.srcReg(regno);
    if (a.kind === 'scalar') {
      if (r.type !== RegType.SCALAR) this.fail(`R${regno} is not a scalar`);
    } else if (a.kind === 'ctx') {
      if (r.type === RegType.CTX && r.off) this.fail(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
      if (r.type !== RegType.CTX) this.fail(`arg#${i} expects pointer to ctx`);
    } else {
      // check_mem_reg: NULL is fine; otherwise the memory must be readable and writable, as if
      // the pointer had been null-checked.
      if (r.type === RegType.SCALAR && r.isZero()) return;
      const type = r.type;
      const w = this.wreg(regno);
      w.type = notNullType(type);
      try {
        const meta = { rawRegno: -1, rawSize: 0 };
        this.checkHelperMemAccess(regno, a.size ?? 0, false, true, meta);
        this.checkHelperMemAccess(regno, a.size ?? 0, true, true, meta);
      } finally {
        w.type = type;
      }
      if (a.kind === 'mem' && isMaybeNull(type)) this.fail(`arg#${i} is expected to be non-NULL`);
    }
  }

  private checkHelperCall(idx: number, insn: Instruction): number {
    const id = insn.imm;
    if (id <= 0 || id > MAX_HELPER_ID) this.fail(`invalid func ${helperLabel(id)}`);
    if (this.allowedHelpers[id] !== 1) this.fail(`program of this type cannot use helper ${helperLabel(id)}`);
    const proto = helperProto(id);
    if (!proto) this.fail(`tsbpf: helper ${helperLabel(id)} is not modelled by the verifier`);
    const regs = this.frame.regs;
    const meta = { mapIdx: -1, constKey: -1, refObjId: 0, releaseRegno: 0, rawRegno: -1, rawSize: 0, memSize: 0, msizeMax: 0n, subprog: -1 };
    for (let i = 0; i < proto.args.length; i++) this.checkFuncArg(i + 1, proto.args, meta);
    if (id === BPF_FUNC.tail_call) {
      // record_func_key; the kernel logs this message without a newline.
      if (this.maps[meta.mapIdx]?.type !== BPF_MAP_TYPE.PROG_ARRAY) {
        this.verbose('expected prog array map for tail call');
        throw new Reject('expected prog array map for tail call', this.insnIdx);
      }
      // A constant in-range index may become a direct jump, so it is precise.
      const key = regs[3];
      if (key.type === RegType.SCALAR && key.isConst() && key.varOff.value < BigInt(this.maps[meta.mapIdx].maxEntries)) this.markChainPrecision(1 << 3);
    }
    for (let i = 0; i < meta.rawSize; i++) this.checkMemAccess(meta.rawRegno, i, 1, true, -1, insn);
    if (meta.releaseRegno) {
      if (meta.refObjId) this.releaseReference(meta.refObjId);
      else if (!(regs[meta.releaseRegno].type === RegType.SCALAR && regs[meta.releaseRegno].isZero())) {
        this.fail(`func ${helperLabel(id)} reference has not been acquired before`);
      }
    }
    if (id === BPF_FUNC.tail_call && this.cur.refs.length) this.fail('tail_call would lead to reference leak');
    if (proto.callbackRet) this.pushCallback(idx, id, meta.subprog);
    for (let r = 0; r <= 5; r++) { this.frame.setNotInit(r); this.scratch.regs |= 1 << r; }
    const r0 = this.wreg(0);
    switch (proto.ret) {
      case 'int': r0.markUnknown(); break;
      case 'void': break;
      case 'map_value_or_null': {
        // Array lookups with a constant in-range key cannot fail (can_elide_value_nullness).
        const map = this.maps[meta.mapIdx];
        const elide = id === BPF_FUNC.map_lookup_elem && (map.type === BPF_MAP_TYPE.ARRAY || map.type === BPF_MAP_TYPE.PERCPU_ARRAY) &&
          meta.constKey >= 0 && meta.constKey < map.maxEntries;
        r0.markPtr(elide ? RegType.MAP_VALUE : RegType.MAP_VALUE_OR_NULL);
        r0.mapIdx = meta.mapIdx;
        if (!elide) r0.id = ++this.idGen;
        // A sockmap/sockhash lookup acquires a reference to the socket (is_acquire_function).
        if (map.type === BPF_MAP_TYPE.SOCKMAP || map.type === BPF_MAP_TYPE.SOCKHASH) this.acquire(r0, idx);
        break;
      }
      default: {
        r0.markPtr(RET_TYPES[proto.ret]);
        r0.memSize = meta.memSize;
        r0.id = ++this.idGen;
        if (proto.ref === 'cast') r0.refObjId = meta.refObjId;
        if (proto.ref === 'acquire') this.acquire(r0, idx);
        break;
      }
    }
    this.refineRetval(r0, id, meta.msizeMax);
    if (meta.mapIdx >= 0 && !mapHelperCompatible(this.maps[meta.mapIdx].type, id)) {
      this.fail(`cannot pass map_type ${this.maps[meta.mapIdx].type} into func ${helperLabel(id)}`);
    }
    if (changesPktData(id)) this.forEachReg(this.cur, (r) => isPktPointer(r.type) || r.type === RegType.PKT_END, (r) => this.invalidate(r));
    return idx + 1;
  }

  /** acquire_reference: R0's maybe-null id is replaced by a new reference id. */
  private acquire(r0: Reg, idx: number): void {
    const refId = ++this.idGen;
    this.cur.refs.push({ id: refId, insn: idx });
    r0.id = refId;
    r0.refObjId = refId;
  }

  private refineRetval(r0: Reg, id: number, msizeMax: bigint): void {
    const F = BPF_FUNC;
    if (id === F.get_stack || id === F.probe_read_str || id === F.probe_read_kernel_str || id === F.probe_read_user_str) {
      r0.smax = msizeMax; r0.s32max = Number(BigInt.asIntN(32, msizeMax));
      r0.smin = -MAX_ERRNO; r0.s32min = -Number(MAX_ERRNO);
      boundsSync(r0);
    } else if (id === F.get_smp_processor_id) {
      const m = BigInt(this.nrCpus - 1);
      r0.umax = r0.smax = m; r0.u32max = r0.s32max = Number(m);
      r0.umin = r0.smin = 0n; r0.u32min = r0.s32min = 0;
      boundsSync(r0);
    }
  }

  /** bpf_loop / for_each_map_elem: explore one more callback iteration (push_callback_call). */
  private pushCallback(idx: number, id: number, subprog: number): void {
    const caller = this.frame;
    if (id === BPF_FUNC.loop) {
      const depth = this.callbackDepth.get(caller) ?? 0;
      if (BigInt(depth) >= caller.regs[1].umax) {
        this.callbackDepth.set(caller, 0);
        if (this.level >= 2) this.verbose(`frame${caller.frameno} bpf_loop iteration limit reached\n`);
        return;
      }
    }
    if (this.cur.frames.length >= MAX_CALL_FRAMES) this.fail(`the call stack of ${this.cur.frames.length + 1} frames is too deep`);
    const st = this.cur.clone();
    const cframe = st.frames[st.frames.length - 1];
    const callee = new FuncState(st.frames.length, idx, subprog);
    callee.inCallback = true;
    const fp = callee.reg(BPF_REG_FP);
    fp.markPtr(RegType.STACK);
    fp.frameno = callee.frameno;
    if (id === BPF_FUNC.loop) {
      callee.reg(1).markUnknown();
      callee.reg(2).copyFrom(cframe.regs[3]);
    } else {
      // for_each_map_elem: (map, key, value, ctx)
      const mapIdx = cframe.regs[1].mapIdx;
      const types = [RegType.MAP_PTR, RegType.MAP_KEY, RegType.MAP_VALUE];
      for (let i = 0; i < 3; i++) {
        const r = callee.reg(i + 1);
        r.markPtr(types[i]);
        r.mapIdx = mapIdx;
      }
      callee.reg(4).copyFrom(cframe.regs[3]);
    }
    st.frames.push(callee);
    this.callbackDepth.set(cframe, (this.callbackDepth.get(caller) ?? 0) + 1);
    this.callbackDepth.set(caller, 0);
    this.pushStack(this.cfg.subprogStarts[subprog], idx, st);
  }

  private readonly callbackDepth = new WeakMap<FuncState, number>();

  private releaseReference(refId: number): void {
    const refs = this.cur.refs;
    const i = refs.findIndex((r) => r.id === refId);
    if (i >= 0) refs.splice(i, 1);
    this.forEachReg(this.cur, (r) => r.refObjId === refId, (r) => this.invalidate(r));
  }

  /** check_func_arg for argument `arg` (1-based register). */
  private checkFuncArg(regno: number, args: readonly ArgKind[], meta: {
    mapIdx: number; constKey: number; refObjId: number; releaseRegno: number; rawRegno: number; rawSize: number; memSize: number; msizeMax: bigint; subprog: number;
  }): void {
    const kind = args[regno - 1];
    const r = this.srcReg(regno);
    if (kind === 'anything') {
      if (this.isPointerValue(r)) this.fail(`R${regno} leaks addr into helper function`);
      return;
    }
    const isNull = r.type === RegType.SCALAR && r.isZero();
    const maybeNull = kind === 'mem_or_null' || kind === 'stack_or_null' || kind === 'ctx_or_null';
    if (!(isNull && maybeNull)) this.checkRegType(regno, r, kind);
    if (isReleaseArg(kind)) {
      if (!r.refObjId && !isNull) this.fail(`R${regno} must be referenced when passed to release function`);
      if (r.off) this.fail(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
      meta.releaseRegno = regno;
    }
    if (r.refObjId) meta.refObjId = r.refObjId;
    const map = meta.mapIdx >= 0 ? this.maps[meta.mapIdx] : undefined;
    switch (kind) {
      case 'map_ptr': meta.mapIdx = r.mapIdx; break;
      case 'map_key':
        if (!map) this.fail('invalid map_ptr to access map->key');
        this.checkHelperMemAccess(regno, map.keySize, false, false, meta);
        meta.constKey = this.constantMapKey(r, map.keySize);
        break;
      case 'map_value': case 'uninit_map_value':
        if (!map) this.fail('invalid map_ptr to access map->value');
        this.checkHelperMemAccess(regno, map.valueSize, kind === 'uninit_map_value', false, meta, kind === 'uninit_map_value');
        break;
      case 'size': case 'size_or_zero': {
        meta.msizeMax = r.umax;
        const zeroOk = kind === 'size_or_zero';
        if (r.smin < 0n) this.fail(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
        if (r.umin === 0n && !zeroOk) this.fail(`R${regno} invalid zero-sized read: u64=[${r.umin},${r.umax}]`);
        if (r.umax >= BPF_MAX_VAR_SIZ) this.fail(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        const memKind = args[regno - 2];
        const uninit = memKind === 'uninit_mem', write = uninit || memKind === 'rw_mem';
        const memReg = this.reg(regno - 1);
        if (memKind === 'mem_or_null' && memReg.type === RegType.SCALAR && memReg.isZero()) {
          if (r.umax !== 0n || !zeroOk) this.checkHelperMemAccess(regno - 1, Number(r.umax), write, zeroOk, meta, uninit && r.isConst());
          break;
        }
        this.checkHelperMemAccess(regno - 1, Number(r.umax), write, zeroOk, meta, uninit && r.isConst());
        break;
      }
      case 'alloc_size_or_zero':
        if (!r.isConst()) this.fail(`R${regno} is not a known constant'`);
        meta.memSize = Number(r.varOff.value);
        break;
      case 'func':
        meta.subprog = r.subprog;
        break;
      case 'long':
        this.checkHelperMemAccess(regno, 8, true, false, meta, true);
        break;
      default:
        break;
    }
  }

  private static readonly COMPATIBLE: Record<string, number[]> = {
    map_ptr: [RegType.MAP_PTR],
    map_key: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    map_value: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    uninit_map_value: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    mem: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    mem_or_null: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    rw_mem: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    uninit_mem: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    long: [RegType.STACK, RegType.PKT, RegType.PKT_META, RegType.MAP_KEY, RegType.MAP_VALUE, RegType.RINGBUF_MEM, RegType.MEM],
    ctx: [RegType.CTX],
    ctx_or_null: [RegType.CTX],
    ringbuf_mem: [RegType.RINGBUF_MEM],
    func: [RegType.FUNC],
    stack_or_null: [RegType.STACK],
    sock_common: [RegType.SOCK_COMMON, RegType.SOCKET, RegType.TCP_SOCK, RegType.XDP_SOCK],
    btf_sock_common: [RegType.SOCK_COMMON, RegType.SOCKET, RegType.TCP_SOCK, RegType.XDP_SOCK],
    sock_release: [RegType.SOCK_COMMON, RegType.SOCKET, RegType.TCP_SOCK, RegType.XDP_SOCK],
    size: [RegType.SCALAR], size_or_zero: [RegType.SCALAR], alloc_size_or_zero: [RegType.SCALAR],
  };
  /** The kernel's names for the compatible lists (mem types include buf and trusted_ptr_). */
  private static readonly EXPECTED: Record<string, string> = {
    mem: 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
    sock_common: 'sock_common, sock, tcp_sock, xdp_sock',
    btf_sock_common: 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_',
    sock_release: 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_',
  };

  /** get_constant_map_key: the key when it is a known constant on the stack, else -1. */
  private constantMapKey(key: Reg, keySize: number): number {
    if (!this.privileged || key.type !== RegType.STACK || !key.isConst()) return -1;
    const f = this.stackFrame(key);
    const slot = -(key.off + key.valueS64()) - 1;
    const spi = slot >> 3, base = spi * BPF_REG_SIZE, off = slot & 7;
    let zero = 0, spill = 0;
    for (let i = off; i >= 0 && f.byteType(base + i) === STACK_ZERO; i--) zero++;
    if (zero >= keySize) return 0;
    const sp = f.spilled[spi];
    if (f.byteType(base + 7) !== STACK_SPILL || sp?.type !== RegType.SCALAR) return -1;
    for (let i = off; i >= 0 && f.byteType(base + i) === STACK_SPILL; i--) spill++;
    if (spill !== keySize || !sp.isConst()) return -1;
    if (sp.varOff.value > 0x7fffffffn) return -1;
    // The lookup now depends on the spilled value: mark it precise.
    if (f === this.frame) this.markSlotPrecise(spi);
    else this.markPathPrecise();
    return Number(sp.varOff.value);
  }

  /** check_reg_type: the register's type must be one of the argument's compatible types. */
  private checkRegType(regno: number, r: Reg, kind: ArgKind): void {
    const ok = Verifier.COMPATIBLE[kind];
    if (ok.includes(r.type)) {
      if ((kind === 'ctx' || kind === 'ctx_or_null') && r.off) this.fail(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
      return;
    }
    const memLike = kind === 'mem' || kind === 'mem_or_null' || kind === 'rw_mem' || kind === 'uninit_mem' || kind === 'long' ||
      kind === 'map_key' || kind === 'map_value' || kind === 'uninit_map_value';
    const expected = memLike ? Verifier.EXPECTED.mem : Verifier.EXPECTED[kind] ?? ok.map((t) => this.typeStr(t)).join(', ');
    this.fail(`R${regno} type=${this.typeStr(r.type)} expected=${expected}`);
  }

  /** check_helper_mem_access: `size` bytes at the register (written by the helper when `write`). */
  private checkHelperMemAccess(regno: number, size: number, write: boolean, zeroOk: boolean, meta: { rawRegno: number; rawSize: number }, raw = false): void {
    const r = this.reg(regno);
    switch (r.type) {
      case RegType.PKT: case RegType.PKT_META:
        if (write && !pktWritable(this.progType)) this.fail('helper access to the packet is not allowed');
        this.checkPacketAccess(regno, r.off, size, zeroOk);
        return;
      case RegType.MAP_KEY:
        if (write) this.fail(`R${regno} cannot write into ${this.typeStr(r.type)}`);
        this.checkMemRegion(regno, r.off, size, this.maps[r.mapIdx].keySize, false);
        return;
      case RegType.MAP_VALUE: {
        const map = this.maps[r.mapIdx];
        if (write && (map.flags & 1 << 7)) this.fail(`write into map forbidden, value_size=${map.valueSize} off=${r.off} size=${size}`);
        if (!write && (map.flags & 1 << 8)) this.fail(`read from map forbidden, value_size=${map.valueSize} off=${r.off} size=${size}`);
        this.checkMemRegion(regno, r.off, size, map.valueSize, zeroOk);
        return;
      }
      case RegType.RINGBUF_MEM: case RegType.MEM:
        this.checkMemRegion(regno, r.off, size, r.memSize, zeroOk);
        return;
      case RegType.STACK: {
        const what = ' indirect access to';
        const [minOff] = this.stackBounds(regno, r, r.off, size, write ? ' write to' : ' read from');
        const f = this.stackFrame(r);
        let lo: number, hi: number;
        if (r.isConst()) {
          lo = hi = minOff;
        } else {
          if (!this.privileged) this.fail(`R${regno} variable offset stack access prohibited for !root, var_off=${tnumStr(r.varOff)}`);
          raw = false;
          lo = Number(r.smin) + r.off;
          hi = Number(r.smax) + r.off;
        }
        if (raw) {
          meta.rawRegno = regno;
          meta.rawSize = size;
          return;
        }
        this.stackRangeInitialized(regno, r, f, lo, hi, size, write, zeroOk, what);
        return;
      }
      default:
        if (zeroOk && size === 0 && r.type === RegType.SCALAR && r.isZero()) return;
        this.fail(`R${regno} type=${this.typeStr(r.type)} expected=fp`);
    }
  }

  /** Conditional jumps: predict, or fork and refine both branches (check_cond_jmp_op). */
  private checkCondJmp(idx: number, insn: Instruction): number {
    const o = opCode(insn.op);
    const jmp32 = opClass(insn.op) === CLASS.JMP32;
    let dst = this.srcReg(insn.dst);
    let src: Reg;
    const xSrc = opSource(insn.op) === SRC.X;
    if (xSrc) {
      if (insn.imm !== 0) this.fail('BPF_JMP/JMP32 uses reserved fields');
      src = this.srcReg(insn.src);
      if (!(isPktAny(dst.type) && isPktAny(src.type)) && this.isPointerValue(src)) this.fail(`R${insn.src} pointer comparison prohibited`);
    } else {
      if (insn.src !== 0) this.fail('BPF_JMP/JMP32 uses reserved fields');
      src = this.immReg(insn.imm);
    }
    const pred = isBranchTaken(dst, src, o, jmp32);
    const target = idx + insn.off + 1;
    // Record the scalars linked to the operands (sync_linked_regs) for precision backtracking.
    let linked = 0, linkedLo = 0, linkedHi = 0;
    for (let k = xSrc ? 1 : 0; k >= 0; k--) {
      const id = k ? src.id : dst.id;
      if (!id || (k ? src : dst).type !== RegType.SCALAR) continue;
      const regs = this.frame.regs;
      for (let i = 0; i < MAX_BPF_REG; i++) if (regs[i].type === RegType.SCALAR && regs[i].id === id) linked |= 1 << i;
      spilledScalars(this.frame, id);
      linkedLo |= spilledLo;
      linkedHi |= spilledHi;
    }
    if (linked) this.cur.history.push(-(linked + 1));
    if (popcount(linked) + popcount(linkedLo) + popcount(linkedHi) > 1) this.countHistEntry();
    if (linkedLo | linkedHi) {
      this.cur.history.push(LINKED_SLOTS - this.linkedSlots.length / 2);
      this.linkedSlots.push(linkedLo, linkedHi);
    }
    const operands = (dst.type === RegType.SCALAR ? 1 << insn.dst : 0) | (xSrc && src.type === RegType.SCALAR ? 1 << insn.src : 0);
    if (pred >= 0 && operands) this.markChainPrecision(operands);
    if (pred === 1) {
      this.printInsnState();
      return target;
    }
    if (pred === 0) {
      this.printInsnState();
      return idx + 1;
    }
    const other = this.pushStack(target, idx);
    let deadThis = false, deadOther = false;
    if (dst.type === RegType.SCALAR && src.type === RegType.SCALAR) {
      // Both paths now share the registers: each refines its own copies (an immediate: scratch ones).
      const ocur = other.cur;
      const odst = ocur.reg(insn.dst);
      const osrc = xSrc ? ocur.reg(insn.src) : this.immOther.copyFrom(src);
      const tsrc = xSrc ? this.wreg(insn.src) : this.immThis.copyFrom(src);
      dst = this.wreg(insn.dst);
      if (xSrc) src = tsrc;
      refineCondOp(dst, tsrc, REV_OP[o], jmp32);
      refineCondOp(odst, osrc, o, jmp32);
      // Synced and checked in turn (the two may be one register).
      boundsSync(dst); deadThis = boundsInvalid(dst);
      boundsSync(tsrc); deadThis = boundsInvalid(tsrc) || deadThis;
      boundsSync(odst); deadOther = boundsInvalid(odst);
      boundsSync(osrc); deadOther = boundsInvalid(osrc) || deadOther;
      if (xSrc && src.id) { this.syncLinked(this.cur, src); this.syncLinked(other, osrc); }
      if (dst.id) { this.syncLinked(this.cur, dst); this.syncLinked(other, odst); }
    }
    if (!jmp32 && !xSrc && insn.imm === 0 && (o === JMP.JEQ || o === JMP.JNE) && isMaybeNull(dst.type)) {
      this.markPtrOrNull(this.cur, insn.dst, o === JMP.JNE);
      this.markPtrOrNull(other, insn.dst, o === JMP.JEQ);
    } else if (!this.tryMatchPktPointers(insn, dst, xSrc ? src : undefined, this.cur, other) && this.isPointerValue(dst)) {
      this.fail(`R${insn.dst} pointer comparison prohibited`);
    }
    if ((deadThis || deadOther) && operands) this.markChainPrecision(operands);
    if (deadOther) {
      // The jump cannot be taken: drop the pushed branch.
      this.pending.pop();
      if (other.parent) other.parent.branches--;
    }
    this.scratch.regs |= (1 << insn.dst) | (xSrc ? 1 << insn.src : 0);
    this.printInsnState();
    if (deadThis) return EXIT_PATH;
    return idx + 1;
  }

  /** sync_linked_regs: scalars sharing an id get the refined bounds. */
  private syncLinked(st: VState, known: Reg): void {
    const id = known.id;
    this.forEachReg(st, (r) => r !== known && r.type === RegType.SCALAR && r.id === id, (r) => r.copyFrom(known));
  }

  private markPtrOrNull(st: VState, regno: number, isNull: boolean): void {
    const regs = st.frames[st.frames.length - 1].regs;
    const id = regs[regno].id;
    const refObjId = regs[regno].refObjId;
    if (refObjId && refObjId === id && isNull) {
      const i = st.refs.findIndex((r) => r.id === id);
      if (i >= 0) st.refs.splice(i, 1);
    }
    this.forEachReg(st, (r) => isMaybeNull(r.type) && r.id === id, (r) => {
      if (isNull) {
        r.markKnown(0n);
        return;
      }
      r.type = notNullType(r.type);
      r.id = 0;
      // A lookup in a map of maps yields the inner map; in a socket map, the socket (mark_ptr_not_null_reg).
      const inner = r.type === RegType.MAP_VALUE ? this.innerIdx[r.mapIdx] ?? -1 : -1;
      if (inner >= 0) {
        r.type = RegType.MAP_PTR;
        r.mapIdx = inner;
      } else if (r.type === RegType.MAP_VALUE) {
        const mt = this.maps[r.mapIdx].type;
        if (mt === BPF_MAP_TYPE.SOCKMAP || mt === BPF_MAP_TYPE.SOCKHASH) r.type = RegType.SOCKET;
        else if (mt === BPF_MAP_TYPE.XSKMAP) r.type = RegType.XDP_SOCK;
      }
    });
  }

  /** try_match_pkt_pointers: `pkt + N <op> pkt_end` gives the safe branch a range. */
  private tryMatchPktPointers(insn: Instruction, dst: Reg, src: Reg | undefined, thisSt: VState, other: VState): boolean {
    if (!src || opClass(insn.op) === CLASS.JMP32) return false;
    const first = (dst.type === RegType.PKT && src.type === RegType.PKT_END) || (dst.type === RegType.PKT_META && isInitPkt(src, RegType.PKT));
    const second = (dst.type === RegType.PKT_END && src.type === RegType.PKT) || (isInitPkt(dst, RegType.PKT) && src.type === RegType.PKT_META);
    if (!first && !second) return false;
    const d = insn.dst, s = insn.src;
    switch (opCode(insn.op)) {
      case JMP.JGT:
        if (first) { this.findGoodPkt(thisSt, dst, false); markPktEnd(other, d, true); }
        else { this.findGoodPkt(other, src, true); markPktEnd(thisSt, s, false); }
        return true;
      case JMP.JLT:
        if (first) { this.findGoodPkt(other, dst, true); markPktEnd(thisSt, d, false); }
        else { this.findGoodPkt(thisSt, src, false); markPktEnd(other, s, true); }
        return true;
      case JMP.JGE:
        if (first) { this.findGoodPkt(thisSt, dst, true); markPktEnd(other, d, false); }
        else { this.findGoodPkt(other, src, false); markPktEnd(thisSt, s, true); }
        return true;
      case JMP.JLE:
        if (first) { this.findGoodPkt(other, dst, false); markPktEnd(thisSt, d, true); }
        else { this.findGoodPkt(thisSt, src, true); markPktEnd(other, s, false); }
        return true;
      default:
        return false;
    }
  }

  private findGoodPkt(st: VState, ptr: Reg, rightOpen: boolean): void {
    if (ptr.off < 0 || (ptr.off === 0 && rightOpen)) return;
    if (ptr.umax > MAX_PACKET_OFF || ptr.umax + BigInt(ptr.off) > MAX_PACKET_OFF) return;
    const newRange = ptr.off + (rightOpen ? 1 : 0);
    const type = ptr.type, id = ptr.id;
    this.forEachReg(st, (r) => r.type === type && r.id === id && r.range < newRange, (r) => { r.range = newRange; });
  }
}

/**
 * backtrack_insn: the registers before `insn` that the values of `m` after it came from; -1 when
 * the walk cannot continue (a call into or return from a subprogram).
 */
/** Backtracking effect kinds of an instruction (backtrack_insn), computed once per instruction. */
const BT_KEEP = 0, BT_MOV_X = 1, BT_MOV_K = 2, BT_ALU_X = 3, BT_KILL_DST = 4, BT_KILL_R0 = 5, BT_KILL_SRC = 6,
  BT_KILL_ARGS = 7, BT_ABORT = 8, BT_COND = 9, BT_COND_X = 10;
/** Set in every packed code (0: not computed yet). */
const BT_KNOWN = 1 << 12;

/** The packed backtracking code of one instruction: kind | dst << 4 | src << 8 | BT_KNOWN. */
function backtrackCode(insn: Instruction): number {
  const cls = opClass(insn.op);
  let kind: number;
  switch (cls) {
    case CLASS.ALU: case CLASS.ALU64: {
      const x = opSource(insn.op) === SRC.X;
      kind = opCode(insn.op) === ALU.MOV ? (x ? BT_MOV_X : BT_MOV_K) : x ? BT_ALU_X : BT_KEEP;
      break;
    }
    case CLASS.LDX: kind = BT_KILL_DST; break;
    case CLASS.ST: kind = BT_KEEP; break;
    case CLASS.STX:
      kind = opMode(insn.op) === MODE.ATOMIC && insn.imm & ATOMIC.FETCH ? (insn.imm === ATOMIC.CMPXCHG ? BT_KILL_R0 : BT_KILL_SRC) : BT_KEEP;
      break;
    case CLASS.LD: kind = insn.op === OP_LDDW ? BT_KILL_DST : BT_KILL_ARGS; break;
    default: {
      const o = opCode(insn.op);
      if (o === JMP.JA) kind = BT_KEEP;
      else if (o === JMP.EXIT) kind = BT_ABORT;
      else if (o === JMP.CALL) kind = insn.src === 0 ? BT_KILL_ARGS : BT_ABORT;
      else kind = opSource(insn.op) === SRC.X ? BT_COND_X : BT_COND;
    }
  }
  return kind | insn.dst << 4 | insn.src << 8 | BT_KNOWN;
}

/**
 * backtrack_insn: the registers whose values before the instruction of `code` (backtrackCode)
 * determine the registers of `m` after it, or -1 when the path cannot be followed back.
 */
function backtrackInsn(code: number, m: number, linked: number): number {
  const d = 1 << ((code >> 4) & 0xf), s = 1 << ((code >> 8) & 0xf);
  switch (code & 0xf) {
    case BT_KEEP: return m;
    case BT_MOV_X: return m & d ? (m & ~d) | s : m;
    case BT_MOV_K: return m & ~d;
    case BT_ALU_X: return m & d ? m | s : m;
    case BT_KILL_DST: return m & ~d;
    case BT_KILL_R0: return m & ~1;
    case BT_KILL_SRC: return m & ~s;
    case BT_KILL_ARGS: return m & ~0x3f;
    case BT_ABORT: return -1;
    default: {
      // A conditional jump refines its operands and the scalars linked to them (same id): when
      // any of those matters, all of them do.
      const group = d | ((code & 0xf) === BT_COND_X ? s : 0) | linked;
      return m & group ? m | group : m;
    }
  }
}

/** History markers of a fixed-offset stack access: `STACK_MARK - spi` in the current frame, or another frame's. */
const STACK_MARK = -0x1000, STACK_NONLOCAL = -0x2000;
/** History marker of the spilled scalars linked to a jump's operands: `LINKED_SLOTS - k` for `linkedSlots[k]`. */
const LINKED_SLOTS = -0x10000;

/** The slots before the instruction of the last backtrackStack call (bits of slots 0-31, 32-63). */
let btSlotsLo = 0, btSlotsHi = 0;

/**
 * The stack part of backtrack_insn for an instruction that accessed the stack (`mark`): the slots
 * before `insn` that the registers `m` and slots `sm` after it came from (into btSlots), and
 * returns the registers a spill adds; -1 when a needed value was read from another frame's stack.
 */
function backtrackStack(insn: Instruction, m: number, smLo: number, smHi: number, mark: number): number {
  btSlotsLo = smLo;
  btSlotsHi = smHi;
  const cls = opClass(insn.op);
  if (cls !== CLASS.LDX && cls !== CLASS.STX && cls !== CLASS.ST) return 0;
  const atomic = cls === CLASS.STX && opMode(insn.op) === MODE.ATOMIC;
  let loaded = -1;
  if (cls === CLASS.LDX || (atomic && insn.imm === ATOMIC.LOAD_ACQ)) loaded = insn.dst;
  else if (atomic && insn.imm & ATOMIC.FETCH) loaded = insn.imm === ATOMIC.CMPXCHG ? 0 : insn.src;
  const reads = loaded >= 0 && (m & (1 << loaded)) !== 0;
  if (mark === STACK_NONLOCAL) return reads ? -1 : 0;
  // No slot matters and the value read does not: nothing changes.
  if (!reads && !smLo && !smHi) return 0;
  const spi = STACK_MARK - mark, hi = spi >= 32, bit = 1 << (spi & 31);
  let slots = hi ? smHi : smLo, regs = 0;
  if (reads) slots |= bit;
  if (cls !== CLASS.LDX && ((hi ? smHi : smLo) & bit)) {
    // A store into a slot that matters: the stored register matters, and the slot's value before
    // does not (a store either spills the register or leaves bytes a fill reads as unknown).
    if (cls === CLASS.STX) regs = 1 << insn.src;
    if (!atomic) slots &= ~bit;
  }
  if (hi) btSlotsHi = slots;
  else btSlotsLo = slots;
  return regs;
}

/** A scalar that gets an id when copied (assign_scalar_id_before_mov): unknown and without one. */
const needsScalarId = (r: Reg): boolean => r.type === RegType.SCALAR && !r.id && !r.isConst();

/** spilledScalars' result: bits of slots 0-31 and 32-63. */
let spilledLo = 0, spilledHi = 0;

/**
 * The slots of a frame (bit spi, into spilledLo / spilledHi) holding a spilled scalar
 * (is_spilled_scalar_reg), of scalar id `id` when non-zero, among the slots `lo` / `hi` (bits of
 * slots 0-31 and 32-63; default: all).
 */
function spilledScalars(f: FuncState, id = 0, lo = -1, hi = -1): void {
  const n = f.allocated >> 3;
  let outLo = 0, outHi = 0;
  for (let spi = 0; spi < n; spi++) {
    const bit = 1 << (spi & 31);
    if (!((spi < 32 ? lo : hi) & bit)) continue;
    const sp = f.spilled[spi];
    if (f.byteType(spi * BPF_REG_SIZE + 7) !== STACK_SPILL || sp?.type !== RegType.SCALAR || (id && sp.id !== id)) continue;
    if (spi < 32) outLo |= bit;
    else outHi |= bit;
  }
  spilledLo = outLo;
  spilledHi = outHi;
}

const isPktAny = (t: number): boolean => t === RegType.PKT || t === RegType.PKT_META || t === RegType.PKT_END;
const isInitPkt = (r: Reg, type: number): boolean => r.type === type && r.id === 0 && r.off === 0 && r.isZero();

function markPktEnd(st: VState, regno: number, rangeOpen: boolean): void {
  const f = st.frames[st.frames.length - 1];
  if (f.regs[regno].type !== RegType.PKT) return;
  f.reg(regno).range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

/** tnum_strn as the alignment message prints it: a constant as `%#llx` (`0`, `0x10`). */
function tnumConstStr(t: { value: bigint; mask: bigint }): string {
  if (t.mask !== 0n) return tnumStr(t);
  return t.value === 0n ? '0' : `0x${t.value.toString(16)}`;
}

const alignScratch: TnumFields = { vHi: 0, vLo: 0, mHi: 0, mLo: 0 };
/** Whether `varOff + off` is a multiple of `size` (a power of two) for every value. */
function tnumIsAlignedTo(varOff: TnumFields, off: number, size: number): boolean {
  const t = alignScratch;
  t.vHi = off < 0 ? U32 : 0; t.vLo = off | 0; t.mHi = 0; t.mLo = 0;
  tnumAddTo(t, varOff, t);
  return ((t.vLo | t.mLo) & (size - 1)) === 0;
}

/** Helpers that may move or resize packet data (bpf_helper_changes_pkt_data). */
const CHANGES_PKT_DATA: ReadonlySet<number> = new Set([
  BPF_FUNC.skb_store_bytes, BPF_FUNC.skb_change_head, BPF_FUNC.skb_change_tail, BPF_FUNC.skb_pull_data, BPF_FUNC.skb_change_proto,
  BPF_FUNC.skb_vlan_push, BPF_FUNC.skb_vlan_pop, BPF_FUNC.skb_adjust_room, BPF_FUNC.skb_change_type, BPF_FUNC.l3_csum_replace,
  BPF_FUNC.l4_csum_replace, BPF_FUNC.clone_redirect, BPF_FUNC.xdp_adjust_head, BPF_FUNC.xdp_adjust_meta, BPF_FUNC.xdp_adjust_tail,
  BPF_FUNC.msg_pull_data, BPF_FUNC.msg_push_data, BPF_FUNC.msg_pop_data, BPF_FUNC.lwt_push_encap, BPF_FUNC.lwt_seg6_store_bytes,
  BPF_FUNC.lwt_seg6_adjust_srh, BPF_FUNC.lwt_seg6_action, BPF_FUNC.skb_ecn_set_ce,
]);
const changesPktData = (id: number): boolean => CHANGES_PKT_DATA.has(id);

/**
 * A conditional jump's operand as 64-bit bounds and tnum in 32-bit halves (int32-stored): the register's own, or
 * for jmp32 its subregister's (bounds sign- or zero-extended, tnum truncated).
 */
class JmpView implements TnumFields {
  vHi = 0; vLo = 0; mHi = 0; mLo = 0;
  uminHi = 0; uminLo = 0; umaxHi = 0; umaxLo = 0;
  sminHi = 0; sminLo = 0; smaxHi = 0; smaxLo = 0;
}
const viewA = new JmpView(), viewB = new JmpView();

function view(v: JmpView, r: Reg, jmp32: boolean): JmpView {
  if (!jmp32) {
    v.vHi = r.vHi; v.vLo = r.vLo; v.mHi = r.mHi; v.mLo = r.mLo;
    v.uminHi = r.uminHi; v.uminLo = r.uminLo; v.umaxHi = r.umaxHi; v.umaxLo = r.umaxLo;
    v.sminHi = r.sminHi; v.sminLo = r.sminLo; v.smaxHi = r.smaxHi; v.smaxLo = r.smaxLo;
  } else {
    v.vHi = 0; v.vLo = r.vLo; v.mHi = 0; v.mLo = r.mLo;
    v.uminHi = 0; v.uminLo = r.u32min | 0; v.umaxHi = 0; v.umaxLo = r.u32max | 0;
    v.sminHi = r.s32min < 0 ? U32 : 0; v.sminLo = r.s32min;
    v.smaxHi = r.s32max < 0 ? U32 : 0; v.smaxLo = r.s32max;
  }
  return v;
}

const isRegConst = (r: Reg, jmp32: boolean): boolean => (jmp32 ? r.mLo === 0 : r.isConst());
/** The known value of a constant operand is zero. */
const constIsZero = (r: Reg, jmp32: boolean): boolean => (jmp32 ? r.vLo === 0 : (r.vHi | r.vLo) === 0);

/** tnum_overlap: whether some value fits both tnums (their known bits agree). */
const tnumsOverlap = (a: TnumFields, b: TnumFields): boolean =>
  ((a.vHi ^ b.vHi) & ~(a.mHi | b.mHi)) === 0 && ((a.vLo ^ b.vLo) & ~(a.mLo | b.mLo)) === 0;

/** Whether the ranges of a and b cannot meet (for JEQ / JNE). */
const rangesDisjoint = (a: JmpView, b: JmpView): boolean =>
  ult(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) || ult(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ||
  slt(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) || slt(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo);

/** is_branch_taken: 1 = always, 0 = never, -1 = unknown. */
function isBranchTaken(r1: Reg, r2: Reg, op: number, jmp32: boolean): number {
  if (isPktAny(r1.type) && isPktAny(r2.type) && !jmp32) return pktBranchTaken(r1, r2, op);
  if (r1.isPointer() || r2.isPointer()) {
    if (!isRegConst(r2, jmp32)) { op = FLIP_OP[op]; [r1, r2] = [r2, r1]; }
    if (!isRegConst(r2, jmp32) || r2.isPointer()) return -1;
    // reg_not_null (which does not list xdp_sock).
    const notNull = r1.type === RegType.MAP_VALUE || r1.type === RegType.MAP_KEY || r1.type === RegType.RINGBUF_MEM || r1.type === RegType.MEM || r1.type === RegType.MAP_PTR ||
      r1.type === RegType.SOCKET || r1.type === RegType.SOCK_COMMON || r1.type === RegType.TCP_SOCK;
    if (!notNull) return -1;
    if (!constIsZero(r2, jmp32)) return -1;
    return op === JMP.JEQ ? 0 : op === JMP.JNE ? 1 : -1;
  }
  const a = view(viewA, r1, jmp32), b = view(viewB, r2, jmp32);
  switch (op) {
    case JMP.JEQ: case JMP.JNE: {
      // The result when the operands are certainly equal / certainly different.
      const eq = op === JMP.JEQ ? 1 : 0, ne = 1 - eq;
      if ((a.mHi | a.mLo | b.mHi | b.mLo) === 0) return a.vHi === b.vHi && a.vLo === b.vLo ? eq : ne;
      if (!tnumsOverlap(a, b)) return ne;
      if (rangesDisjoint(a, b)) return ne;
      if (!jmp32 && (r1.u32min > r2.u32max || r1.u32max < r2.u32min || r1.s32min > r2.s32max || r1.s32max < r2.s32min)) return ne;
      return -1;
    }
    case JMP.JSET: {
      let t1: JmpView = a, t2: JmpView = b;
      if (!isRegConst(r2, jmp32)) [t1, t2] = [t2, t1];
      if (t2.mHi | t2.mLo) return -1;
      if ((~t1.mHi & t1.vHi & t2.vHi) | (~t1.mLo & t1.vLo & t2.vLo)) return 1;
      if (!(((t1.mHi | t1.vHi) & t2.vHi) | ((t1.mLo | t1.vLo) & t2.vLo))) return 0;
      return -1;
    }
    case JMP.JGT: return ult(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 1 : ule(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 0 : -1;
    case JMP.JSGT: return slt(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 1 : sle(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 0 : -1;
    case JMP.JLT: return ult(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 1 : ule(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 0 : -1;
    case JMP.JSLT: return slt(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 1 : sle(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 0 : -1;
    case JMP.JGE: return ule(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 1 : ult(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 0 : -1;
    case JMP.JSGE: return sle(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 1 : slt(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 0 : -1;
    case JMP.JLE: return ule(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 1 : ult(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 0 : -1;
    case JMP.JSLE: return sle(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 1 : slt(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 0 : -1;
  }
  return -1;
}

function pktBranchTaken(dst: Reg, src: Reg, op: number): number {
  let pkt: Reg;
  if (src.type === RegType.PKT_END) pkt = dst;
  else if (dst.type === RegType.PKT_END) { pkt = src; op = FLIP_OP[op]; }
  else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case JMP.JLE: case JMP.JGT:
      if (pkt.range === BEYOND_PKT_END) return op === JMP.JGT ? 1 : 0;
      break;
    case JMP.JLT: case JMP.JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === JMP.JGE ? 1 : 0;
      break;
  }
  return -1;
}

/** The subregister of `r`'s tnum becomes vLo/mLo (tnum_with_subreg). */
function withSubreg(r: Reg, vLo: number, mLo: number): void {
  r.mHi &= ~r.vHi;
  r.vLo = vLo | 0;
  r.mLo = mLo & ~vLo;
}

/** regs_refine_cond_op: narrow both operands assuming `r1 op r2` holds. */
function refineCondOp(r1: Reg, r2: Reg, op: number, jmp32: boolean): void {
  if (op === JMP.JGE || op === JMP.JGT || op === JMP.JSGE || op === JMP.JSGT) {
    op = FLIP_OP[op];
    [r1, r2] = [r2, r1];
  }
  switch (op) {
    case JMP.JEQ:
      if (jmp32) {
        r1.u32min = Math.max(r1.u32min, r2.u32min); r1.u32max = Math.min(r1.u32max, r2.u32max);
        r1.s32min = Math.max(r1.s32min, r2.s32min); r1.s32max = Math.min(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min; r2.u32max = r1.u32max; r2.s32min = r1.s32min; r2.s32max = r1.s32max;
        // tnum_intersect of the subregisters.
        const mu = r1.mLo & r2.mLo, v = (r1.vLo | r2.vLo) & ~mu;
        withSubreg(r1, v, mu);
        withSubreg(r2, v, mu);
      } else {
        if (ult(r1.uminHi, r1.uminLo, r2.uminHi, r2.uminLo)) { r1.uminHi = r2.uminHi; r1.uminLo = r2.uminLo; }
        if (ult(r2.umaxHi, r2.umaxLo, r1.umaxHi, r1.umaxLo)) { r1.umaxHi = r2.umaxHi; r1.umaxLo = r2.umaxLo; }
        if (slt(r1.sminHi, r1.sminLo, r2.sminHi, r2.sminLo)) { r1.sminHi = r2.sminHi; r1.sminLo = r2.sminLo; }
        if (slt(r2.smaxHi, r2.smaxLo, r1.smaxHi, r1.smaxLo)) { r1.smaxHi = r2.smaxHi; r1.smaxLo = r2.smaxLo; }
        r2.uminHi = r1.uminHi; r2.uminLo = r1.uminLo; r2.umaxHi = r1.umaxHi; r2.umaxLo = r1.umaxLo;
        r2.sminHi = r1.sminHi; r2.sminLo = r1.sminLo; r2.smaxHi = r1.smaxHi; r2.smaxLo = r1.smaxLo;
        tnumIntersectTo(r1, r1, r2);
        r2.vHi = r1.vHi; r2.vLo = r1.vLo; r2.mHi = r1.mHi; r2.mLo = r1.mLo;
      }
      break;
    case JMP.JNE: {
      if (!isRegConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, jmp32)) break;
      // Bounds at the constant's value step over it (the kernel shows they cannot wrap here).
      if (jmp32) {
        const u = r2.vLo >>> 0, s = r2.vLo;
        if (r1.u32min === u) r1.u32min++;
        if (r1.u32max === u) r1.u32max--;
        if (r1.s32min === s) r1.s32min++;
        if (r1.s32max === s) r1.s32max--;
      } else {
        const hi = r2.vHi, lo = r2.vLo;
        if (r1.uminHi === hi && r1.uminLo === lo) { add64w(hi, lo, 0, 1); r1.uminHi = r64.hi; r1.uminLo = r64.lo; }
        if (r1.umaxHi === hi && r1.umaxLo === lo) { sub64w(hi, lo, 0, 1); r1.umaxHi = r64.hi; r1.umaxLo = r64.lo; }
        if (r1.sminHi === hi && r1.sminLo === lo) { add64w(hi, lo, 0, 1); r1.sminHi = r64.hi; r1.sminLo = r64.lo; }
        if (r1.smaxHi === hi && r1.smaxLo === lo) { sub64w(hi, lo, 0, 1); r1.smaxHi = r64.hi; r1.smaxLo = r64.lo; }
      }
      break;
    }
    case JMP.JSET: {
      if (!isRegConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, jmp32)) break;
      // A single-bit constant: that bit is known set (tnum_or with it).
      const hi = jmp32 ? 0 : r2.vHi, lo = r2.vLo;
      if (hi && lo) break;
      if (!hi && !lo) break;
      if ((hi & (hi - 1)) !== 0 || (lo & (lo - 1)) !== 0) break;
      if (jmp32) withSubreg(r1, r1.vLo | lo, r1.mLo);
      else {
        r1.vHi |= hi; r1.vLo |= lo;
        r1.mHi &= ~r1.vHi; r1.mLo &= ~r1.vLo;
      }
      break;
    }
    case JMP.JSET | SRC.X: {
      if (!isRegConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, jmp32)) break;
      // The constant's bits are known clear (tnum_and with its complement).
      const hi = jmp32 ? 0 : r2.vHi, lo = r2.vLo;
      markUnknownBoundsOnly(r1);
      if (jmp32) {
        const v = r1.vLo & ~lo;
        withSubreg(r1, v, (r1.vLo | r1.mLo) & ~lo & ~v);
      } else {
        const vHi = r1.vHi & ~hi, vLo = r1.vLo & ~lo;
        r1.mHi = (r1.vHi | r1.mHi) & ~hi & ~vHi; r1.mLo = (r1.vLo | r1.mLo) & ~lo & ~vLo;
        r1.vHi = vHi; r1.vLo = vLo;
      }
      break;
    }
    case JMP.JLE:
      if (jmp32) { r1.u32max = Math.min(r1.u32max, r2.u32max); r2.u32min = Math.max(r1.u32min, r2.u32min); }
      else {
        if (ult(r2.umaxHi, r2.umaxLo, r1.umaxHi, r1.umaxLo)) { r1.umaxHi = r2.umaxHi; r1.umaxLo = r2.umaxLo; }
        if (ult(r2.uminHi, r2.uminLo, r1.uminHi, r1.uminLo)) { r2.uminHi = r1.uminHi; r2.uminLo = r1.uminLo; }
      }
      break;
    case JMP.JLT:
      if (jmp32) { r1.u32max = Math.min(r1.u32max, (r2.u32max - 1) >>> 0); r2.u32min = Math.max((r1.u32min + 1) >>> 0, r2.u32min); }
      else {
        sub64w(r2.umaxHi, r2.umaxLo, 0, 1);
        if (ult(r64.hi, r64.lo, r1.umaxHi, r1.umaxLo)) { r1.umaxHi = r64.hi; r1.umaxLo = r64.lo; }
        add64w(r1.uminHi, r1.uminLo, 0, 1);
        if (ult(r2.uminHi, r2.uminLo, r64.hi, r64.lo)) { r2.uminHi = r64.hi; r2.uminLo = r64.lo; }
      }
      break;
    case JMP.JSLE:
      if (jmp32) { r1.s32max = Math.min(r1.s32max, r2.s32max); r2.s32min = Math.max(r1.s32min, r2.s32min); }
      else {
        if (slt(r2.smaxHi, r2.smaxLo, r1.smaxHi, r1.smaxLo)) { r1.smaxHi = r2.smaxHi; r1.smaxLo = r2.smaxLo; }
        if (slt(r2.sminHi, r2.sminLo, r1.sminHi, r1.sminLo)) { r2.sminHi = r1.sminHi; r2.sminLo = r1.sminLo; }
      }
      break;
    case JMP.JSLT:
      if (jmp32) { r1.s32max = Math.min(r1.s32max, (r2.s32max - 1) | 0); r2.s32min = Math.max((r1.s32min + 1) | 0, r2.s32min); }
      else {
        sub64w(r2.smaxHi, r2.smaxLo, 0, 1);
        if (slt(r64.hi, r64.lo, r1.smaxHi, r1.smaxLo)) { r1.smaxHi = r64.hi; r1.smaxLo = r64.lo; }
        add64w(r1.sminHi, r1.sminLo, 0, 1);
        if (slt(r2.sminHi, r2.sminLo, r64.hi, r64.lo)) { r2.sminHi = r64.hi; r2.sminLo = r64.lo; }
      }
      break;
  }
}

function markUnknownBoundsOnly(r: Reg): void {
  const vHi = r.vHi, vLo = r.vLo, mHi = r.mHi, mLo = r.mLo;
  markUnknown(r);
  r.vHi = vHi; r.vLo = vLo; r.mHi = mHi; r.mLo = mLo;
}


/** Number of set bits of a register mask or a slot mask. */
function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}
