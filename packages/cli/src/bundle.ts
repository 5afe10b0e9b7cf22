// Entry of the single-file worker the server serves (scripts/build-bundle.mjs): the CLI without the
// server commands, so neither the server nor PGlite is in it.
import { createProgram, registerClientCommands, runProgram } from "./program.ts";

const program = createProgram();
registerClientCommands(program);
await runProgram(program, process.argv);
