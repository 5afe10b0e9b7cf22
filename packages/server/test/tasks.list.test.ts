// The task list finds things (issue 13 §5): search, tool and status filters, sorting, paging by cursor or
// offset, and the total that match; bad parameters are a 400 naming the parameter.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker, report } from "./queue.support.ts";

const it = serverTest();

type Listed = {
  items: Array<{ description: string; status: string; tool: string }>;
  next_cursor: string | null;
  total: number;
};

async function list(api: ApiClient, token: string, query: string): Promise<Listed> {
  const response = await api.get(`/api/v1/tasks?${query}`, { token });
  expect(response.status).toBe(200);
  return response.body as Listed;
}

describe.skipIf(postgresStackMissing())("task list", () => {
  it("searches, filters by tool and status, sorts, and counts what matches", async ({ api }) => {
    const user = await createUserWithKey(api);
    const token = user.access_token;
    await createTask(api, token, { description: "Summarise the README", tool: "claude_code" });
    await createTask(api, token, { description: "Translate the readme to French", tool: "ollama" });
    await createTask(api, token, {
      description: "Fix the flaky test",
      prompt: "look at README links",
      tool: "codex_cli",
    });
    await createTask(api, token, { description: "100% sure", tool: "ollama" });
    const failing = await createTask(api, token, { description: "Break things", tool: "ollama", max_attempts: 1 });
    const worker = await registerWorker(api, user.key, { tools: ["ollama"] });
    // The oldest queued ollama task is taken first; fail whichever was claimed, then find it by status.
    const claim = await pull(api, user.key, worker.worker_id);
    expect(claim.status).toBe(200);
    const started = await report(api, user.key, claim.body.task_id, "start", {
      attempt_token: claim.body.attempt_token,
    });
    expect(started.status).toBe(200);
    const failed = await report(api, user.key, claim.body.task_id, "fail", {
      attempt_token: claim.body.attempt_token,
      error: "model not found",
      retryable: false,
    });
    expect(failed.status).toBe(200);

    const readme = await list(api, token, "q=readme");
    expect(readme.total).toBe(3);
    expect(readme.items.map((task) => task.description).sort()).toEqual([
      "Fix the flaky test",
      "Summarise the README",
      "Translate the readme to French",
    ]);
    // LIKE's wildcards are searched for as themselves.
    expect((await list(api, token, "q=%25")).items.map((task) => task.description)).toEqual(["100% sure"]);

    const ollama = await list(api, token, "tool=ollama");
    expect(ollama.total).toBe(3);
    expect(ollama.items.every((task) => task.tool === "ollama")).toBe(true);

    const failedList = await list(api, token, "status=failed");
    expect(failedList.total).toBe(1);
    expect(failedList.items[0]).toMatchObject({ status: "failed", tool: "ollama" });
    expect((await list(api, token, "status=failed&tool=claude_code")).total).toBe(0);
    expect(failing.status).toBe("queued");

    const byName = await list(api, token, "sort=description&order=asc");
    expect(byName.total).toBe(5);
    expect(byName.items.map((task) => task.description)).toEqual([
      "100% sure",
      "Break things",
      "Fix the flaky test",
      "Summarise the README",
      "Translate the readme to French",
    ]);
    const byNameDesc = await list(api, token, "sort=description&order=desc");
    expect(byNameDesc.items.map((task) => task.description)).toEqual(
      byName.items.map((task) => task.description).reverse(),
    );
    // Only the failed task ever started: it has the one duration, and the rest sort after it.
    const byDuration = await list(api, token, "sort=duration&order=desc");
    expect(byDuration.items[0]?.status).toBe("failed");
  });

  it("pages by cursor (newest first) and by offset (any sort), with the same total on every page", async ({ api }) => {
    const user = await createUserWithKey(api);
    const token = user.access_token;
    for (const n of [1, 2, 3, 4, 5]) await createTask(api, token, { description: `task ${n}` });

    const first = await list(api, token, "limit=2");
    expect(first).toMatchObject({ total: 5 });
    expect(first.items.map((task) => task.description)).toEqual(["task 5", "task 4"]);
    const second = await list(api, token, `limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((task) => task.description)).toEqual(["task 3", "task 2"]);
    const third = await list(api, token, `limit=2&cursor=${second.next_cursor}`);
    expect(third).toMatchObject({ total: 5, next_cursor: null });
    expect(third.items.map((task) => task.description)).toEqual(["task 1"]);

    const sorted = await list(api, token, "limit=2&sort=description&order=asc");
    expect(sorted.items.map((task) => task.description)).toEqual(["task 1", "task 2"]);
    const sortedNext = await list(api, token, `limit=2&sort=description&order=asc&cursor=${sorted.next_cursor}`);
    expect(sortedNext.items.map((task) => task.description)).toEqual(["task 3", "task 4"]);

    const pageThree = await list(api, token, "limit=2&offset=4&sort=description&order=asc");
    expect(pageThree).toMatchObject({ total: 5, next_cursor: null });
    expect(pageThree.items.map((task) => task.description)).toEqual(["task 5"]);
    // An offset in the default order pages too, the way the dashboard jumps to page 2.
    const offsetDefault = await list(api, token, "limit=2&offset=2");
    expect(offsetDefault.items.map((task) => task.description)).toEqual(["task 3", "task 2"]);
  });

  it("records the task a retry retries, and refuses another user's task as a missing one", async ({ api }) => {
    const alice = await createUserWithKey(api);
    const bob = await createUserWithKey(api);
    const original = await createTask(api, alice.access_token, { description: "flaky" });
    expect(original.retry_of_task_id).toBeNull();
    const retry = await createTask(api, alice.access_token, { description: "flaky", retry_of: original.task_id });
    expect(retry.retry_of_task_id).toBe(original.task_id);
    const fetched = await api.get(`/api/v1/tasks/${retry.task_id}`, { token: alice.access_token });
    expect(fetched.body.retry_of_task_id).toBe(original.task_id);

    const refused = await api.post(
      "/api/v1/tasks",
      [
        { description: "mine", tool: "shell" },
        { description: "not mine", tool: "shell", retry_of: original.task_id },
      ],
      { token: bob.access_token },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual(["body[1].retry_of"]);
    expect((await list(api, bob.access_token, "")).total).toBe(0);

    // The original deleted, the retry stays and forgets the link.
    expect((await api.delete(`/api/v1/tasks/${original.task_id}`, { token: alice.access_token })).status).toBe(204);
    const orphan = await api.get(`/api/v1/tasks/${retry.task_id}`, { token: alice.access_token });
    expect(orphan.body.retry_of_task_id).toBeNull();
  });

  it("answers a bad parameter with a 400 problem naming it", async ({ api }) => {
    const user = await createUserWithKey(api);
    const cases: Array<[string, string]> = [
      ["sort=colour", "query.sort"],
      ["order=sideways", "query.order"],
      ["tool=hammer", "query.tool"],
      ["offset=-1", "query.offset"],
      ["offset=2&cursor=QDQ", "query.offset"],
      ["q=%20", "query.q"],
      [`q=${"x".repeat(201)}`, "query.q"],
      ["cursor=bm90LWEtY3Vyc29y", "query.cursor"],
    ];
    for (const [query, field] of cases) {
      const response = await api.get(`/api/v1/tasks?${query}`, { token: user.access_token });
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const fields = (response.body.errors ?? []).map((error: { field: string }) => error.field);
      expect(fields, query).toContain(field);
    }
  });
});
