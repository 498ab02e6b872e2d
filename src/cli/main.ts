#!/usr/bin/env node
/** The regcert binary: run the CLI, clean up temp files on Ctrl-C, exit with the command's code. */
import { cleanupPendingTemps } from "../files/write.js";
import { run } from "./run.js";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    cleanupPendingTemps();
    process.stderr.write(`\nregcert: interrupted; nothing was left half-written\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
