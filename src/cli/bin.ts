#!/usr/bin/env node
/** Executable entry of the `tsbpf` command. */
import { main } from './main.js';

main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTty: !!process.stderr.isTTY,
}).then((code) => {
  process.exitCode = code;
});
