// A run you can inspect, in a real browser: the node drawer (prompt, output, worker, attempts,
// approve), the timeline, the input, run numbers, Re-run, the failing node and edge in red, loop
// iterations, and the approvals inbox with its nav badge (desktop and phone).
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey } from "../../../test/support/users.ts";
import { registerWorker } from "../../server/test/queue.support.ts";
import { answer, type Claimed, type Owner, pullOne } from "../../server/test/workflows.runs.support.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { signInAs, signInAsNewUser } from "./support/flows.ts";

const it = dashboardTest();

/** Pulls as the worker until a task comes (the advancer queues the next node on its own), boundedly. */
async function pullNext(api: ReturnType<typeof apiClient>, owner: Owner): Promise<Claimed> {
  for (let tries = 0; tries < 200; tries++) {
    const task = await pullOne(api, owner);
    if (task) return task;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no task came to pull");
}

async function setUp(page: Page, url: string, definition: Record<string, unknown>) {
  const api = apiClient(url);
  const user = await signInAsNewUser(page, url);
  const key = await createApiKey(api, user);
  const worker = await registerWorker(api, key, { tools: ["shell"] });
  const owner: Owner = { ...user, key, workerId: worker.worker_id };
  const as = { token: user.access_token };
  const created = await api.post("/api/v1/workflows", definition, as);
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`);
  const workflowId: string = created.body.workflow_id;
  const execute = async (input?: Record<string, unknown>) =>
    (await api.post(`/api/v1/workflows/${workflowId}/execute`, input ? { input } : undefined, as)).body
      .run_id as string;
  return { api, user, owner, workflowId, execute };
}

const release = {
  name: "Release",
  workflow_type: "sequential",
  definition: {
    nodes: [
      { id: "build", type: "task", tool: "shell", prompt: "build {{input.feature}}" },
      { id: "gate", type: "approval", message: "Ship the build?" },
      { id: "deploy", type: "task", tool: "shell", prompt: "deploy {{nodes.build.output}}" },
    ],
  },
};

describe.skipIf(chromiumMissing())("dashboard: runs you can inspect", () => {
  it("opens a node's drawer, approves from it, shows the timeline and input, marks the failing node, re-runs", async ({
    server,
    page,
  }) => {
    const { api, owner, workflowId, execute } = await setUp(page, server.url, release);
    const runId = await execute({ feature: "dark mode" });
    await page.goto(`/workflows/${workflowId}/runs/${runId}`);
    await page.getByRole("heading", { name: "Release #1", level: 1 }).waitFor();
    const input = page.getByRole("region", { name: "Input" });
    expect(await input.textContent()).toContain('"feature": "dark mode"');

    const build = await pullNext(api, owner);
    await answer(api, owner, build, { output: "build-42" });
    // The approval waits: the nav counts it.
    const approvalsLink = page.getByRole("link", { name: /^Approvals/ });
    await expect.poll(() => approvalsLink.textContent(), { timeout: 30_000 }).toBe("Approvals1 waiting");

    await page.getByRole("group", { name: "Task node build: Completed" }).click();
    const drawer = page.getByRole("complementary", { name: "Node build" });
    await drawer.waitFor();
    const drawerText = await drawer.textContent();
    expect(drawerText).toContain("build dark mode");
    expect(drawerText).toContain("build-42");
    expect(drawerText).toContain("test box");
    await drawer.getByRole("link", { name: "Open task" }).waitFor();
    const timeline = page.getByRole("list", { name: "Node timeline" });
    expect(await timeline.textContent()).toContain("build, iteration 1, attempt 1");
    await screenshot(page, "runs-node-drawer");
    await expectAccessible(page);
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached" });

    // Approve from the gate's drawer.
    await page.getByRole("region", { name: "Nodes" }).getByRole("button", { name: "gate", exact: true }).click();
    const gateDrawer = page.getByRole("complementary", { name: "Node gate" });
    await gateDrawer.getByRole("textbox", { name: "Comment" }).fill("ship it");
    await gateDrawer.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => approvalsLink.textContent(), { timeout: 30_000 }).toBe("Approvals");

    const deploy = await pullNext(api, owner);
    expect(deploy.prompt).toBe("deploy build-42");
    await answer(api, owner, deploy, { error: "disk full", retryable: false });
    const failing = page.getByRole("group", { name: "Task node deploy: Failed (the run failed here)" });
    await failing.waitFor({ timeout: 30_000 });
    const graph = page.getByRole("figure", { name: /^Run graph:/ });
    expect(await graph.getAttribute("aria-label")).toContain("deploy Failed (the run failed here)");
    await page.getByRole("button", { name: "Close" }).click();
    await page.evaluate("window.scrollTo(0, 0)");
    await screenshot(page, "runs-failed-node");
    await expectAccessible(page);

    await page.getByRole("button", { name: "Re-run (same input)" }).click();
    await page.getByRole("heading", { name: "Release #2", level: 1 }).waitFor();
    expect(await page.getByRole("region", { name: "Input" }).textContent()).toContain('"feature": "dark mode"');
  });

  it("browses a loop's iterations and draws the loop edge that ended the run in red", async ({ server, page }) => {
    const { api, owner, workflowId, execute } = await setUp(page, server.url, {
      name: "Fix until green",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "generate", type: "task", tool: "shell", prompt: "write it" },
          { id: "test", type: "task", tool: "shell", prompt: "test it" },
          { id: "passed", type: "condition", expression: { in: ["PASS", { var: "nodes.test.output" }] } },
          { id: "deploy", type: "task", tool: "shell", prompt: "deploy" },
          { id: "fix", type: "task", tool: "shell", prompt: "fix: {{nodes.test.output}}" },
        ],
        edges: [
          { from: "generate", to: "test" },
          { from: "test", to: "passed" },
          { from: "passed", to: "deploy", when: true },
          { from: "passed", to: "fix", when: false },
          { from: "fix", to: "generate", loop: true, max_iterations: 1 },
        ],
      },
    });
    const runId = await execute();
    let tests = 0;
    for (let task = 0; task < 6; task++) {
      const claimed = await pullNext(api, owner);
      const output = claimed.node_id === "test" ? `FAIL round ${++tests}` : `${claimed.node_id} done`;
      await answer(api, owner, claimed, { output });
    }
    await page.goto(`/workflows/${workflowId}/runs/${runId}`);
    const runStatus = page.getByRole("status", { name: "Run status" });
    await expect.poll(() => runStatus.textContent(), { timeout: 30_000 }).toBe("Failed");
    await page.locator('[aria-label="Edge from fix to generate"]').waitFor();
    expect(await page.getByText("loop ≤ 1: stopped the run").count()).toBe(1);
    const graph = page.getByRole("figure", { name: /^Run graph:/ });
    expect(await graph.getAttribute("aria-label")).toContain("the edge fix->generate stopped the run");

    const nodes = page.getByRole("region", { name: "Nodes" });
    expect(await nodes.textContent()).toContain("FAIL round 2");
    await page.getByRole("combobox", { name: "Loop iteration" }).selectOption({ label: "Iteration 1" });
    await expect.poll(() => nodes.textContent()).toContain("FAIL round 1");
    expect(await nodes.textContent()).not.toContain("FAIL round 2");
    await nodes.getByRole("button", { name: "fix", exact: true }).click();
    expect(await page.getByRole("complementary", { name: "Node fix" }).textContent()).toContain("fix: FAIL round 1");
    await screenshot(page, "runs-loop-iteration");
    await expectAccessible(page);
  });

  it("lists waiting approvals in the inbox on a phone, and decides them there", async ({ server, page, newPage }) => {
    const { api, user, owner, execute } = await setUp(page, server.url, release);
    const first = await execute({ feature: "a" });
    await execute({ feature: "b" });
    // Both runs wait at the gate once their build is done.
    for (let build = 0; build < 2; build++) await answer(api, owner, await pullNext(api, owner), { output: "built" });

    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto("/approvals");
    await phone.getByRole("heading", { name: "Approvals", level: 1 }).waitFor();
    const inbox = phone.getByRole("listitem").filter({ has: phone.getByRole("heading", { name: /^Release #/ }) });
    await expect.poll(() => inbox.count(), { timeout: 30_000 }).toBe(2);
    expect(await phone.getByText("Ship the build?").count()).toBe(2);
    await screenshot(phone, "approvals-inbox-phone");
    await expectAccessible(phone);

    const one = phone.getByRole("region", { name: "Approval for gate in Release #1" });
    await one.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => inbox.count(), { timeout: 30_000 }).toBe(1);
    const run = await api.get(`/api/v1/runs/${first}`, { token: user.access_token });
    expect(run.body.nodes.find((node: { node_id: string }) => node.node_id === "gate").status).toBe("completed");

    await phone
      .getByRole("region", { name: "Approval for gate in Release #2" })
      .getByRole("button", {
        name: "Reject",
      })
      .click();
    await phone.getByText("Nothing waits for your approval.").waitFor({ timeout: 30_000 });
    await expectAccessible(phone);
  });
});
