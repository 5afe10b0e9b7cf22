// The CLI's first-week papercuts, as a person meets them: a closed pipe, the wrong server, worker ids.
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { ownerWithWorker, pullOne } from "../../server/test/workflows.runs.support.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();
const cliBin = join(import.meta.dirname, "../bin/garageswarm.js");

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

/** `sh -c "<garageswarm args> | head -1"`, as typed in a shell. */
function runPiped(args: string[], env: NodeJS.ProcessEnv) {
  const quoted = [process.execPath, cliBin, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, failed) => {
    // pipefail: the exit code is the CLI's, not head's.
    const child = spawn("bash", ["-o", "pipefail", "-c", `${quoted} | head -1`], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", failed);
    child.once("exit", (code) => done({ code, stdout, stderr }));
  });
}

describe("messages that point the right way", () => {
  it("without a login, an address nothing answers at is 'cannot reach', not 'not logged in'", async ({ dir }) => {
    const port = await closedPort();
    const run = await runCli(["task", "list", "--server", `http://127.0.0.1:${port}`], {
      GARAGESWARM_CONFIG: join(dir, "none.json"),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the server at http://127.0.0.1:${port}`);
    expect(run.stderr).not.toContain("not logged in");
  });

  it("logging in to a web server that is not GarageSwarm asks whether it is one", async ({ dir }) => {
    const other = createHttpServer((_, response) =>
      response.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"),
    );
    await new Promise<void>((listening) => other.listen(0, "127.0.0.1", listening));
    try {
      const { port } = other.address() as { port: number };
      const run = await runCli(
        ["login", "--server", `http://127.0.0.1:${port}`, "--username", "me", "--password", "whatever1"],
        { GARAGESWARM_CONFIG: join(dir, "login.json") },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("is this a GarageSwarm server?");
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((closed) => other.close(closed));
    }
  });
});

describe.skipIf(postgresStackMissing())("the CLI in a pipe and with workers", () => {
  it("task list | head -1 prints the first line and exits quietly", async ({ server, api, user, key }) => {
    const tasks = Array.from({ length: 200 }, (_, index) => ({
      description: `piped task ${index} ${"x".repeat(400)}`,
      tool: "shell",
    }));
    expect((await api.post("/api/v1/tasks", tasks, { token: user.access_token })).status).toBe(201);
    const env = { GARAGESWARM_SERVER: server.url, GARAGESWARM_KEY: key };

    // 200 tasks as JSON are far more than a pipe holds: the CLI is still writing when head leaves.
    const json = await runPiped(["task", "list", "--json", "--limit", "200"], env);
    expect(json.stdout).toBe("[\n");
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);

    const table = await runPiped(["task", "list", "--limit", "200"], env);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+TOOL\s+WORKER/);
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
  });

  it("task list and task get name the worker that runs a task", async ({ server, api }) => {
    const owner = await ownerWithWorker(api);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "named worker", tool: "claude_code" },
      { token: owner.key },
    );
    const taskId = created.body.task_id as string;
    const claimed = await pullOne(api, owner);
    expect(claimed?.task_id).toBe(taskId);
    const env = { GARAGESWARM_SERVER: server.url, GARAGESWARM_KEY: owner.key };

    const shown = await runCli(["task", "get", taskId], env);
    expect(shown.stdout).toMatch(new RegExp(`^worker\\s+test box \\(${owner.workerId}\\)$`, "m"));
    const listed = await runCli(["task", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`^${taskId}\\s+\\S+\\s+claude_code\\s+test box\\s+1\\s`, "m"));
  });
});
