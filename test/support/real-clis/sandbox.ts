// A network namespace for the real agent CLIs under test: inside it, only the vendor fakes answer (through
// netns-bridge.mjs), and anything a CLI tries to reach beyond them is recorded, so a test run can prove it
// sent nothing past loopback. The CLIs enter it through wrapper scripts (`nsenter --net=…`) that the worker's
// adapters run as their command.
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const bridgeScript = fileURLToPath(new URL("./netns-bridge.mjs", import.meta.url));

export interface BridgeReport {
  /** Connections that reached a vendor fake. */
  accepted: number;
  /** TCP connections opened in the namespace that did not reach a fake (another port or address). */
  unexplained: number;
  /** What was caught on its way out: TCP to ports 80/443 of any address, DNS lookups. */
  escapes: Array<{ kind: "tcp"; address: string; port: number } | { kind: "dns"; name: string }>;
}

export interface SandboxRoute {
  /** Port inside the namespace, on 127.0.0.1. */
  port: number;
  /** The Unix socket the fake listens on, in this process's namespace. */
  socket: string;
}

export interface CliSandbox {
  /** A directory of this sandbox, removed on close. */
  readonly dir: string;
  /** Writes an executable that runs `binary` inside the namespace; returns its path. */
  wrap(name: string, binary: string): Promise<string>;
  report(): Promise<BridgeReport>;
  /** Throws, listing what was caught, when anything tried to leave loopback. */
  assertLoopbackOnly(): Promise<void>;
  close(): Promise<void>;
}

/** Why a network namespace cannot be made here, or null when it can. */
export function namespaceUnavailableReason(): string | null {
  if (process.platform !== "linux") return "network namespaces need Linux";
  const probe = spawnSync("unshare", ["--net", "true"], { encoding: "utf8" });
  if (probe.error) return `unshare is missing (${probe.error.message})`;
  if (probe.status !== 0) return `unshare --net failed (needs root): ${probe.stderr.trim()}`;
  const nsenter = spawnSync("nsenter", ["--version"], { encoding: "utf8" });
  if (nsenter.error) return `nsenter is missing (${nsenter.error.message})`;
  return null;
}

export async function startCliSandbox(routes: SandboxRoute[]): Promise<CliSandbox> {
  const dir = await mkdtemp(join(tmpdir(), "gs-cli-sandbox-"));
  const bridge: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    "unshare",
    ["--net", process.execPath, bridgeScript, JSON.stringify(routes)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  bridge.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: Interface = createInterface({ input: bridge.stdout });
  const pending: Array<(line: Record<string, unknown>) => void> = [];
  lines.on("line", (line) => pending.shift()?.(JSON.parse(line) as Record<string, unknown>));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      pending.push(resolve);
      bridge.once("exit", (code) => reject(new Error(`the network bridge exited (${code}): ${stderr.trim()}`)));
    });
  await next();
  const namespace = `/proc/${bridge.pid}/ns/net`;

  const report = async (): Promise<BridgeReport> => {
    const answer = next();
    bridge.stdin.write("report\n");
    return (await answer).report as BridgeReport;
  };

  return {
    dir,
    async wrap(name, binary) {
      const path = join(dir, name);
      await writeFile(path, `#!/bin/sh\nexec nsenter --net=${namespace} -- ${JSON.stringify(binary)} "$@"\n`);
      await chmod(path, 0o755);
      return path;
    },
    report,
    async assertLoopbackOnly() {
      const { unexplained, escapes } = await report();
      if (unexplained === 0 && escapes.length === 0) return;
      throw new Error(
        `a CLI under test tried to reach beyond loopback: ${JSON.stringify(escapes)}; ` +
          `${unexplained} TCP connection(s) to something other than the vendor fakes`,
      );
    },
    async close() {
      bridge.stdin.end();
      await new Promise((resolve) => (bridge.exitCode === null ? bridge.once("exit", resolve) : resolve(null)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
