// The whole loop in a real browser with a real worker process (`garageswarm worker`, shell tool on):
// register → add a worker from the page's command → it appears live → create a task → its output
// streams in → cancel another, running task. No reloads: everything arrives over the client WebSocket.
import { afterAll, describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker } from "../../worker/test/e2e/support.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import {
  connectNodes,
  createTask,
  dragPaletteItem,
  goTo,
  newBrowserUser,
  register,
  signInAs,
} from "./support/flows.ts";

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: live with a real worker", () => {
  afterAll(async () => {
    await cleanUpWorkers();
  });

  it("adds a worker, watches it appear, streams a task's output, and cancels a running task", async ({ page }) => {
    await register(page, newBrowserUser("live"));
    await page.getByText("Live", { exact: true }).waitFor();

    await goTo(page, "Workers");
    await page.getByText("No workers yet.").waitFor();
    await page.getByRole("button", { name: "Add worker" }).click();
    await page.getByLabel("Machine name").fill("garage-pc");
    await page.getByRole("button", { name: "Create key and show command" }).click();
    const command = await page.getByLabel("Worker command").inputValue();
    const [, key, serverUrl] =
      /^GARAGESWARM_KEY=(\S+) npx garageswarm worker --server (\S+) --name garage-pc$/.exec(command) ?? [];
    await page.getByRole("button", { name: "Done" }).click();

    // Exactly the command the page showed, plus what this test needs from the worker.
    await spawnWorker({
      server: serverUrl!,
      key: key!,
      args: ["--name", "garage-pc", "--enable-shell", "--slots", "2"],
    });
    const card = page.getByRole("article", { name: "garage-pc" });
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain("Shell");
    await screenshot(page, "workers-live");

    await createTask(page, "Say two lines", "echo first line; sleep 1; echo second line");
    await page.getByRole("link", { name: "Say two lines" }).click();
    const log = page.getByRole("log", { name: "Task output" });
    await log.waitFor();
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain("first line");
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain("second line");
    await page.getByText("Completed", { exact: true }).waitFor();
    await screenshot(page, "task-output");

    await createTask(page, "Wait forever", "sleep 600");
    await page.getByRole("link", { name: "Wait forever" }).click();
    await page.getByText("Running", { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Cancel task" }).click();
    await page.getByText("Cancelled", { exact: true }).waitFor();

    await goTo(page, "Overview");
    const tasks = page.getByRole("list", { name: "Tasks by status" });
    await expect.poll(() => tasks.textContent()).toContain("1Completed");
    await expect.poll(() => tasks.textContent()).toContain("1Cancelled");
    await page.getByRole("img", { name: /^1 task finished in the last 24 hours, 0 of them failed/ }).waitFor();
    await page.getByRole("region", { name: "Latency" }).waitFor();
    await screenshot(page, "overview-live");
  });

  it("builds a 4-node workflow with the mouse, runs it, approves, and sees every node turn green", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await spawnWorker({
      server: server.url,
      key: await createApiKey(api, user),
      args: ["--enable-shell", "--slots", "2"],
    });
    await signInAs(page, user);
    await page.goto("/workflows/new");

    await page.getByRole("group", { name: "Task node task_1" }).click();
    await page.getByLabel("Tool").selectOption({ label: "Shell" });
    await page.getByLabel("Prompt").fill("echo drafted 42");
    await dragPaletteItem(page, "Add condition node", { x: 120, y: 330 });
    await dragPaletteItem(page, "Add approval node", { x: 420, y: 330 });
    await dragPaletteItem(page, "Add aggregator node", { x: 420, y: 480 });
    await page.getByRole("group", { name: "Aggregator node aggregator_1" }).click();
    await page.getByLabel("Tool").selectOption({ label: "Shell" });
    await page.getByLabel("Prompt").fill("echo shipped");
    await page.getByRole("button", { name: "Fit View" }).click();
    await connectNodes(page, "task_1", "condition_1");
    await connectNodes(page, "condition_1", "approval_1", "True output of condition_1");
    await connectNodes(page, "approval_1", "aggregator_1");
    await page.getByLabel("Name", { exact: true }).fill("Ship it");
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("heading", { name: "Ship it", level: 1 }).waitFor();

    await page.getByRole("button", { name: "Run workflow" }).click();
    await page.getByRole("heading", { name: "Ship it #1", level: 1 }).waitFor();
    const approval = page.getByRole("region", { name: "Approval for approval_1" });
    await approval.waitFor({ timeout: 30_000 });
    await page.getByRole("group", { name: "Task node task_1: Completed" }).waitFor();
    await screenshot(page, "workflow-run-approval");
    await approval.getByLabel("Comment").fill("looks right");
    await approval.getByRole("button", { name: "Approve" }).click();

    for (const name of [
      "Task node task_1",
      "Condition node condition_1",
      "Approval node approval_1",
      "Aggregator node aggregator_1",
    ]) {
      await page.getByRole("group", { name: `${name}: Completed` }).waitFor({ timeout: 30_000 });
    }
    await page.getByText("shipped").first().waitFor();
    await screenshot(page, "workflow-run");

    await goTo(page, "Workflows");
    await page.getByRole("link", { name: "Ship it" }).click();
    await page.getByRole("heading", { name: "Ship it", level: 1 }).waitFor();
    await page.getByRole("region", { name: "Runs" }).getByText("Completed").waitFor();
  });

  it("pauses, resumes and cancels a running workflow run", async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await spawnWorker({ server: server.url, key: await createApiKey(api, user), args: ["--enable-shell"] });
    const created = await api.post(
      "/api/v1/workflows",
      {
        name: "Long haul",
        definition: {
          nodes: [
            { id: "wait", type: "task", tool: "shell", prompt: "sleep 600" },
            { id: "after", type: "task", tool: "shell", prompt: "echo after" },
          ],
          edges: [{ from: "wait", to: "after" }],
        },
      },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    await signInAs(page, user);
    await page.goto(`/workflows/${created.body.workflow_id}`);
    await page.getByRole("button", { name: "Run workflow" }).click();
    await page.getByRole("group", { name: "Task node wait: Running" }).waitFor({ timeout: 30_000 });

    await page.getByRole("button", { name: "Pause run" }).click();
    await page.getByRole("button", { name: "Resume run" }).waitFor();
    await page.getByRole("button", { name: "Resume run" }).click();
    await page.getByRole("button", { name: "Pause run" }).waitFor();
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByText("Cancelled", { exact: true }).first().waitFor();
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await page.getByRole("group", { name: /^Task node after: (Pending|Cancelled|Skipped)$/ }).waitFor();
  });
});
