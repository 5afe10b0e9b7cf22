// The task page as a conversation: one section per attempt (worker, duration, outcome), tool calls folded with
// their results, the Raw tab, the score breakdown explained, and who cancelled. The output is what the worker's
// real Claude Code adapter streams for runs recorded from the real CLI (packages/worker/test/fixtures), sent
// through the worker's real pull/report API.
import { readFileSync } from "node:fs";
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { ClaudeStream } from "../../worker/src/tools/claude-code.ts";
import type { OutputStream } from "../../worker/src/tools/tool.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { registerWorkerMachine, signInAs } from "./support/flows.ts";

// The server's clock stands still unless a test moves it: an attempt takes a known time, and the retry's backoff
// passes without waiting.
const clockStart = Date.now();
let clockOffsetMs = 0;
const it = dashboardTest(() => startTestServer({}, { clock: { now: () => new Date(clockStart + clockOffsetMs) } }));

/** What the worker's Claude Code adapter streams for a recorded run, as output chunks. */
function claudeChunks(fixture: string): Array<{ seq: number; stream: OutputStream; chunk: string }> {
  const streamed: Array<{ stream: OutputStream; chunk: string }> = [];
  const reader = new ClaudeStream({
    signal: new AbortController().signal,
    workdir: "/nonexistent",
    onOutput: (chunk, stream = "stdout") => {
      streamed.push({ chunk, stream });
    },
  });
  const path = new URL(`../../worker/test/fixtures/claude-code/${fixture}.jsonl`, import.meta.url);
  for (const line of readFileSync(path, "utf8").split("\n")) reader.read(line);
  return streamed.map((entry, seq) => ({ seq, ...entry }));
}

async function setUp(baseUrl: string) {
  const api = apiClient(baseUrl);
  const user = await createUser(api);
  const key = await createApiKey(api, user, "workers");
  const tools = [{ name: "claude_code", models: ["sonnet"] }];
  const laptop = await registerWorkerMachine(baseUrl, key, { name: "laptop", tools });
  const desktop = await registerWorkerMachine(baseUrl, key, { name: "desktop", tools });
  const worker = (workerId: string) => ({
    claim: async (taskId: string) => {
      const claimed = await api.get(`/api/v1/workers/${workerId}/pull-task?wait=0`, { token: key });
      expect(claimed.body.task_id).toBe(taskId);
      const token = claimed.body.attempt_token as string;
      await api.post(`/api/v1/tasks/${taskId}/start`, { attempt_token: token }, { token: key });
      return {
        output: (chunks: unknown[]) =>
          api.post(`/api/v1/tasks/${taskId}/output`, { attempt_token: token, chunks }, { token: key }),
        fail: (error: string) =>
          api.post(`/api/v1/tasks/${taskId}/fail`, { attempt_token: token, error }, { token: key }),
        complete: (output: string) =>
          api.post(`/api/v1/tasks/${taskId}/complete`, { attempt_token: token, result: { output } }, { token: key }),
      };
    },
  });
  const createTask = async (description: string) =>
    (await api.post("/api/v1/tasks", { description, tool: "claude_code" }, { token: user.access_token })).body as {
      task_id: string;
    };
  return { api, user, laptop: worker(laptop), desktop: worker(desktop), createTask };
}

/** A task whose first attempt (laptop, 12 s) failed and whose second (desktop, 4 s) completed. */
async function retriedTask(baseUrl: string) {
  clockOffsetMs = 0;
  const { user, laptop, desktop, createTask } = await setUp(baseUrl);
  const task = await createTask("Fix the flaky test");
  const one = await laptop.claim(task.task_id);
  expect((await one.output(claudeChunks("tool-use"))).status).toBe(204);
  clockOffsetMs += 12_000;
  expect((await one.fail("Claude Code exited with code 1")).status).toBe(200);
  clockOffsetMs += 6_000; // past the first retry's 5 s backoff
  const two = await desktop.claim(task.task_id);
  await two.output(claudeChunks("tool-use-accept-edits"));
  clockOffsetMs += 4_000;
  expect((await two.complete("Done.")).status).toBe(200);
  return { user, task };
}

