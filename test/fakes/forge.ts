// A fake of a forge's pull-request API as GitHub's REST API shapes it (Gitea and Forgejo answer the same):
// GET /repos/{owner}/{repo} (its default branch) and POST /repos/{owner}/{repo}/pulls, on 127.0.0.1. It checks
// the bearer token, records every request, and refuses a second pull request for the same head as GitHub does
// (422 "A pull request already exists").
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface ForgeRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeForge {
  readonly apiUrl: string;
  readonly token: string;
  readonly requests: ForgeRequest[];
  close(): Promise<void>;
}

export async function startFakeForge(options: { defaultBranch?: string } = {}): Promise<FakeForge> {
  const token = `ghp_fake_${Math.random().toString(36).slice(2)}`;
  const requests: ForgeRequest[] = [];
  const opened = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const path = (request.url ?? "").split("?")[0] ?? "";
    requests.push({ method: request.method ?? "", path, headers: request.headers, body });
    const send = (status: number, answer: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer));
    };
    if (request.headers.authorization !== `Bearer ${token}`) return send(401, { message: "Bad credentials" });
    const repo = /^\/repos\/([^/]+)\/([^/]+)(\/pulls)?$/.exec(path);
    if (!repo) return send(404, { message: "Not Found" });
    const [, owner, name, pulls] = repo;
    if (!pulls && request.method === "GET") {
      return send(200, { full_name: `${owner}/${name}`, default_branch: options.defaultBranch ?? "main" });
    }
    if (pulls && request.method === "POST") {
      const { head, base, title } = (body ?? {}) as { head?: string; base?: string; title?: string };
      if (!head || !base || !title)
        return send(422, { message: "Validation Failed", errors: [{ message: "head, base and title are required" }] });
      const key = `${owner}/${name}:${head}`;
      if (opened.has(key)) {
        return send(422, {
          message: "Validation Failed",
          errors: [{ message: `A pull request already exists for ${owner}:${head}.` }],
        });
      }
      const number = opened.size + 1;
      opened.set(key, number);
      return send(201, {
        number,
        html_url: `https://forge.test/${owner}/${name}/pull/${number}`,
        head: { ref: head },
        base: { ref: base },
      });
    }
    send(405, { message: "Method Not Allowed" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    token,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
