/** Helper tables per program type, built from the families over one object's dependencies. */
import { helperTable, vmHelpers } from '../helpers.js';
import type { Helper, HelperTable } from '../program.js';
import { vmProgTypeHelpers, type HelperFamily } from './allowed.js';
import { baseHelpers } from './base.js';
import { cgroupHelpers } from './cgroup.js';
import { fibHelpers } from './fib.js';
import type { HelperDeps } from './deps.js';
import { outputHelpers } from './output.js';
import { skbHelpers } from './skb.js';
import { stackHelpers } from './stack.js';
import { tracingHelpers } from './tracing.js';
import { xdpHelpers } from './xdp.js';

export { vmProgTypeHelpers, type HelperFamily, type ProgTypeHelpers } from './allowed.js';
export { RunEnv, DEFAULT_TASK, DEFAULT_KERNEL_STACK, type RunEnvOptions, type SimulatedTask } from './env.js';
export type { HelperDeps } from './deps.js';
export { BPF_FIB_LOOKUP, BPF_FIB_LKUP_RET, type FibRoute } from './fib.js';
export { formatPrintk } from './base.js';

const FAMILIES: Record<HelperFamily, (d: HelperDeps) => HelperTable> = {
  base: (d) => helperTable(vmHelpers, baseHelpers(d)),
  maps: (d) => d.maps.helpers(),
  output: outputHelpers,
  tracing: tracingHelpers,
  skb: skbHelpers,
  xdp: xdpHelpers,
  cgroup: cgroupHelpers,
  stack: stackHelpers,
  fib: fibHelpers,
};

/** Builds (and caches per dependency set) the helper table of each program type. */
export class HelperRegistry {
  private readonly families = new Map<HelperFamily, HelperTable>();
  private readonly tables = new Map<number, HelperTable>();

  constructor(readonly deps: HelperDeps) {}

  /** The implemented and allowed helpers of `progType` (undefined: the VM cannot run the type). */
  forProgType(progType: number): HelperTable | undefined {
    const spec = vmProgTypeHelpers(progType);
    if (!spec) return undefined;
    let t = this.tables.get(progType);
    if (!t) {
      const merged = new Map<number, Helper>();
      for (const f of spec.families) {
        let fam = this.families.get(f);
        if (!fam) this.families.set(f, (fam = FAMILIES[f](this.deps)));
        for (const [id, fn] of fam) if (spec.allowed.has(id)) merged.set(id, fn);
      }
      this.tables.set(progType, (t = merged));
    }
    return t;
  }
}
