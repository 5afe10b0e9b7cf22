import { resolve } from "node:path";
import type { Command } from "commander";

interface EnrolFlags {
  server: string;
  code: string;
  name?: string;
  stateDir?: string;
}

/** `garageswarm worker enrol`: a subcommand of `worker`, as the installers run it. */
export function registerWorkerEnrolCommand(worker: Command): void {
  worker
    .command("enrol")
    .alias("enroll")
    .description("Exchange a pairing code (Workers → Add worker) for this machine's worker key, kept in config.json")
    .requiredOption("--server <url>", "the server, e.g. http://host:8000")
    .requiredOption("--code <code>", "the pairing code, e.g. K7QX-2ZPM (valid 10 minutes, once)")
    .option("--name <name>", "how the worker is shown (default: the name given with the code, else the host name)")
    .option(
      "--state-dir <dir>",
      "where config.json goes (env GARAGESWARM_WORKER_STATE_DIR, default ~/.garageswarm/worker)",
    )
    .action(async (flags: EnrolFlags) => {
      const { defaultStateDir } = await import("@garageswarm/worker");
      const { enrolMachine } = await import("../enrol.ts");
      const stateDir = resolve(flags.stateDir ?? (process.env.GARAGESWARM_WORKER_STATE_DIR || defaultStateDir()));
      const enrolled = await enrolMachine({ server: flags.server, code: flags.code, name: flags.name, stateDir });
      console.log(
        `Enrolled${enrolled.name ? ` as "${enrolled.name}"` : ""}: the worker key is in ${enrolled.file}. ` +
          `Start the worker with: garageswarm worker${flags.stateDir ? ` --state-dir ${stateDir}` : ""}`,
      );
    });
}
