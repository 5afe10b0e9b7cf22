// Starts bench/support/server-process.ts as a child (through tsx, with --expose-gc) and talks to it over IPC.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface Memory {
  rss: number;
  anonymous: number | null;
  heapUsed: number;
}

export interface ServerChild {
  url: string;
  /** Server process memory after a forced GC, in bytes; `anonymous` is Linux's RssAnon, null elsewhere. */
  memory(): Promise<Memory>;
  /** SQL statements the server has sent so far, by their first words (PostgreSQL only; empty on PGlite). */
  statements(): Promise<Record<string, number>>;
  /** Warn/error log lines the server printed (pino JSON), for the report. */
  warnings: string[];
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL("./server-process.ts", import.meta.url));

/** Where the server keeps its data: a PostgreSQL database, or a PGlite data dir. */
export type StoreLocation = { databaseUrl: string } | { pgliteDir: string };

export async function startServerChild(location: StoreLocation, timeoutMs = 60_000): Promise<ServerChild> {
  const child = fork(entry, [], {
    // BENCH_SERVER_NODE_ARGS adds node flags to the server alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: [
      "--import",
      "tsx",
      "--expose-gc",
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
    ],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: "databaseUrl" in location ? location.databaseUrl : "",
      BENCH_PGLITE_DIR: "pgliteDir" in location ? location.pgliteDir : "",
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const warnings: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim() && warnings.length < 1000) warnings.push(line);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const url = await reply<{ type: "ready"; url: string }>(child, "ready", timeoutMs).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`server child did not start: ${(error as Error).message}\n${warnings.slice(-20).join("\n")}`);
  });
  return {
    url: url.url,
    warnings,
    memory: async () => {
      child.send({ type: "memory" });
      const { rss, anonymous, heapUsed } = await reply<Memory & { type: "memory" }>(child, "memory", 30_000);
      return { rss, anonymous, heapUsed };
    },
    statements: async () => {
      child.send({ type: "statements" });
      return (await reply<{ type: "statements"; counts: Record<string, number> }>(child, "statements", 30_000)).counts;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function reply<T extends { type: string }>(child: ChildProcess, type: T["type"], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no "${type}" from the server within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T) => {
      if (message?.type === type) finish(null, message);
    };
    const onExit = (code: number | null) => finish(new Error(`server exited (code ${code})`));
    function finish(error: Error | null, message?: T) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}
