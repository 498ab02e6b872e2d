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

// `regcert … | head` closes stdout early: that is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
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
