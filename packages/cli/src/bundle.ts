// Entry of the single-file worker the server serves (scripts/build-bundle.mjs): the CLI without the
// server commands, so neither the server nor PGlite is in it. When a newer bundle was installed beside this
// one (self-update/), this one hands over to it at once: the launcher and the service keep starting the file
// they were installed with.
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createProgram, registerClientCommands, runProgram } from "./program.ts";
import { bundleToHandOffTo } from "./self-update/handoff.ts";
import { CLI_VERSION } from "./version.ts";

const installedIn = dirname(fileURLToPath(import.meta.url));
const newer = await bundleToHandOffTo(installedIn, CLI_VERSION, (message) => console.error(`garageswarm: ${message}`));
if (newer !== null) {
  await import(pathToFileURL(newer).href);
} else {
  const program = createProgram();
  registerClientCommands(program);
  await runProgram(program, process.argv);
}
