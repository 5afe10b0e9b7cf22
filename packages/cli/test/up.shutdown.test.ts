// `garageswarm up` as a person runs it, stopped with Ctrl-C while a dashboard tab holds its live feed open.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cliBin = join(repoRoot, "packages/cli/bin/garageswarm.js");
const password = "correct horse battery";

interface Up {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startUp(): Promise<Up> {
  const dir = await mkdtemp(join(tmpdir(), "gs-up-"));
  const child = spawn(process.execPath, [cliBin, "up", "--no-local-worker", "--host", "127.0.0.1", "--port", "0"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GARAGESWARM_DATA_DIR: join(dir, "data"),
      GARAGESWARM_ADMIN_PASSWORD: password,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((found, failed) => {
    const look = () => {
      const match = /GarageSwarm is running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) found(match[1]);
    };
    child.stdout?.on("data", look);
    void exited.then((code) => failed(new Error(`up exited (${code}) before it listened:\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

/** The dashboard's live feed: sign in as the admin, then open /ws/client/<me> with the access token. */
async function openFeed(url: string): Promise<WebSocket> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  expect(login.status).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const me = (await (
    await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${access_token}` } })
  ).json()) as { user_id: string };
  const socket = new WebSocket(`${url.replace("http", "ws")}/ws/client/${me.user_id}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  await new Promise<void>((opened, failed) => {
    socket.once("open", () => opened());
    socket.once("error", failed);
  });
  return socket;
}

/** A keep-alive HTTP connection left open after its answer, as a browser keeps one. */
async function holdKeepAlive(url: string): Promise<Agent> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise<void>((done, failed) => {
    httpRequest(`${url}/health`, { agent }, (response) => {
      response.resume();
      response.once("end", () => done());
    })
      .once("error", failed)
      .end();
  });
  return agent;
}

describe("garageswarm up stops on Ctrl-C", () => {
  test("with a dashboard feed and a keep-alive connection open, SIGINT ends the process", async () => {
    const up = await startUp();
    const socket = await openFeed(up.url);
    const agent = await holdKeepAlive(up.url);
    // A browser also opens connections ahead of need (preconnect) and may leave a request half sent.
    const { port } = new URL(up.url);
    const preconnected = connect(Number(port), "127.0.0.1");
    const halfSent = connect(Number(port), "127.0.0.1", () => halfSent.write("GET /health HTTP/1.1\r\nHost: x\r\n"));
    preconnected.on("error", () => {});
    halfSent.on("error", () => {});
    cleanups.push(async () => {
      socket.terminate();
      agent.destroy();
      preconnected.destroy();
      halfSent.destroy();
    });
    const closed = new Promise<number>((done) => socket.once("close", (code) => done(code)));

    up.child.kill("SIGINT");

    expect(await up.exited).toBe(0);
    // The dashboard hears that the server is going away (1001), so it can show it is reconnecting.
    expect(await closed).toBe(1001);
    expect(up.output()).toContain("SIGINT received: stopping");
  });

  test("a second Ctrl-C while it drains exits at once", async () => {
    const up = await startUp();
    // A request still arriving keeps the first stop draining for a while.
    const { port } = new URL(up.url);
    const halfSent = connect(Number(port), "127.0.0.1", () => halfSent.write("GET /health HTTP/1.1\r\nHost: x\r\n"));
    halfSent.on("error", () => {});
    cleanups.push(async () => {
      halfSent.destroy();
    });
    await new Promise((connected) => halfSent.once("connect", connected));

    up.child.kill("SIGINT");
    await expect.poll(() => up.output(), { timeout: 30_000 }).toContain("Ctrl-C again to quit now");
    up.child.kill("SIGINT");

    expect(await up.exited).toBe(130);
    expect(up.output()).toContain("SIGINT again: exiting now.");
  });
});
