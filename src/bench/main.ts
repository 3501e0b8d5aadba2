/**
 * `npm run bench`: runs every benchmark suite (one module per area, listed below) and prints
 * each figure beside the kernel's, measured in the same run. `npm run bench -- NAME…` runs only
 * the named suites.
 */
import { BenchReporter } from './report.js';
import * as vm from './vm.js';
import * as maps from './maps.js';
import * as kernel from './kernel.js';
import * as progs from './progs.js';
import { run as object } from './object.js';
import { run as verifier } from './verifier.js';
import { run as soundness } from './soundness.js';

type Suite = { name: string; run: (r: BenchReporter) => Promise<void> };

/** One entry per src/bench/<area>.ts module. */
const suites: Suite[] = [
  { name: 'vm', run: vm.run },
  { name: 'maps', run: maps.run },
  { name: 'kernel', run: kernel.run },
  { name: 'progs', run: progs.run },
  { name: 'object', run: object },
  { name: 'verifier', run: verifier },
  { name: 'soundness', run: soundness },
];

const only = process.argv.slice(2);
const r = new BenchReporter();
for (const s of suites) {
  if (only.length && !only.includes(s.name)) continue;
  r.section(s.name);
  await s.run(r);
}
