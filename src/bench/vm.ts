/**
 * Interpreter speed: ns/run and ns/instruction on small programs of the shapes that matter — an
 * ALU/branch loop, a packet header parser (bounds checks, loads, byte swaps), and a call-heavy
 * program (BPF-to-BPF calls and helper calls). The kernel's figures (bpftool prog run … repeat)
 * are added beside these once the kernel backend is available.
 */
import type { BenchReporter } from './report.js';
import { median } from './report.js';
import { assemble } from '../isa/asm.js';
import { Vm, RegionKind, type VmProgram } from '../vm/index.js';

/** An Ethernet + IPv4 + TCP packet to port 80. */
function tcpPacket(): Uint8Array {
  const p = new Uint8Array(74);
  p.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0); // MACs, ethertype IPv4
  p.set([0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14); // IPv4, proto TCP
  p.set([0x30, 0x39, 0, 80], 34); // sport 12345, dport 80
  return p;
}

/** r1 = packet, r2 = length: drops short/odd packets (1), passes non-TCP (2), returns port << 32 | flow hash for TCP. */
const parser = `
  mov %r4, %r1
  add %r4, %r2              # r4 = data_end
  mov %r5, %r1
  add %r5, 14
  jgt %r5, %r4, drop
  ldxh %r6, [%r1+12]
  jne %r6, 0x0008, pass     # ethertype != IPv4 (big-endian 0x0800)
  mov %r5, %r1
  add %r5, 34
  jgt %r5, %r4, drop
  ldxb %r7, [%r1+14]
  and %r7, 0x0f
  lsh %r7, 2                # IHL in bytes
  jlt %r7, 20, drop
  ldxb %r8, [%r1+23]
  jne %r8, 6, pass          # not TCP
  mov %r5, %r1
  add %r5, 14
  add %r5, %r7              # r5 = TCP header
  mov %r9, %r5
  add %r9, 20
  jgt %r9, %r4, drop
  ldxh %r0, [%r5+2]
  be16 %r0                  # destination port
  ldxw %r3, [%r1+26]
  ldxw %r6, [%r1+30]
  xor %r3, %r6
  mul %r3, 0x9e3779b1
  rsh %r3, 16
  lsh %r0, 32
  or %r0, %r3
  exit
drop:
  mov %r0, 1
  exit
pass:
  mov %r0, 2
  exit
`;

/** Sums 0..999 with a counted loop (3 instructions per iteration). */
const loop = `
  mov %r0, 0
  mov %r1, 0
again:
  add %r0, %r1
  add %r1, 1
  jlt %r1, 1000, again
  exit
`;

/** 100 iterations of a BPF-to-BPF call to a function that calls helper #5 and does some ALU. */
const calls = `
  mov %r6, 0
  mov %r7, 0
again:
  mov %r1, %r6
  call local f
  add %r7, %r0
  add %r6, 1
  jlt %r6, 100, again
  mov %r0, %r7
  exit
f:
  call 5
  mul %r0, 3
  add %r0, 1
  exit
`;

interface Case { name: string; asm: string }

/** CPU time (user + system) since `since`, in ns: steadier than wall time on a shared machine. */
function cpuNs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) * 1000;
}

/** CPU ns per run of `vm.exec(p)`, median of several timed batches. */
function measure(vm: Vm, p: VmProgram, setup: () => void): { nsPerRun: number; insns: number } {
  setup();
  vm.exec(p);
  const insns = vm.executed;
  // Warm up, then size batches to ~50 ms.
  let n = 1;
  for (;;) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) { setup(); vm.exec(p); }
    if (cpuNs(t0) > 50e6) break;
    n *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 7; s++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) { setup(); vm.exec(p); }
    samples.push(cpuNs(t0) / n);
  }
  return { nsPerRun: median(samples), insns };
}

export async function run(r: BenchReporter): Promise<void> {
  const vm = new Vm();
  const pkt = tcpPacket();
  const region = vm.mem.addRegion(pkt, true, { kind: RegionKind.Packet, name: 'packet' });
  const ptr = vm.mem.pointer(region, 0);
  const helpers = new Map([[5, (v: { rl: Int32Array }) => v.rl[1]]]);
  const cases: Case[] = [
    { name: 'header parser', asm: parser },
    { name: 'loop 1000', asm: loop },
    { name: 'calls 100', asm: calls },
  ];
  const perInsn: number[] = [];
  for (const c of cases) {
    const p = vm.load(assemble(c.asm, { syntax: 'conformance' }), { name: c.name, helpers });
    const { nsPerRun, insns } = measure(vm, p, () => { vm.setReg(1, ptr); vm.setReg(2, pkt.length); });
    r.row({ name: `interp ${c.name} ns/run (${insns} insns)`, value: nsPerRun, unit: 'ns' });
    r.row({ name: `interp ${c.name} ns/insn`, value: nsPerRun / insns, unit: 'ns' });
    perInsn.push(nsPerRun / insns);
  }
  r.note(`median ns/insn over ${cases.length} programs: ${median(perInsn).toFixed(2)} (kernel JIT comparison pending the kernel backend)`);
}
