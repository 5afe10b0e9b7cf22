// Say why, everywhere, in a real browser: the Overview's getting-started checklist and its "tasks can't run"
// panel (live as workers come and go), a retry's live countdown on the task page and list, and a run node
// whose task no worker can take. Desktop and phone; real server, workers registered over HTTP.
import { describe, expect, onTestFinished } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { createApiKey, type TestUser } from "../../../test/support/users.ts";
import { pull, report } from "../../server/test/queue.support.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { registerWorkerMachine, signInAs, signInAsNewUser } from "./support/flows.ts";

// The server's clock runs ten minutes ahead of the browser's, and stops while a test holds it: a retry's
// backoff (5 s of server time) then ends 10 min 5 s from the browser's now, long enough to watch the
// countdown, and the task stays in backoff meanwhile.
const serverClock = { stoppedAt: null as number | null };
const serverNow = () => serverClock.stoppedAt ?? Date.now() + 600_000;
const it = dashboardTest(() => startTestServer({}, { clock: { now: () => new Date(serverNow()) } }));

// Violations that were there before these pages said why (status badges' contrast, React Flow's handles and
// run canvas), left to the accessibility work of issue 13 §7; everything this file adds is checked.
const knownElsewhere = { exclude: [".badge", ".canvas"] };

