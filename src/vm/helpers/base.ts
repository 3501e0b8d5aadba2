/**
 * Helpers every program type may call (the kernel's bpf_base_func_proto, root): clocks,
 * pseudo-random numbers, the CPU id, bpf_trace_printk, bpf_spin_lock/unlock.
 */
import { VmFault } from '../../errors.js';
import { BPF_FUNC } from '../../uapi/index.js';
import type { Helper } from '../program.js';
import { EINVAL } from '../progtypes/errno.js';
import { memArg, num, tryRead } from './args.js';
import type { HelperDeps } from './deps.js';

/** Formats bpf_trace_printk's format with up to three 64-bit args, as bstr_printf would; undefined for formats the kernel refuses. */
export function formatPrintk(fmt: string, args: bigint[], readStr: (addr: bigint) => string): string | undefined {
  let out = '', ai = 0;
  const re = /%([-+ 0#]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXcspo%])/y;
  for (let i = 0; i < fmt.length;) {
    if (fmt[i] !== '%') { out += fmt[i++]; continue; }
    re.lastIndex = i;
    const m = re.exec(fmt);
    if (!m) return undefined;
    i = re.lastIndex;
    const [, flags, width, , len, conv] = m;
    if (conv === '%') { out += '%'; continue; }
    if (ai >= 3) return undefined;
    const a = args[ai++];
    const bits = len === 'll' || len === 'l' || len === 'z' || conv === 'p' ? 64 : len === 'h' ? 16 : len === 'hh' ? 8 : 32;
    const unsigned = BigInt.asUintN(bits, a);
    let s: string;
    switch (conv) {
      case 'd': case 'i': s = BigInt.asIntN(bits, a).toString(); break;
      case 'u': s = unsigned.toString(); break;
      case 'x': s = (flags.includes('#') ? '0x' : '') + unsigned.toString(16); break;
      case 'X': s = (flags.includes('#') ? '0X' : '') + unsigned.toString(16).toUpperCase(); break;
      case 'o': s = unsigned.toString(8); break;
      case 'p': s = '0x' + unsigned.toString(16); break;
      case 'c': s = String.fromCharCode(Number(unsigned & 0xffn)); break;
      default: s = readStr(a); break; // 's'
    }
    const w = Number(width || 0);
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : flags.includes('0') && conv !== 's' ? s.padStart(w, '0') : s.padStart(w);
    out += s;
  }
  return out;
}

/** The NUL-terminated string at a VM address ('' when unreadable, like the kernel's failed copy). */
function readCString(vm: Parameters<Helper>[0], addr: bigint): string {
  const lo = Number(BigInt.asIntN(32, addr)), hi = Number(BigInt.asIntN(32, addr >> 32n));
  let s = '';
  for (let i = 0; i < 4096; i++) {
    const b = tryRead(vm, lo + i, hi, 1);
    if (!b || b[0] === 0) break;
    s += String.fromCharCode(b[0]);
  }
  return s;
}

/** Base helpers bound to an environment. */
export function baseHelpers({ env }: HelperDeps): Map<number, Helper> {
  const locked = new Set<string>();
  const lockKey = (vm: Parameters<Helper>[0]) => {
    memArg(vm, 1, 4, true);
    return `${vm.hi(1)}:${vm.lo(1) >>> 0}`;
  };
  return new Map<number, Helper>([
    [BPF_FUNC.ktime_get_ns, () => env.clock()],
    [BPF_FUNC.ktime_get_boot_ns, () => env.clock()],
    [BPF_FUNC.ktime_get_coarse_ns, () => env.coarse()],
    [BPF_FUNC.jiffies64, () => env.clock() / 4_000_000n],
    [BPF_FUNC.get_prandom_u32, () => env.random()],
    [BPF_FUNC.get_smp_processor_id, (vm) => vm.cpu],
    [BPF_FUNC.trace_printk, (vm) => {
      const size = num(vm, 2);
      const fmtBytes = memArg(vm, 1, size, false);
      const nul = fmtBytes.indexOf(0);
      if (nul < 0) return -EINVAL;
      const fmt = new TextDecoder('latin1').decode(fmtBytes.subarray(0, nul));
      const args = [3, 4, 5].map((r) => (BigInt(vm.hi(r) >>> 0) << 32n) | BigInt(vm.lo(r) >>> 0));
      const msg = formatPrintk(fmt, args, (a) => readCString(vm, a));
      if (msg === undefined) return -EINVAL;
      env.printk(vm.cpu, msg.replace(/\n$/, ''));
      return msg.length;
    }],
    [BPF_FUNC.spin_lock, (vm) => {
      const k = lockKey(vm);
      if (locked.has(k)) throw new VmFault('bpf_spin_lock: lock already held (deadlock)', { insn: vm.pc });
      locked.add(k);
      return 0;
    }],
    [BPF_FUNC.spin_unlock, (vm) => {
      const k = lockKey(vm);
      if (!locked.delete(k)) throw new VmFault('bpf_spin_unlock: lock not held', { insn: vm.pc });
      return 0;
    }],
  ]);
}
