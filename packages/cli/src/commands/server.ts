// Only the settings are loaded eagerly: the server itself is imported when a server command runs, so
// every other command starts fast.
import { envNames, loadServerConfig } from "@garageswarm/server/config";
import type { Command } from "commander";

interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  heartbeatInterval?: string;
  logLevel?: string;
  localWorker?: boolean;
  trustProxy?: string;
  registration?: string;
  publicUrl?: string;
  enableShell?: boolean;
}

function addServerOptions(command: Command): Command {
  return command
    .option("--host <host>", `address to listen on (env ${envNames.host}, default 0.0.0.0)`)
    .option("-p, --port <port>", `port to listen on (env ${envNames.port}, default 8000)`)
    .option(
      "--data-dir <dir>",
      `where the embedded database and logs live (env ${envNames.dataDir}, default ./.garageswarm)`,
    )
    .option("--database-url <url>", `use this PostgreSQL instead of the embedded store (env ${envNames.databaseUrl})`)
    .option("--redis-url <url>", `use Redis as the event bus, for several replicas (env ${envNames.redisUrl})`)
    .option(
      "--heartbeat-interval <seconds>",
      `how often workers report (env ${envNames.heartbeatIntervalSeconds}, default 10)`,
    )
    .option("--log-level <level>", `fatal|error|warn|info|debug|trace|silent (env ${envNames.logLevel}, default info)`)
    .option(
      "--trust-proxy <addresses>",
      `reverse proxies whose X-Forwarded-For is believed: IPs or CIDRs, comma-separated (env ${envNames.trustProxy}, default none)`,
    )
    .option(
      "--registration <mode>",
      `who may create an account: open|invite|closed (env ${envNames.registration}, default invite)`,
    )
    .option(
      "--public-url <url>",
      `the URL machines reach this server at, for the install lines (env ${envNames.publicUrl}, default the request's host)`,
    );
}

async function runServer(flags: ServerFlags, withLocalWorker: boolean): Promise<void> {
  const config = loadServerConfig({
    host: flags.host,
    port: flags.port,
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl,
    redisUrl: flags.redisUrl,
    heartbeatIntervalSeconds: flags.heartbeatInterval,
    logLevel: flags.logLevel,
    trustProxy: flags.trustProxy,
    registration: flags.registration,
    publicUrl: flags.publicUrl,
    localWorker: withLocalWorker ? flags.localWorker : false,
  });
  const { startServer } = await import("@garageswarm/server");
  // A generated admin password is printed only to a person at a terminal, never into a service log.
  const server = await startServer(config, { terminal: process.stdout.isTTY === true });
  // Stopping is wired before anything is printed, so a Ctrl-C at any moment after start stops cleanly.
  let localWorker: { stop(): Promise<void> } | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second Ctrl-C means now: leases of running tasks expire and the reaper hands them back later.
      console.log(`\n${signal} again: exiting now.`);
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal} received: stopping (running tasks are handed back; Ctrl-C again to quit now)…`);
    await localWorker?.stop();
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const store = config.databaseUrl ? "PostgreSQL" : `embedded PGlite in ${config.dataDir}`;
  console.log(`GarageSwarm is running at ${server.url}`);
  console.log(`  store: ${store}; bus: ${config.redisUrl ? "Redis" : "in-process"}`);
  console.log(`  API docs: ${server.url}/docs`);
  for (const line of server.notices) console.log(line);
  const { startLocalWorker } = await import("../local-worker.ts");
  if (config.localWorker && !stopping) {
    const started = await startLocalWorker(server, flags.enableShell ? { enableShell: true } : {});
    localWorker = started;
    console.log(`  local worker: ${started.worker_id} (turn off with --no-local-worker)`);
    if (started.tools.length === 0) for (const line of noToolsFound(server.url)) console.log(line);
  }
}

/** What a newcomer reads when the local worker has nothing to run tasks with, instead of one log line. */
function noToolsFound(url: string): string[] {
  return [
    "",
    "  The local worker found no AI tool on this machine, so tasks will wait. It looked for:",
    "    - Claude Code, Gemini CLI, Codex CLI: `claude`, `gemini`, `codex` on PATH",
    "      (e.g. npm install -g @anthropic-ai/claude-code, then run `claude` once to sign in)",
    "    - Ollama at OLLAMA_HOST (default http://127.0.0.1:11434): install it from ollama.com and `ollama pull llama3.2`",
    "    - ANTHROPIC_API_KEY, GEMINI_API_KEY or OPENAI_API_KEY (+ OPENAI_BASE_URL) in this environment",
    "  Get one and restart, add a worker on a machine that has one, or try it now with the shell tool:",
    "    restart with --enable-shell (tasks then run any command as this user).",
    `  Then open ${url} and create a task.`,
    "",
  ];
}

export function registerServerCommands(program: Command): void {
  addServerOptions(
    program
      .command("up")
      .description("Start the server with the dashboard and a local worker (embedded store, nothing to install)")
      .option("--no-local-worker", "do not start a worker inside the server process")
      .option("--enable-shell", "let the local worker offer the shell tool: tasks may run any command as this user"),
  ).action((flags: ServerFlags) => runServer(flags, true));

  addServerOptions(program.command("server").description("Start the server only (no local worker)")).action(
    (flags: ServerFlags) => runServer(flags, false),
  );
}
