// The session against a real WebSocket server: what the server sends right behind its welcome (often
// in the same TCP read) must reach the session, not fall between the handshake and the subscription.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { envelope, type ServerToWorker } from "@garageswarm/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { ServerLink } from "./link.ts";
import type { Report } from "./report.ts";
import { SocketLink, WorkerSocket } from "./socket.ts";

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A server that answers hello with a welcome and, in the same tick, `then`. */
async function serverSending(then: ServerToWorker[]): Promise<string> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (ws) => {
    ws.once("message", () => {
      const welcome = { worker_id: randomUUID(), heartbeat_interval_seconds: 10, server_version: "test" };
      ws.send(JSON.stringify(envelope<ServerToWorker>("welcome", welcome)));
      for (const message of then) ws.send(JSON.stringify(message));
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const hello = { machine_id: "m-1", version: "test", tools: [], slots: 1, resources: {}, running: [] } as never;

function assign(): ServerToWorker {
  return envelope<ServerToWorker>("task.assign", {
    task_id: randomUUID(),
    attempt: 1,
    attempt_token: randomUUID(),
    lease_expires_at: new Date().toISOString(),
    tool: "shell",
    model: null,
    prompt: "echo hi",
    options: {},
    timeout_seconds: 60,
  });
}

describe("WorkerSocket", () => {
  it("hands the session every message the server sent right behind its welcome, in order", async () => {
    const sent = [assign(), assign(), envelope<ServerToWorker>("worker.drain", {})];
    const url = await serverSending(sent);
    const { socket, welcome } = await WorkerSocket.open(url, randomUUID(), "gs_test", hello);
    expect(welcome.server_version).toBe("test");

    const received: ServerToWorker[] = [];
    // Subscribing a turn of the event loop later, as a session does after awaiting other work.
    await new Promise((resolve) => setImmediate(resolve));
    socket.receive((message) => received.push(message));
    await expect.poll(() => received.length).toBe(3);
    expect(received.map((message) => message.id)).toEqual(sent.map((message) => message.id));
    socket.close();
  });

  it("delivers later messages straight to the subscriber", async () => {
    const url = await serverSending([]);
    const { socket } = await WorkerSocket.open(url, randomUUID(), "gs_test", hello);
    const received: ServerToWorker[] = [];
    socket.receive((message) => received.push(message));
    const server = servers[0]!;
    const later = assign();
    for (const client of server.clients) client.send(JSON.stringify(later));
    await expect.poll(() => received.map((message) => message.id)).toEqual([later.id]);
    socket.close();
  });

  it("sends a report carrying a patch over REST (the frame limit), and other reports over the session", async () => {
    const url = await serverSending([]);
    const { socket } = await WorkerSocket.open(url, randomUUID(), "gs_test", hello);
    const server = servers[0]!;
    const overSocket: string[] = [];
    for (const client of server.clients) {
      client.on("message", (data) => {
        const message = JSON.parse(String(data)) as { id: string; type: string };
        overSocket.push(message.type);
        client.send(JSON.stringify({ ...envelope<ServerToWorker>("ack", { ok: true }), id: message.id }));
      });
    }
    const overRest: Report[] = [];
    const rest = {
      deliver: async (report: Report) => {
        overRest.push(report);
        return "delivered" as const;
      },
    } as ServerLink;
    const link = new SocketLink(socket, rest);
    const result = {
      output: "done",
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      exit_code: 0,
      artifacts: [],
      detail: {},
    };
    const code = {
      repo_url: "file:///r.git",
      base_ref: null,
      base_sha: "a".repeat(40),
      head_sha: "b".repeat(40),
      branch: "garageswarm/12345678-1",
      files: [],
      additions: 0,
      deletions: 0,
      patch_bytes: 4,
      patch_sha256: "c".repeat(64),
      setup: null,
      check: null,
      pushed: false,
      behind: null,
      ahead: 1,
    };
    const fence = { task_id: randomUUID(), attempt_token: randomUUID() };
    expect(
      await link.deliver({ ...fence, kind: "complete", result: { ...result, code: { ...code, patch: "diff" } } }),
    ).toBe("delivered");
    expect(overRest).toHaveLength(1);
    expect(overSocket).toEqual([]);

    expect(await link.deliver({ ...fence, kind: "complete", result: { ...result, code } })).toBe("delivered");
    expect(overRest).toHaveLength(1);
    expect(overSocket).toEqual(["task.complete"]);
    socket.close();
  });
});
