import { VmFault } from '../../errors.js';
import type { VmMaps } from '../map-helpers.js';
import type { RunEnv } from './env.js';
import type { SkbContext } from '../progtypes/skb.js';
import type { XdpContext } from '../progtypes/xdp.js';

/** What helper families are built over: the object's environment, its maps, the running context. */
export interface HelperDeps {
  env: RunEnv;
  maps: VmMaps;
  /** CPUs of the VM (per-CPU maps, the cpu a run is on). */
  cpus: number;
  /** The context object of the run in progress (helpers without a ctx argument, like bpf_redirect, need it). */
  running: { ctx: unknown };
  /** Packet contexts by program type, reused across runs. */
  contexts: Map<number, SkbContext | XdpContext>;
}

/** The running context, checked to be a `cls`. */
export function runningCtx<T>(deps: HelperDeps, cls: abstract new (...a: never[]) => T, helper: string, pc: number): T {
  const c = deps.running.ctx;
  if (!(c instanceof cls)) throw new VmFault(`${helper} called outside a run of its program type`, { insn: pc });
  return c;
}

