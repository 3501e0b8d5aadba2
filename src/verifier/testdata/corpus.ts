/**
 * The verifier corpus: small programs covering each error class of the kernel verifier (each
 * confirmed rejected by Linux 6.18 with the recorded first error line, see verifier.test.ts) and
 * valid programs exercising the same machinery.
 */
import type { Instruction } from '../../isa/index.js';
import type { VerifierInput, VerifierMap } from '../types.js';
import { BPF_PROG_TYPE as P, BPF_MAP_TYPE as M, BPF_FUNC as F } from '../../uapi/index.js';
import { mov, mov32, movr, alu, alur, alu32, ldx, stx, st, jmp, jmpr, ja, call, callLocal, exit, raw, ldMap, ldFunc, ld64 } from './asm.js';

export interface CorpusCase {
  name: string;
  input: VerifierInput;
  /** The kernel's error line for invalid programs; null for valid programs. */
  expect: string | null;
}

const arr: VerifierMap = { name: 'arr', type: M.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 };
const hash: VerifierMap = { name: 'h', type: M.HASH, keySize: 4, valueSize: 16, maxEntries: 16, flags: 0 };
const pea: VerifierMap = { name: 'events', type: M.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
const rb: VerifierMap = { name: 'rb', type: M.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };
const sockmap: VerifierMap = { name: 'sm', type: M.SOCKMAP, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
const xskmap: VerifierMap = { name: 'xsks', type: M.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };

const prog = (progType: number, insns: (Instruction | Instruction[])[], maps: VerifierMap[] = []): VerifierInput =>
  ({ progType, insns: insns.flat(), maps });
const xdp = (insns: (Instruction | Instruction[])[], maps: VerifierMap[] = []): VerifierInput => prog(P.XDP, insns, maps);

/** r0 = lookup(map 0, &key at fp-4); key = 0. */
const lookup: Instruction[] = [st('w', 10, -4, 0), movr(2, 10), alu('add', 2, -4), ldMap(1, 0), call(F.map_lookup_elem)].flat();
/** r2 = data_end, r1 = data (xdp). */
const pkt: Instruction[] = [ldx('w', 2, 1, 4), ldx('w', 1, 1, 0)];
/**
 * sched_cls: r6 = ctx, a zeroed 40-byte tuple at fp-40, then `helper(ctx, tuple, 12, -1, 0)`
 * (bpf_sk_lookup_tcp and friends); the call is insn 13.
 */
const skLookup = (helper: number = F.sk_lookup_tcp): Instruction[] => [
  movr(6, 1), mov(1, 0), ...[-8, -16, -24, -32, -40].map((o) => stx('dw', 10, o, 1)),
  movr(2, 10), alu('add', 2, -40), movr(1, 6), mov(3, 12), mov(4, -1), mov(5, 0), call(helper),
];
const tc = (insns: (Instruction | Instruction[])[], maps: VerifierMap[] = []): VerifierInput => prog(P.SCHED_CLS, insns, maps);
/** A frozen read-only global-data map (`.rodata`) holding one byte. */
const rodata = (b: number): VerifierMap =>
  ({ name: '.rodata', type: M.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 1 << 7, frozenValue: Uint8Array.of(b) });
/** r1 = &.rodata (map 0) + 0: BPF_PSEUDO_MAP_IDX_VALUE. */
const ldRodata = (dst: number): Instruction[] => [raw(0x18, dst, 6, 0, 0), raw(0)];
/** if (*(u8 *).rodata == 0) read an unchecked packet byte. */
const rodataGuard = (b: number): VerifierInput =>
  xdp([movr(6, 1), ldRodata(1), ldx('b', 2, 1, 0), mov(0, 2), jmp('ne', 2, 0, 2), ldx('w', 1, 6, 0), ldx('b', 0, 1, 0), exit()], [rodata(b)]);

/** Nested calls: each subprogram calls the next; `depth` frames in all. */
function callChain(depth: number): Instruction[] {
  const out: Instruction[] = [];
  for (let i = 0; i < depth - 1; i++) out.push(callLocal(1), exit());
  out.push(mov(0, 0), exit());
  return out;
}
/** 8200 unpredictable branches in a row. */
function manyBranches(n: number): Instruction[] {
  const out: Instruction[] = [call(F.get_prandom_u32)];
  for (let i = 0; i < n; i++) out.push(jmp('eq', 0, i, 0));
  out.push(mov(0, 0), exit());
  return out;
}

export const CORPUS: CorpusCase[] = [
  // ---- structure (check_subprogs / resolve_pseudo_ldimm64 / check_cfg)
  { name: 'unreachable insn', input: xdp([mov(0, 0), exit(), mov(0, 1), exit()]), expect: 'unreachable insn 2' },
  { name: 'jump out of range', input: xdp([mov(0, 0), ja(5), exit()]), expect: 'jump out of range from insn 1 to 7' },
  { name: 'fall off the end', input: xdp([mov(0, 0)]), expect: 'last insn is not an exit or jmp' },
  { name: 'unknown opcode', input: xdp([mov(0, 0), raw(0x8d), exit()]), expect: 'unknown opcode 8d' },
  { name: 'lddw missing second half', input: xdp([raw(0x18, 0, 0, 0, 1), mov(0, 0), exit()]), expect: 'invalid bpf_ld_imm64 insn' },
  { name: 'jump into lddw', input: xdp([mov(0, 0), jmp('eq', 0, 0, 1), ld64(1, 7), exit()]), expect: 'jump into the middle of ldimm64 insn 2' },
  { name: 'bad lddw pseudo', input: xdp([raw(0x18, 1, 9, 0, 0), raw(0), mov(0, 0), exit()]), expect: 'unrecognized bpf_ld_imm64 insn' },
  { name: 'call to invalid destination', input: xdp([callLocal(10), mov(0, 0), exit()]), expect: 'call to invalid destination' },
  { name: 'jump across subprograms', input: xdp([callLocal(2), ja(2), exit(), mov(0, 0), exit()]), expect: 'jump out of range from insn 1 to 4' },
  { name: 'LDX reserved fields', input: xdp([raw(0x61, 0, 1, 0, 1), exit()]), expect: 'BPF_LDX uses reserved fields' },
  // ---- registers and ALU
  { name: 'R11 is invalid', input: xdp([mov(11, 0), mov(0, 0), exit()]), expect: 'R11 is invalid' },
  { name: 'frame pointer is read only', input: xdp([mov(10, 0), mov(0, 0), exit()]), expect: 'frame pointer is read only' },
  { name: 'R0 !read_ok at exit', input: xdp([exit()]), expect: 'R0 !read_ok' },
  { name: 'uninitialised source register', input: xdp([movr(0, 2), exit()]), expect: 'R2 !read_ok' },
  { name: 'div by zero', input: xdp([mov(0, 1), alu('div', 0, 0), exit()]), expect: 'div by zero' },
  { name: 'invalid shift', input: xdp([mov(0, 1), alu('lsh', 0, 64), exit()]), expect: 'invalid shift 64' },
  { name: 'ALU reserved fields', input: xdp([mov(0, 1), raw(0x07, 0, 0, 2, 1), exit()]), expect: 'BPF_ALU uses reserved fields' },
  { name: 'MOV reserved fields', input: xdp([raw(0xb7, 0, 1, 0, 1), exit()]), expect: 'BPF_MOV uses reserved fields' },
  // ---- pointer arithmetic
  { name: 'arithmetic on map_ptr', input: xdp([ldMap(1, 0), alu('add', 1, 8), mov(0, 0), exit()], [arr]), expect: 'R1 pointer arithmetic on map_ptr prohibited' },
  { name: 'arithmetic on pkt_end', input: xdp([...pkt, alu('add', 2, 1), mov(0, 0), exit()]), expect: 'R2 pointer arithmetic on pkt_end prohibited' },
  { name: 'bitwise op on pointer', input: xdp([movr(1, 10), alu('and', 1, 8), mov(0, 0), exit()]), expect: 'R1 bitwise operator &= on pointer prohibited' },
  { name: 'multiply a pointer', input: xdp([movr(1, 10), alu('mul', 1, 2), mov(0, 0), exit()]), expect: 'R1 pointer arithmetic with *= operator prohibited' },
  { name: 'scalar minus pointer', input: xdp([mov(0, 1), alur('sub', 0, 10), exit()]), expect: 'R0 tried to subtract pointer from scalar' },
  { name: '32-bit pointer arithmetic', input: xdp([alu32('add', 1, 1), mov(0, 0), exit()]), expect: 'R1 32-bit pointer arithmetic prohibited' },
  { name: 'arithmetic before null check', input: xdp([...lookup, alu('add', 0, 1), mov(0, 0), exit()], [hash]), expect: 'R0 pointer arithmetic on map_value_or_null prohibited, null-check it first' },
  { name: 'pointer plus unbounded scalar', input: xdp([call(F.ktime_get_ns), movr(2, 10), alur('add', 2, 0), mov(0, 0), exit()]), expect: 'math between fp pointer and register with unbounded min value is not allowed' },
  // ---- memory: stack
  { name: 'stack write out of bounds', input: xdp([st('dw', 10, -520, 0), mov(0, 0), exit()]), expect: 'invalid write to stack R10 off=-520 size=8' },
  { name: 'stack write above fp', input: xdp([st('dw', 10, 0, 0), mov(0, 0), exit()]), expect: 'invalid write to stack R10 off=0 size=8' },
  { name: 'misaligned stack access', input: xdp([stx('dw', 10, -4, 1), mov(0, 0), exit()]), expect: 'misaligned stack access off 0+0+-4 size 8' },
  {
    name: 'variable-offset stack write beyond fp',
    input: xdp([call(F.get_prandom_u32), alu('and', 0, 0xff), movr(2, 10), alur('add', 2, 0), st('b', 2, -8, 0), mov(0, 0), exit()]),
    expect: 'invalid variable-offset write to stack R2 var_off=(0x0; 0xff) off=-8 size=1',
  },
  { name: 'invalid size of register spill', input: xdp([stx('w', 10, -8, 1), mov(0, 0), exit()]), expect: 'invalid size of register spill' },
  { name: 'invalid size of register fill', input: xdp([stx('dw', 10, -8, 1), ldx('w', 0, 10, -8), mov(0, 0), exit()]), expect: 'invalid size of register fill' },
  // ---- memory: maps
  { name: 'map_value_or_null dereference', input: xdp([...lookup, ldx('dw', 0, 0, 0), exit()], [hash]), expect: "R0 invalid mem access 'map_value_or_null'" },
  { name: 'map value out of bounds', input: xdp([...lookup, jmp('eq', 0, 0, 1), ldx('dw', 0, 0, 8), mov(0, 0), exit()], [arr]), expect: 'invalid access to map value, value_size=8 off=8 size=8' },
  // `scalar += ptr` (the destination is the scalar operand): the pointer keeps the scalar's range.
  { name: 'map value out of bounds after scalar += ptr', input: xdp([...lookup, jmp('eq', 0, 0, 6), movr(6, 0), call(F.get_prandom_u32), alu('and', 0, 1000), alur('add', 0, 6), ldx('dw', 0, 0, 0), exit(), mov(0, 0), exit()], [arr]), expect: 'invalid access to map value, value_size=8 off=1000 size=8' },
  {
    name: 'map value unbounded index',
    input: xdp([...lookup, jmp('eq', 0, 0, 5), movr(6, 0), call(F.get_prandom_u32), raw(0xbc, 0, 0), alur('add', 6, 0), ldx('b', 0, 6, 0), mov(0, 0), exit()], [arr]),
    expect: 'R6 unbounded memory access, make sure to bounds check any such access',
  },
  {
    name: 'map value negative index',
    input: xdp([...lookup, jmp('eq', 0, 0, 6), movr(6, 0), call(F.get_prandom_u32), alu('and', 0, 0xf), alu('sub', 0, 8), alur('add', 6, 0), ldx('b', 0, 6, 0), mov(0, 0), exit()], [arr]),
    expect: 'R6 min value is negative, either use unsigned index or do a if (index >=0) check.',
  },
  { name: 'scalar dereference', input: xdp([mov(0, 0), ldx('dw', 0, 0, 0), exit()]), expect: "R0 invalid mem access 'scalar'" },
  // ---- memory: packet and context
  { name: 'packet read past the checked range', input: xdp([...pkt, movr(3, 1), alu('add', 3, 14), jmpr('gt', 3, 2, 2), ldx('b', 0, 1, 20), exit(), mov(0, 2), exit()]), expect: 'invalid access to packet, off=20 size=1, R1(id=0,off=20,r=14)' },
  { name: 'packet read without check', input: xdp([...pkt, ldx('b', 0, 1, 0), exit()]), expect: 'invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)' },
  { name: 'cannot write into packet', input: prog(P.CGROUP_SKB, [ldx('w', 2, 1, 80), ldx('w', 1, 1, 76), movr(3, 1), alu('add', 3, 1), jmpr('gt', 3, 2, 1), st('b', 1, 0, 0), mov(0, 1), exit()]), expect: 'cannot write into packet' },
  { name: 'ctx read out of range', input: xdp([ldx('w', 0, 1, 24), exit()]), expect: 'invalid bpf_context access off=24 size=4' },
  { name: 'ctx narrow read not allowed', input: xdp([ldx('b', 0, 1, 12), exit()]), expect: 'invalid bpf_context access off=12 size=1' },
  { name: 'ctx write', input: xdp([stx('w', 1, 12, 1), mov(0, 0), exit()]), expect: 'invalid bpf_context access off=12 size=4' },
  { name: 'modified ctx pointer', input: xdp([alu('add', 1, 4), ldx('w', 0, 1, 0), exit()]), expect: 'dereference of modified ctx ptr R1 off=4 disallowed' },
  { name: 'ld_abs in xdp', input: xdp([movr(6, 1), raw(0x30, 0, 0, 0, 0), exit()]), expect: 'BPF_LD_[ABS|IND] instructions not allowed for this program type' },
  // ---- helpers
  { name: 'helper not allowed for program type', input: prog(P.SOCKET_FILTER, [mov(1, 0), mov(2, 0), call(F.redirect), exit()]), expect: 'program of this type cannot use helper bpf_redirect#23' },
  { name: 'unknown helper', input: xdp([call(9999), exit()]), expect: 'invalid func unknown#9999' },
  { name: 'key is not a pointer', input: xdp([ldMap(1, 0), mov(2, 0), call(F.map_lookup_elem), mov(0, 0), exit()], [arr]), expect: 'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_' },
  { name: 'pointer plus unbounded helper result', input: xdp([...lookup, jmp('eq', 0, 0, 4), movr(6, 0), call(F.get_prandom_u32), alur('add', 6, 0), ldx('b', 0, 6, 0), mov(0, 0), exit()], [arr]), expect: 'math between map_value pointer and register with unbounded min value is not allowed' },
  { name: 'negative size', input: xdp([call(F.get_prandom_u32), alu('or', 0, 1), movr(2, 0), movr(1, 10), alu('add', 1, -8), call(F.trace_printk), mov(0, 0), exit()]), expect: "R2 min value is negative, either use unsigned or 'var &= const'" },
  { name: 'ctx argument expected', input: prog(P.SCHED_CLS, [movr(1, 10), mov(2, 0), movr(3, 10), alu('add', 3, -8), mov(4, 8), call(F.skb_load_bytes), mov(0, 0), exit()]), expect: 'R1 type=fp expected=ctx' },
  { name: 'zero-sized read', input: xdp([movr(1, 10), alu('add', 1, -8), mov(2, 0), call(F.trace_printk), mov(0, 0), exit()]), expect: 'R2 invalid zero-sized read: u64=[0,0]' },
  { name: 'unbounded size', input: xdp([call(F.get_prandom_u32), raw(0xbc, 2, 0), alu('or', 2, 1), movr(1, 10), alu('add', 1, -8), call(F.trace_printk), mov(0, 0), exit()]), expect: "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'" },
  { name: 'helper reads past the stack', input: xdp([movr(1, 10), alu('add', 1, -8), mov(2, 16), call(F.trace_printk), mov(0, 0), exit()]), expect: 'invalid read from stack R1 off=-8 size=16' },
  { name: 'zero-sized map key', input: xdp([...lookup, mov(0, 0), exit()], [rb]), expect: 'invalid zero-sized read' },
  { name: 'map type not allowed for helper', input: xdp([...lookup, mov(0, 0), exit()], [pea]), expect: 'cannot pass map_type 4 into func bpf_map_lookup_elem#1' },
  { name: 'release of an unreferenced pointer', input: xdp([movr(1, 10), alu('add', 1, -8), mov(2, 0), call(F.ringbuf_submit), mov(0, 0), exit()]), expect: 'R1 type=fp expected=ringbuf_mem' },
  {
    name: 'unreleased ringbuf reservation',
    input: xdp([ldMap(1, 0), mov(2, 8), mov(3, 0), call(F.ringbuf_reserve), mov(0, 0), exit()], [rb]),
    expect: 'Unreleased reference id=2 alloc_insn=4',
  },
  // ---- sockets
  { name: 'unreleased socket', input: tc([skLookup(), mov(0, 0), exit()]), expect: 'Unreleased reference id=2 alloc_insn=13' },
  { name: 'socket read before the null check', input: tc([skLookup(), ldx('w', 1, 0, 4), mov(0, 0), exit()]), expect: "R0 invalid mem access 'sock_or_null'" },
  { name: 'write into a socket', input: tc([skLookup(), jmp('eq', 0, 0, 3), stx('w', 0, 0, 6), movr(1, 0), call(F.sk_release), mov(0, 0), exit()]), expect: 'R0 cannot write into sock' },
  { name: 'socket read out of range', input: tc([skLookup(F.skc_lookup_tcp), jmp('eq', 0, 0, 3), ldx('w', 2, 0, 8), movr(1, 0), call(F.sk_release), mov(0, 0), exit()]), expect: 'R0 invalid sock_common access off=8 size=4' },
  { name: 'pointer arithmetic on a socket', input: tc([skLookup(), jmp('eq', 0, 0, 3), alu('add', 0, 4), movr(1, 0), call(F.sk_release), mov(0, 0), exit()]), expect: 'R0 pointer arithmetic on sock prohibited' },
  { name: 'release of a non-socket', input: tc([mov(1, 0), call(F.sk_release), mov(0, 0), exit()]), expect: 'R1 type=scalar expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_' },
  {
    name: 'release of an unreferenced listener socket',
    input: tc([skLookup(), jmp('eq', 0, 0, 8), movr(7, 0), movr(1, 0), call(F.get_listener_sock), jmp('eq', 0, 0, 2), movr(1, 0), call(F.sk_release), movr(1, 7), call(F.sk_release), mov(0, 0), exit()]),
    expect: 'R1 must be referenced when passed to release function',
  },
  { name: 'unreleased sockmap socket', input: tc([...lookup, mov(0, 0), exit()], [sockmap]), expect: 'Unreleased reference id=2 alloc_insn=5' },
  { name: 'write into a sockmap socket', input: tc([...lookup, jmp('eq', 0, 0, 3), st('w', 0, 0, 1), movr(1, 0), call(F.sk_release), mov(0, 0), exit()], [sockmap]), expect: 'R0 cannot write into sock' },
  { name: 'write into an xdp socket', input: xdp([...lookup, jmp('eq', 0, 0, 1), st('w', 0, 0, 1), mov(0, 0), exit()], [xskmap]), expect: 'R0 cannot write into xdp_sock' },
  { name: 'an xdp socket may still compare equal to zero', input: xdp([...lookup, jmp('eq', 0, 0, 4), jmp('eq', 0, 0, 2), mov(0, 0), exit(), movr(0, 3), mov(0, 0), exit()], [xskmap]), expect: 'R3 !read_ok' },
  { name: 'socket used after release', input: tc([skLookup(), jmp('eq', 0, 0, 4), movr(7, 0), movr(1, 0), call(F.sk_release), ldx('w', 0, 7, 4), mov(0, 0), exit()]), expect: "R7 invalid mem access 'scalar'" },
  // ---- read-only global data: a frozen `.rodata` value decides the branch
  { name: 'frozen rodata leads to the bad read', input: rodataGuard(0), expect: 'invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)' },
  { name: 'lwt_out cannot write into packet', input: prog(P.LWT_OUT, [ldx('w', 2, 1, 80), ldx('w', 1, 1, 76), movr(3, 1), alu('add', 3, 1), jmpr('gt', 3, 2, 1), st('b', 1, 0, 0), mov(0, 0), exit()]), expect: 'cannot write into packet' },
  // ---- calls, limits, loops, return values
  { name: 'call stack too deep', input: xdp(callChain(9)), expect: 'the call stack of 9 frames is too deep' },
  { name: 'combined stack too large', input: xdp([st('dw', 10, -296, 0), callLocal(1), exit(), st('dw', 10, -296, 0), mov(0, 0), exit()]), expect: 'combined stack size of 2 calls is 608. Too large' },
  { name: 'infinite loop', input: xdp([mov(0, 0), ja(-1)]), expect: 'infinite loop detected at insn 1' },
  { name: 'program too large', input: xdp([mov(0, 0), alu('add', 0, 1), jmp('lt', 0, 0x7fffffff, -2), exit()]), expect: 'BPF program is too large. Processed 1000001 insn' },
  { name: 'jump sequence too complex', input: xdp(manyBranches(8200)), expect: 'The sequence of 8193 jumps is too complex.' },
  { name: 'callback without BTF', input: xdp([mov(1, 4), ldFunc(2, 6), mov(3, 0), mov(4, 0), call(F.loop), mov(0, 2), exit(), mov(0, 0), exit()]), expect: 'missing btf func_info' },
  { name: 'cgroup_skb return value', input: prog(P.CGROUP_SKB, [mov(0, 7), exit()]), expect: 'At program exit the register R0 has smin=7 smax=7 should have been in [0, 1]' },
  { name: 'cgroup_skb returns a pointer', input: prog(P.CGROUP_SKB, [movr(0, 1), exit()]), expect: 'At program exit the register R0 is not a known value (ctx)' },
  {
    // bpf_fib_lookup writes its parameters back: the zeroes stored before the call are gone.
    name: 'stack read after bpf_fib_lookup overwrote it',
    input: xdp([...Array.from({ length: 8 }, (_, i) => st('dw', 10, -64 + 8 * i, 0)), movr(2, 10), alu('add', 2, -64), mov(3, 64), mov(4, 0),
      call(F.fib_lookup), ldx('dw', 1, 10, -16), jmp('eq', 1, 0, 1), ldx('b', 0, 5, 0), mov(0, 2), exit()]),
    expect: 'R5 !read_ok',
  },
];

/** bpf_loop with a callback; the kernel needs BTF func_info for it, so it is checked by tsbpf only. */
export const LOOP_CALLBACK: VerifierInput = {
  ...xdp([mov(1, 4), ldFunc(2, 6), mov(3, 0), mov(4, 0), call(F.loop), mov(0, 2), exit(), mov(0, 0), exit()]),
  funcInfo: [{ insnOff: 0 }, { insnOff: 8 }],
};

/** Valid programs: accepted by the kernel and by tsbpf. */
export const VALID: CorpusCase[] = [
  { name: 'return constant', input: xdp([mov(0, 2), exit()]), expect: null },
  { name: 'checked packet read', input: xdp([...pkt, movr(3, 1), alu('add', 3, 14), jmpr('gt', 3, 2, 2), ldx('b', 0, 1, 12), exit(), mov(0, 2), exit()]), expect: null },
  { name: 'map lookup with null check', input: xdp([...lookup, jmp('eq', 0, 0, 3), ldx('dw', 1, 0, 0), alu('add', 1, 1), stx('dw', 0, 0, 1), mov(0, 2), exit()], [arr]), expect: null },
  {
    name: 'bounded map index',
    input: xdp([...lookup, jmp('eq', 0, 0, 6), movr(6, 0), call(F.get_prandom_u32), alu('and', 0, 7), alur('add', 6, 0), ldx('b', 0, 6, 0), exit(), mov(0, 0), exit()], [arr]),
    expect: null,
  },
  { name: 'hash update from stack', input: xdp([st('w', 10, -4, 1), st('dw', 10, -24, 0), st('dw', 10, -16, 0), ldMap(1, 0), movr(2, 10), alu('add', 2, -4), movr(3, 10), alu('add', 3, -24), mov(4, 0), call(F.map_update_elem), mov(0, 2), exit()], [hash]), expect: null },
  { name: 'bounded loop', input: xdp([mov(0, 0), mov(1, 0), alu('add', 0, 3), alu('add', 1, 1), jmp('lt', 1, 50, -3), alu('and', 0, 1), exit()]), expect: null },
  { name: 'spill and fill a pointer', input: xdp([stx('dw', 10, -8, 1), ldx('dw', 1, 10, -8), ldx('w', 0, 1, 12), exit()]), expect: null },
  { name: 'ringbuf reserve and submit', input: xdp([ldMap(1, 0), mov(2, 8), mov(3, 0), call(F.ringbuf_reserve), jmp('eq', 0, 0, 4), st('dw', 0, 0, 1), movr(1, 0), mov(2, 0), call(F.ringbuf_submit), mov(0, 0), exit()], [rb]), expect: null },
  { name: 'bpf-to-bpf call', input: xdp([mov(1, 3), callLocal(1), exit(), movr(0, 1), alu('add', 0, 1), exit()]), expect: null },
  { name: 'cgroup_skb allow', input: prog(P.CGROUP_SKB, [ldx('w', 0, 1, 0), alu('and', 0, 1), exit()]), expect: null },
  { name: 'socket filter ld_abs', input: prog(P.SOCKET_FILTER, [movr(6, 1), raw(0x30, 0, 0, 0, 12), exit()]), expect: null },
  { name: 'BPF_ST into ctx', input: prog(P.SCHED_CLS, [st('w', 1, 8, 0), mov(0, 0), exit()]), expect: null },
  { name: 'array lookup with constant key is never null', input: xdp([...lookup, ldx('dw', 0, 0, 0), exit()], [arr]), expect: null },
  { name: 'tc writes mark', input: prog(P.SCHED_CLS, [mov(2, 1), stx('w', 1, 8, 2), mov(0, 0), exit()]), expect: null },
  {
    name: 'socket lookup, tcp_sock view, release',
    input: tc([skLookup(), jmp('eq', 0, 0, 9), ldx('w', 2, 0, 4), movr(7, 0), movr(1, 0), call(F.tcp_sock), jmp('eq', 0, 0, 1), ldx('w', 2, 0, 0), movr(1, 7), call(F.sk_release), mov(0, 0), exit()]),
    expect: null,
  },
  { name: 'xskmap socket queue_id read', input: xdp([...lookup, jmp('eq', 0, 0, 1), ldx('w', 1, 0, 0), mov(0, 0), exit()], [xskmap]), expect: null },
  { name: 'sockmap socket read and release', input: tc([...lookup, jmp('eq', 0, 0, 3), ldx('w', 2, 0, 4), movr(1, 0), call(F.sk_release), mov(0, 0), exit()], [sockmap]), expect: null },
  { name: 'frozen rodata makes the bad read dead', input: rodataGuard(1), expect: null },
  { name: 'lwt_out reads the packet', input: prog(P.LWT_OUT, [ldx('w', 2, 1, 80), ldx('w', 1, 1, 76), movr(3, 1), alu('add', 3, 1), jmpr('gt', 3, 2, 2), ldx('b', 0, 1, 0), exit(), mov(0, 0), exit()]), expect: null },
  { name: 'jmp32 bounds', input: xdp([call(F.get_prandom_u32), raw(0xa6, 0, 0, 2, 8), mov(0, 0), exit(), mov32(0, 1), exit()]), expect: null },
];
