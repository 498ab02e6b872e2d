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
const onStreamError = (error: NodeJS.ErrnoException): void => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
};
// process.stdout/stderr are created on first use, and creating one loads node's stream modules (a few
// ms): a run that prints nothing (--quiet) need not pay for that, so the handler is attached when the
// stream is first used (before anything can be written to it)
for (const name of ["stdout", "stderr"] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(process, name);
  const create = descriptor?.get;
  if (!create || !descriptor.configurable) {
    process[name].on("error", onStreamError);
    continue;
  }
  let attached = false;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      const stream = create.call(process) as NodeJS.WriteStream;
      if (!attached) {
        attached = true;
        stream.on("error", onStreamError);
      }
      return stream;
    },
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
