// Private infrastructure a test may break: its own redis-server, and a TCP proxy in front of PostgreSQL that
// it can cut and restore. The shared Redis and PostgreSQL other test files use are never touched.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { inCi } from "../../../test/support/env.ts";

/** The redis-server binary, or null when it is not installed (a skip outside CI, a failure in CI). */
export function redisServerBinary(): string | null {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (path) return path;
  if (inCi) throw new Error("redis-server is not installed: the outage tests need it in CI");
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

/** True once something on `port` answers Redis' PING. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.startsWith("+PONG"));
      }
    });
    socket.on("error", () => resolve(false));
  });
}

export interface PrivateRedis {
  readonly url: string;
  /** SIGSTOP: the socket stays open and nothing answers (a hung Redis). */
  pause(): void;
  /** SIGKILL: connections drop and new ones are refused. */
  kill(): Promise<void>;
  /** A fresh, empty redis-server on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(binary: string): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    for (let tries = 0; tries < 200; tries++) {
      if (await answersPing(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${port} did not answer`);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  }

  // A test that times out never reaches its afterAll: the redis-server still goes with the test process.
  process.once("exit", () => child?.kill("SIGKILL"));
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => child?.kill("SIGSTOP"),
    kill,
    start,
    close: kill,
  };
}

/**
 * A TCP proxy to `target`: the server under test connects through it. `cut()` drops every connection and
 * refuses new ones, as a crashed PostgreSQL does; `restore()` lets connections through again.
 */
export interface CuttableProxy {
  readonly port: number;
  cut(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<CuttableProxy> {
  const port = await freePort();
  const open = new Set<Socket>();
  let server: Server | null = null;

  async function listen(): Promise<void> {
    const listening = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      open.add(client);
      open.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    listening.listen(port, "127.0.0.1");
    await once(listening, "listening");
    server = listening;
  }

  function cut(): void {
    const listening = server;
    server = null;
    listening?.close();
    for (const socket of open) socket.destroy();
    open.clear();
  }

  await listen();
  return {
    port,
    cut,
    restore: async () => {
      if (!server) await listen();
    },
    close: async () => {
      cut();
    },
  };
}
