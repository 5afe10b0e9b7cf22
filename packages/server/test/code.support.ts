// Code tasks through the real API, with this test acting as the worker (the REST worker routes): a code
// result with its patch, as a worker reports one.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { ApiClient } from "../../../test/support/http.ts";
import { pull, report } from "./queue.support.ts";

export const BASE = "1".repeat(40);
export const HEAD = "2".repeat(40);
export const PATCH = `diff --git a/src/app.ts b/src/app.ts
index 1111111..2222222 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,2 +1,3 @@
 export const name = "app";
-export const verbose = false;
+export const verbose = true;
+export const quiet = false;
`;

export function codeResult(patch: string | undefined = PATCH, overrides: Record<string, unknown> = {}) {
  const text = patch ?? "";
  return {
    repo_url: "file:///srv/git/app.git",
    base_ref: "main",
    base_sha: BASE,
    head_sha: HEAD,
    branch: "garageswarm/abcdef12-1",
    files: [{ path: "src/app.ts", old_path: null, status: "modified", additions: 2, deletions: 1, binary: false }],
    additions: 2,
    deletions: 1,
    patch_bytes: Buffer.byteLength(text),
    patch_sha256: createHash("sha256").update(text).digest("hex"),
    ...(patch === undefined ? {} : { patch }),
    setup: null,
    check: { command: "npm test", exit_code: 0, output: "ok\n", duration_ms: 120, timed_out: false },
    pushed: false,
    behind: 0,
    ahead: 1,
    ...overrides,
  };
}

export const repo = { url: "file:///srv/git/app.git", ref: "main", check: "npm test" };

/** The worker claims the task (pull), starts it and completes it with `result`. */
export async function runAttempt(api: ApiClient, key: string, workerId: string, taskId: string, result: unknown) {
  const claimed = await pull(api, key, workerId);
  expect(claimed.status).toBe(200);
  expect(claimed.body.task_id).toBe(taskId);
  const token = claimed.body.attempt_token as string;
  expect((await report(api, key, taskId, "start", { attempt_token: token })).status).toBe(200);
  const completed = await report(api, key, taskId, "complete", { attempt_token: token, result });
  return { claimed: claimed.body, completed };
}

export const agentResult = (code: unknown, sessionId = "session-1") => ({
  output: "Done: verbose is on.",
  usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.01 },
  exit_code: 0,
  detail: { session_id: sessionId },
  code,
});
