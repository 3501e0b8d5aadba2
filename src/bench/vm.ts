/**
 * Interpreter speed: ns/run and ns/instruction on small programs of the shapes that matter — an
 * ALU/branch loop, a packet header parser (bounds checks, loads, byte swaps), and a call-heavy
 * program (BPF-to-BPF calls and helper calls). The kernel's figures (bpftool prog run … repeat)
 * are added beside these once the kernel backend is available.
 */
import type { BenchReporter } from './report.js';
import { median } from './report.js';
import { ins, prog } from '../vm/ins.test-helper.js';
import { Vm, RegionKind, type VmProgram } from '../vm/index.js';

/** An Ethernet + IPv4 + TCP packet to port 80. */
function tcpPacket(): Uint8Array {
  const p = new Uint8Array(74);
  p.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], 0); // MACs, ethertype IPv4
  p.set([0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14); // IPv4, proto TCP
  p.set([0x30, 0x39, 0, 80], 34); // sport 12345, dport 80
  return p;
}

/** r1 = packet, r2 = length: drops short/odd packets (1), passes non-TCP (2), returns a flow hash for TCP. */
const parser = () => prog(
  ins('mov', { dst: 4, src: 1 }), ins('add', { dst: 4, src: 2 }), // r4 = data_end
  ins('mov', { dst: 5, src: 1 }), ins('add', { dst: 5, imm: 14 }),
  ins('jgt', { dst: 5, src: 4, off: 26 }), // → drop
  ins('ldxh', { dst: 6, src: 1, off: 12 }),
  ins('jne', { dst: 6, imm: 0x0008, off: 26 }), // not IPv4 → pass
  ins('mov', { dst: 5, src: 1 }), ins('add', { dst: 5, imm: 34 }),
  ins('jgt', { dst: 5, src: 4, off: 21 }),
  ins('ldxb', { dst: 7, src: 1, off: 14 }), ins('and', { dst: 7, imm: 0x0f }), ins('lsh', { dst: 7, imm: 2 }),
  ins('jlt', { dst: 7, imm: 20, off: 17 }),
  ins('ldxb', { dst: 8, src: 1, off: 23 }),
  ins('jne', { dst: 8, imm: 6, off: 17 }), // not TCP → pass
  ins('mov', { dst: 5, src: 1 }), ins('add', { dst: 5, imm: 14 }), ins('add', { dst: 5, src: 7 }),
  ins('mov', { dst: 9, src: 5 }), ins('add', { dst: 9, imm: 20 }),
  ins('jgt', { dst: 9, src: 4, off: 10 }),
  ins('ldxh', { dst: 0, src: 5, off: 2 }), ins('be16', { dst: 0 }),
  ins('ldxw', { dst: 3, src: 1, off: 26 }), ins('ldxw', { dst: 6, src: 1, off: 30 }),
  ins('xor', { dst: 3, src: 6 }), ins('mul', { dst: 3, imm: 0x9e3779b1 | 0 }), ins('rsh', { dst: 3, imm: 16 }),
  ins('lsh', { dst: 0, imm: 32 }), ins('or', { dst: 0, src: 3 }),
  ins('exit'),
  ins('mov', { dst: 0, imm: 1 }), ins('exit'), // drop
  ins('mov', { dst: 0, imm: 2 }), ins('exit'), // pass
);

/** Sums 0..999 with a counted loop (about 4 instructions per iteration). */
const loop = () => prog(
  ins('mov', { dst: 0, imm: 0 }), ins('mov', { dst: 1, imm: 0 }),
  ins('add', { dst: 0, src: 1 }), ins('add', { dst: 1, imm: 1 }), ins('jlt', { dst: 1, imm: 1000, off: -3 }),
  ins('exit'),
);

/** 100 iterations of: a BPF-to-BPF call to a function that calls a helper and does some ALU. */
const calls = () => prog(
  ins('mov', { dst: 6, imm: 0 }), ins('mov', { dst: 7, imm: 0 }),
  ins('mov', { dst: 1, src: 6 }), ins('call local', { imm: 5 }), ins('add', { dst: 7, src: 0 }),
  ins('add', { dst: 6, imm: 1 }), ins('jlt', { dst: 6, imm: 100, off: -5 }),
  ins('mov', { dst: 0, src: 7 }), ins('exit'),
  // f(r1): r0 = helper(r1) * 3 + 1
  ins('call', { imm: 5 }), ins('mul', { dst: 0, imm: 3 }), ins('add', { dst: 0, imm: 1 }), ins('exit'),
);

interface Case { name: string; code: ReturnType<typeof prog> }

/** ns per run of `vm.exec(p)`, median of several timed batches. */
function measure(vm: Vm, p: VmProgram, setup: () => void): { nsPerRun: number; insns: number } {
  setup();
  vm.exec(p);
  const insns = vm.executed;
  // Warm up, then size batches to ~50 ms.
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) { setup(); vm.exec(p); }
    const dt = Number(process.hrtime.bigint() - t0);
    if (dt > 50e6) break;
    n *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 7; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) { setup(); vm.exec(p); }
    samples.push(Number(process.hrtime.bigint() - t0) / n);
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
    { name: 'header parser', code: parser() },
    { name: 'loop 1000', code: loop() },
    { name: 'calls 100', code: calls() },
  ];
  const perInsn: number[] = [];
  for (const c of cases) {
    const p = vm.load(c.code, { name: c.name, helpers });
    const { nsPerRun, insns } = measure(vm, p, () => { vm.setReg(1, ptr); vm.setReg(2, pkt.length); });
    r.row({ name: `interp ${c.name} ns/run (${insns} insns)`, value: nsPerRun, unit: 'ns' });
    r.row({ name: `interp ${c.name} ns/insn`, value: nsPerRun / insns, unit: 'ns' });
    perInsn.push(nsPerRun / insns);
  }
  r.note(`median ns/insn over ${cases.length} programs: ${median(perInsn).toFixed(2)} (kernel JIT comparison pending the kernel backend)`);
}
