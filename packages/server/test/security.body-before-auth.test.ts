// A13: bodies up to 12 MB were parsed and schema-validated before authentication (an anonymous 11 MB result
// got 400 "output too long"). And a too-large body must always get a readable 413: the server closed the
// connection while the client was still sending, so some clients saw a reset instead of the answer.
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing, type TestServer } from "../../../test/support/server.ts";

const it = serverTest();

/** An invalid JSON document of about `bytes` bytes: anything that reads it answers 400. */
function junk(bytes: number): string {
  return JSON.stringify({ unexpected: "x".repeat(bytes) });
}

interface RawAnswer {
  status: number;
  contentType: string;
  body: any;
  /** A socket error seen before the whole answer was read (EPIPE, ECONNRESET). */
  error?: string;
}

/** Sends a request over a bare socket, as a hostile client would, and reads whatever answer comes back. */
function sendRaw(
  server: TestServer,
  path: string,
  bytes: number,
  { chunked = false, token }: { chunked?: boolean; token?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(server.url);
  const body = Buffer.from(junk(bytes));
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = Buffer.alloc(0);
    let error: string | undefined;
    // Like curl: send the whole request, say we are done, read until the server closes. A server that
    // closes while unread input is pending resets the connection: the client sees EPIPE or ECONNRESET,
    // and the reset may discard the answer before it is read.
    socket.on("data", (data) => {
      received = Buffer.concat([received, data]);
    });
    socket.on("error", (cause: NodeJS.ErrnoException) => {
      error ??= cause.code ?? cause.message;
    });
    socket.on("close", () => {
      const text = received.toString("utf8");
      const [head = "", rest = ""] = text.split("\r\n\r\n", 2);
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest);
      } catch {
        parsed = undefined;
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? "",
        body: parsed,
        error,
      });
    });
    const headers = [
      `POST ${path} HTTP/1.1`,
      `host: ${url.host}`,
      "content-type: application/json",
      chunked ? "transfer-encoding: chunked" : `content-length: ${body.length}`,
      ...(token ? [`authorization: Bearer ${token}`] : []),
    ];
    socket.write(`${headers.join("\r\n")}\r\n\r\n`);
    if (chunked) socket.write(`${body.length.toString(16)}\r\n`);
    socket.write(body);
    socket.end(chunked ? "\r\n0\r\n\r\n" : "");
  });
}

describe.skipIf(postgresStackMissing())("A13: authentication before the body", () => {
  it("answers an anonymous 900 KB body with 401, not a 400 from reading it", async ({ server, api }) => {
    const created = await api.request("POST", "/api/v1/tasks", { rawBody: junk(900 * 1024) });
    expect(created.status).toBe(401);
    expect(created.headers.get("content-type")).toContain("application/problem+json");

    // The review's attack: an anonymous 11 MB result was parsed and validated (400 "output too long").
    const result = await sendRaw(server, `/api/v1/tasks/${randomUUID()}/complete`, 11 * 1024 * 1024);
    expect(result).toMatchObject({ status: 401, error: undefined });
  });

  it("answers 401 before reading the body on every authenticated operation that takes one", async ({ api }) => {
    const spec = (await api.get("/docs/json")).body as {
      paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
    };
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.requestBody && !(operation.security && operation.security.length === 0))
        .map(([method, _]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, randomUUID()) })),
    );
    expect(operations.length).toBeGreaterThan(15);
    const body = junk(900 * 1024);
    for (const { method, path } of operations) {
      const response = await api.request(method, path, { rawBody: body });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
    }
  });
});

describe.skipIf(postgresStackMissing())("413: a too-large body always gets a readable answer", () => {
  it("answers every oversized body with a 413 problem the client can read, never a reset", async ({ server, key }) => {
    // Sizes past the 1 MB limit, and past the 12 MB result limit; with a length and chunked.
    const shots = Array.from({ length: 36 }, (_, i) => {
      const complete = i % 6 === 5;
      return {
        path: complete ? `/api/v1/tasks/${randomUUID()}/complete` : "/api/v1/tasks",
        bytes: complete ? 20 * 1024 * 1024 : [1.5, 4, 9, 20][i % 4]! * 1024 * 1024,
        chunked: i % 2 === 1,
      };
    });
    const answers: RawAnswer[] = [];
    for (let start = 0; start < shots.length; start += 6) {
      const batch = shots.slice(start, start + 6);
      answers.push(
        ...(await Promise.all(
          batch.map((shot) => sendRaw(server, shot.path, shot.bytes, { chunked: shot.chunked, token: key })),
        )),
      );
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 413, error: undefined, body: { status: 413 } });
      expect(answer.contentType).toContain("application/problem+json");
      expect(answer.body.errors[0].field).toBe("body");
    }
  });
});