async function showsConversation(page: Page, taskId: string) {
  await page.goto(`/tasks/${taskId}`);
  await page.getByRole("heading", { name: "Attempt 2 of 3" }).waitFor();
  const first = page.getByRole("region", { name: "Attempt 1 of 3" });
  await first.getByText("Outcome: Failed, retried").waitFor();
  expect(await first.textContent()).toContain("on laptop · Claude Code");
  expect(await first.textContent()).toContain("took 12 s");
  expect(await first.textContent()).toContain("Claude Code exited with code 1");
  const second = page.getByRole("region", { name: "Attempt 2 of 3" });
  await second.getByText("Outcome: Completed").waitFor();
  expect(await second.textContent()).toContain("on desktop · Claude Code");
  expect(await second.textContent()).toContain("took 4 s");

  // A tool call is folded with its result: open it to read what the tool said.
  const bash = first.getByRole("log", { name: "Task output, attempt 1" }).locator("details", { hasText: "ls -la" });
  await bash.locator("summary").click();
  await bash.getByText("drwx------").waitFor();
  expect(await bash.locator("summary").textContent()).toContain("done");
  expect(await first.getByRole("log").textContent()).toContain("Listed.");
  await second.locator("details", { hasText: "echo hi > out.txt" }).locator("summary").click();
  await second.getByText("hi", { exact: true }).waitFor();
}

describe.skipIf(chromiumMissing())("dashboard: a task as a conversation", () => {
  it("a retried task: an attempt section each, tool calls with their results, the Raw tab, the score explained", async ({
    server,
    page,
  }) => {
    const { user, task } = await retriedTask(server.url);
    await signInAs(page, user);
    await showsConversation(page, task.task_id);
    await screenshot(page, "task-conversation-retried");
    await expectAccessible(page);

    // The score: each part beside its weight and meaning, what rank is, and every worker considered.
    const score = page.getByRole("table", { name: "Why this worker (allocator score)" });
    await score.getByRole("columnheader", { name: "Weight" }).waitFor();
    expect(await score.getByRole("row", { name: /Rank/ }).textContent()).toContain("its place among the workers");
    expect(await score.getByRole("row", { name: /Balance/ }).textContent()).toMatch(/× \d/);
    const considered = page.getByRole("heading", { name: "Workers considered: 2" });
    await considered.waitFor();
    const workersList = page.locator(".score-workers");
    expect(await workersList.textContent()).toContain("desktop");
    expect(await workersList.textContent()).toContain("laptop");
    expect(await workersList.textContent()).toContain("ran the task");
    await score.scrollIntoViewIfNeeded();
    await screenshot(page, "task-score-breakdown");

    // Raw: the stream exactly as received, attempt by attempt.
    await page.getByRole("tab", { name: "Raw" }).click();
    const raw = page.getByRole("log", { name: "Raw output" });
    await raw.waitFor();
    expect(await raw.textContent()).toContain('{"type":"tool_use","id":"toolu_ba37eq7kynl","name":"Bash"');
    expect(await raw.textContent()).toContain("── attempt 2 ──");
    expect(await page.getByRole("tab", { name: "Raw" }).getAttribute("aria-selected")).toBe("true");
    await screenshot(page, "task-conversation-raw");
    await expectAccessible(page);
  });

  it("on a phone: the attempt sections and tool results of a retried task", async ({ server, newPage }) => {
    const { user, task } = await retriedTask(server.url);
    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await showsConversation(phone, task.task_id);
    await screenshot(phone, "phone-task-conversation");
    await expectAccessible(phone);
  });

  it("a cancelled task says who cancelled it and how long its attempt ran", async ({ server, page, newPage }) => {
    clockOffsetMs = 0;
    const { user, laptop, createTask } = await setUp(server.url);
    const task = await createTask("Refactor the parser");
    const attempt = await laptop.claim(task.task_id);
    await attempt.output(claudeChunks("tool-use"));

    await signInAs(page, user);
    await page.goto(`/tasks/${task.task_id}`);
    const section = page.getByRole("region", { name: "Attempt 1 of 3" });
    await section.getByText("Outcome: Running").waitFor();
    expect(await section.textContent()).toContain("running for");
    await page.getByRole("button", { name: "Cancel task" }).click();
    await section.getByText(`cancelled by ${user.username}`).waitFor();
    const facts = page.getByRole("region", { name: "Details" });
    await facts.getByText("Cancelled by").waitFor();
    expect(await facts.textContent()).toContain(user.username);
    expect(await facts.textContent()).toContain("Duration0 s");
    expect(await page.getByRole("region", { name: "Usage" }).textContent()).toContain("No usage was reported.");
    await screenshot(page, "task-cancelled-by");
    await expectAccessible(page);

    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto(`/tasks/${task.task_id}`);
    await phone.getByRole("region", { name: "Attempt 1 of 3" }).getByText(`cancelled by ${user.username}`).waitFor();
    await screenshot(phone, "phone-task-cancelled-by");
    await expectAccessible(phone);
  });
});
