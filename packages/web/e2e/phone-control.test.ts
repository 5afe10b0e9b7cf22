// Control from the phone (Chromium, 390x844, touch): the pages fit the screen with the bottom nav, a run
// waiting for approval is approved or rejected with a thumb, a task's live output streams in from a real
// worker process, and a running task is cancelled and retried. Screenshots: test-results/screenshots/phone-*.
import { afterAll, describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker } from "../../worker/test/e2e/support.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { mainNavLink, signInAs } from "./support/flows.ts";

const it = dashboardTest();

/**
 * How far the page is wider than the phone's 390 px screen (0 when nothing overflows sideways). Against the
 * screen, not innerWidth: a phone widens its layout viewport to fit overflowing content.
 */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("Math.max(document.documentElement.scrollWidth, window.innerWidth) - 390");
}

async function tapNav(page: Page, name: string): Promise<void> {
  await (await mainNavLink(page, name)).tap();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

async function approvalWorkflow(api: ReturnType<typeof apiClient>, user: TestUser, name: string) {
  const created = await api.post(
    "/api/v1/workflows",
    {
      name,
      workflow_type: "sequential",
      definition: { nodes: [{ id: "ship", type: "approval", message: "Ship tonight's build?" }] },
    },
    { token: user.access_token },
  );
  expect(created.status).toBe(201);
  return created.body.workflow_id as string;
}

describe.skipIf(chromiumMissing())("control from the phone", () => {
  afterAll(async () => {
    await cleanUpWorkers();
  });

  it("keeps every page on the screen, with the page links in a bar at the bottom", async ({ newPage, server }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const workflowId = await approvalWorkflow(api, user, "nightly release");
    await api.post(
      "/api/v1/tasks",
      { description: "summarise the build log", tool: "shell" },
      {
        token: user.access_token,
      },
    );
    // Tables on Tasks and Settings: they scroll inside their card, never the page.
    await api.post("/api/v1/keys", { name: "laptop", scope: "worker" }, { token: user.access_token });
    const page = await newPage({ mobile: true });
    await signInAs(page, user);

    const nav = await page.getByRole("navigation", { name: "Main" }).boundingBox();
    expect(nav).not.toBeNull();
    expect(Math.round(nav!.y + nav!.height)).toBe(844);
    for (const name of ["Overview", "Tasks", "Repositories", "Workflows", "Workers", "Settings"]) {
      await tapNav(page, name);
      await page.waitForLoadState("networkidle");
      expect(await sidewaysOverflow(page), name).toBeLessThanOrEqual(0);
      await screenshot(page, `phone-${name.toLowerCase()}`);
    }
    await page.goto(`/workflows/${workflowId}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await sidewaysOverflow(page), "workflow editor").toBeLessThanOrEqual(0);
  });

  it("approves and rejects a waiting run with a tap", async ({ newPage, server }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const workflowId = await approvalWorkflow(api, user, "nightly release");
    const execute = () => api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, { token: user.access_token });
    const first = await execute();
    const page = await newPage({ mobile: true });
    await signInAs(page, user);

    // From the Overview, as a notification's tap would open it.
    await page.getByRole("region", { name: "Running workflows" }).getByRole("link", { name: "nightly release" }).tap();
    const request = page.getByRole("region", { name: "Approval for ship" });
    await request.waitFor();
    await expect.poll(() => request.textContent()).toContain("Ship tonight's build?");
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, "phone-run-approval");
    await request.getByLabel("Comment").fill("go");
    await request.getByRole("button", { name: "Approve" }).tap();
    await expect.poll(() => page.getByRole("status", { name: "Run status" }).textContent()).toBe("Completed");
    const approved = await api.get(`/api/v1/runs/${first.body.run_id}`, { token: user.access_token });
    expect(approved.body.status).toBe("completed");

    const second = await execute();
    await page.goto(`/workflows/${workflowId}/runs/${second.body.run_id}`);
    await page.getByRole("region", { name: "Approval for ship" }).getByRole("button", { name: "Reject" }).tap();
    await expect.poll(() => page.getByRole("status", { name: "Run status" }).textContent()).toBe("Failed");
    const rejected = await api.get(`/api/v1/runs/${second.body.run_id}`, { token: user.access_token });
    expect(rejected.body.error).toContain(`rejected by ${user.username}`);
  });

  it("follows a task's live output, cancels a running task and retries it", async ({ newPage, server }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    await spawnWorker({ server: server.url, key, args: ["--name", "garage-pc", "--enable-shell", "--slots", "2"] });
    const page = await newPage({ mobile: true });
    await signInAs(page, user);
    const as = { token: user.access_token };

    await api.post(
      "/api/v1/tasks",
      { description: "Say two lines", tool: "shell", prompt: "echo first line; sleep 1; echo second line" },
      as,
    );
    await tapNav(page, "Tasks");
    await page.getByRole("link", { name: "Say two lines" }).tap();
    const log = page.getByRole("log", { name: "Task output" });
    await log.waitFor();
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain("first line");
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain("second line");
    await page.getByText("Completed", { exact: true }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, "phone-task-output");

    await api.post("/api/v1/tasks", { description: "Wait forever", tool: "shell", prompt: "sleep 600" }, as);
    await tapNav(page, "Tasks");
    await page.getByRole("link", { name: "Wait forever" }).tap();
    await page.getByText("Running", { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Cancel task" }).tap();
    await page.getByText("Cancelled", { exact: true }).waitFor();
    const cancelledUrl = page.url();

    await page.getByRole("button", { name: "Retry task" }).tap();
    await expect.poll(() => page.url()).not.toBe(cancelledUrl);
    await page.getByText("Running", { exact: true }).waitFor({ timeout: 20_000 });
    await screenshot(page, "phone-task-retried");
    await page.getByRole("button", { name: "Cancel task" }).tap();
    await page.getByText("Cancelled", { exact: true }).waitFor();
  });
});
