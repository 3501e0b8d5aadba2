/**
 * Values of `.kconfig` externs, computed as libbpf does: `CONFIG_*` from /proc/config.gz (or
 * /boot/config-<release>), LINUX_KERNEL_VERSION from the release string, LINUX_HAS_* from what
 * this kernel provides. Written into the `.kconfig` map at each extern's offset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { LoadError } from '../errors.js';
import type { BtfSpec } from '../btf/spec.js';
import { BTF_INT } from '../btf/types.js';
import type { ExternSpec } from '../object/types.js';

/** `KEY=value` lines of the running kernel's config (empty when it is not exported). */
export function readKernelConfig(): Map<string, string> {
  const out = new Map<string, string>();
  let text: string | undefined;
  if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString();
  else if (existsSync(`/boot/config-${release()}`)) text = readFileSync(`/boot/config-${release()}`, 'utf8');
  for (const line of (text ?? '').split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** KERNEL_VERSION(a, b, c) of a release string like `6.18.44-fc`, patch level capped at 255. */
export function kernelVersionCode(rel: string = release()): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (!m) throw new LoadError(`cannot parse kernel release "${rel}"`);
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(Number(m[3] ?? 0), 255);
}

/** Values libbpf provides itself, beside CONFIG_* (what this kernel supports). */
function builtin(name: string): string | undefined {
  switch (name) {
    case 'LINUX_KERNEL_VERSION': return String(kernelVersionCode());
    case 'LINUX_HAS_BPF_COOKIE': return 'y';
    case 'LINUX_HAS_SYSCALL_WRAPPER': return process.arch === 'x64' || process.arch === 'arm64' ? 'y' : 'n';
    default: return undefined;
  }
}

/**
 * Fills `data` (the `.kconfig` map value) for every kconfig extern. Unknown non-weak externs are
 * an error like libbpf's `extern (kcfg) 'X': value not found`.
 */
export function fillKconfig(data: Uint8Array, externs: readonly ExternSpec[], btf: BtfSpec, config = readKernelConfig()): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const e of externs) {
    if (e.kind !== 'kconfig' || e.offset === undefined) continue;
    const raw = builtin(e.name) ?? config.get(e.name);
    const fail = (why: string): never => {
      throw new LoadError(`extern (kcfg) '${e.name}': ${why}`);
    };
    if (raw === undefined) {
      if (!e.weak) fail('value not found');
      continue; // weak and unset: stays 0
    }
    const t = btf.skipModifiers((btf.type(e.btfId) as { type: number }).type);
    const size = e.size!;
    const off = e.offset;
    if (t.kind === 'ENUM' && t.name === 'libbpf_tristate') {
      const tri = { y: 1, n: 0, m: 2 }[raw];
      if (tri === undefined) fail(`value '${raw}' is not a tristate`);
      view.setInt32(off, tri!, true);
    } else if (t.kind === 'INT' && t.encoding & BTF_INT.BOOL) {
      if (raw !== 'y' && raw !== 'n') fail(`value '${raw}' is not a bool`);
      view.setUint8(off, raw === 'y' ? 1 : 0);
    } else if (t.kind === 'ARRAY') {
      const m = /^"(.*)"$/.exec(raw);
      if (!m) fail(`value ${raw} is not a string`);
      const bytes = new TextEncoder().encode(m![1]).subarray(0, size - 1);
      data.set(bytes, off);
    } else if (t.kind === 'INT' || t.kind === 'ENUM') {
      const v = raw === 'y' ? 1n : raw === 'n' ? 0n : raw === 'm' ? fail('tristate value for an integer') : /^(-?\d+|0x[0-9a-f]+)$/i.test(raw) ? BigInt(raw) : fail(`value '${raw}' is not a number`);
      const u = BigInt.asUintN(size * 8, v as bigint);
      for (let i = 0; i < size; i++) view.setUint8(off + i, Number((u >> BigInt(8 * i)) & 0xffn));
    } else {
      fail(`unsupported type ${t.kind}`);
    }
  }
}