async function createTask(baseUrl: string, user: TestUser, body: Record<string, unknown>): Promise<string> {
  const created = await apiClient(baseUrl).post("/api/v1/tasks", body, { token: user.access_token });
  if (created.status !== 201) throw new Error(`create task: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.task_id as string;
}

async function stepStates(page: Page): Promise<string[]> {
  return page
    .getByRole("region", { name: "Getting started" })
    .getByRole("listitem")
    .evaluateAll((items) => items.map((item) => (item.className.includes("done") ? "done" : "to do")));
}

describe.skipIf(chromiumMissing())("dashboard: why work waits", () => {
  // Two pages, workers arriving and a task run to the end on a loaded 2-core machine: give it room.
  it("Overview: a checklist ticked from real state, and which tasks can't run and why, live, until a task completes", {
    timeout: 120_000,
  }, async ({ server, page, newPage }) => {
    const user = await signInAsNewUser(page, server.url);
    const checklist = page.getByRole("region", { name: "Getting started" });
    await checklist.waitFor();
    expect(await stepStates(page)).toEqual(["to do", "to do", "to do"]);
    expect(await checklist.textContent()).toContain("ANTHROPIC_API_KEY");
    await expectAccessible(page);
    await screenshot(page, "overview-getting-started");

    // A task for a tool nobody has: the panel says why, and changes as a worker with another tool arrives.
    await createTask(server.url, user, { description: "Summarise the notes", tool: "ollama" });
    const panel = page.getByRole("region", { name: "Tasks that can't run" });
    await panel.getByText("1 task can't run: you have no worker to run it on").waitFor();
    const key = await createApiKey(apiClient(server.url), user);
    const workerId = await registerWorkerMachine(server.url, key, { name: "laptop", tools: [{ name: "claude_code" }] });
    await panel.getByText("no online worker offers Ollama").waitFor();
    await createTask(server.url, user, { description: "Summarise the minutes", tool: "ollama" });
    await panel.getByText("2 tasks can't run: no online worker offers Ollama").waitFor();
    await expect.poll(() => stepStates(page)).toEqual(["done", "done", "to do"]);
    expect(await checklist.textContent()).toContain("Your tasks are waiting");
    await expectAccessible(page);
    await screenshot(page, "overview-cant-run");
    expect(await panel.getByRole("link", { name: "See them" }).getAttribute("href")).toBe(
      "/tasks?status=queued&tool=ollama",
    );

    // The same on a phone.
    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.getByText("2 tasks can't run: no online worker offers Ollama").waitFor();
    await phone.getByRole("region", { name: "Getting started" }).waitFor();
    await expectAccessible(phone);
    await screenshot(phone, "overview-cant-run-phone");

    // The way out: Add worker opens the form on the Workers page.
    await panel.getByRole("link", { name: "Add worker" }).click();
    await page.getByRole("heading", { name: "Workers", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Add a worker" }).waitFor();

    // A first task completes: the checklist is gone for good; the stuck Ollama tasks are still said.
    const taskId = await createTask(server.url, user, { description: "Say hello", tool: "claude_code" });
    const claimed = (await pull(apiClient(server.url), key, workerId)).body;
    expect(claimed.task_id).toBe(taskId);
    const done = await report(apiClient(server.url), key, taskId, "complete", {
      attempt_token: claimed.attempt_token,
      result: { output: "hello" },
    });
    expect(done.body.status).toBe("completed");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    await page.getByText("2 tasks can't run").waitFor();
    expect(await page.getByRole("region", { name: "Getting started" }).count()).toBe(0);
  });

  it("a retry counts down live on the task page and in the list, with the failed attempt's error", async ({
    server,
    page,
    newPage,
  }) => {
    const user = await signInAsNewUser(page, server.url);
    const key = await createApiKey(apiClient(server.url), user);
    const workerId = await registerWorkerMachine(server.url, key, { name: "builder", tools: [{ name: "shell" }] });
    const taskId = await createTask(server.url, user, {
      description: "Build the site",
      tool: "shell",
      max_attempts: 3,
    });
    const claimed = (await pull(apiClient(server.url), key, workerId)).body;
    const failed = await report(apiClient(server.url), key, taskId, "fail", {
      attempt_token: claimed.attempt_token,
      error: "exit 3: out of disk",
      retryable: true,
    });
    expect(failed.body.status).toBe("queued");
    serverClock.stoppedAt = serverNow();
    onTestFinished(() => {
      serverClock.stoppedAt = null;
    });

    await page.goto(`/tasks/${taskId}`);
    const waiting = page.getByRole("status").filter({ hasText: "attempt 1 failed: exit 3: out of disk; retrying in" });
    await waiting.waitFor();
    const first = (await waiting.textContent()) ?? "";
    expect(first).toMatch(/retrying in \d+ min \d+ s$/);
    // It counts down without a reload.
    await expect.poll(() => waiting.textContent(), { timeout: 10_000 }).not.toBe(first);
    expect(await waiting.textContent()).toMatch(/retrying in \d+ min \d+ s$/);
    await expectAccessible(page, knownElsewhere);
    await screenshot(page, "task-retrying");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tasks" }).click();
    const row = page.getByRole("row", { name: /Build the site/ });
    await row.getByText(/attempt 1 failed: exit 3: out of disk; retrying in \d+ min \d+ s/).waitFor();
    await expectAccessible(page, knownElsewhere);
    await screenshot(page, "tasks-retrying");

    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto(`/tasks/${taskId}`);
    await phone.getByText(/attempt 1 failed: exit 3: out of disk; retrying in \d+ min/).waitFor();
    await expectAccessible(phone, knownElsewhere);
    await screenshot(phone, "task-retrying-phone");
  });

  it("a run node whose task no online worker can take says why, on the canvas and in the node list", async ({
    server,
    page,
    newPage,
  }) => {
    const user = await signInAsNewUser(page, server.url);
    const api = apiClient(server.url);
    const workflow = await api.post(
      "/api/v1/workflows",
      {
        name: "Nightly digest",
        workflow_type: "sequential",
        definition: {
          nodes: [
            { id: "collect", type: "task", tool: "ollama", prompt: "Collect the day's notes" },
            { id: "write", type: "task", tool: "claude_code", prompt: "Write {{nodes.collect.output}}" },
          ],
        },
      },
      { token: user.access_token },
    );
    expect(workflow.status).toBe(201);
    const workflowId = workflow.body.workflow_id as string;
    const run = await api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, { token: user.access_token });
    expect(run.status).toBe(201);

    const runPath = `/workflows/${workflowId}/runs/${run.body.run_id}`;
    await page.goto(runPath);
    const nodes = page.getByRole("table", { name: "Node states of this run" });
    await nodes
      .getByRole("row", { name: /collect/ })
      .getByText(/you have no worker to run it on/)
      .waitFor();
    // A worker arrives, without the node's tool: the reason follows, live.
    const key = await createApiKey(api, user);
    await registerWorkerMachine(server.url, key, { name: "laptop", tools: [{ name: "claude_code" }] });
    await nodes
      .getByRole("row", { name: /collect/ })
      .getByText("no online worker offers Ollama")
      .waitFor();
    await page.getByRole("group", { name: /node collect.*no online worker offers Ollama/ }).waitFor();
    await expectAccessible(page, knownElsewhere);
    await screenshot(page, "run-node-waiting");

    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto(runPath);
    await phone
      .getByRole("row", { name: /collect/ })
      .getByText("no online worker offers Ollama")
      .waitFor();
    await expectAccessible(phone, knownElsewhere);
    await screenshot(phone, "run-node-waiting-phone");
  });
});
