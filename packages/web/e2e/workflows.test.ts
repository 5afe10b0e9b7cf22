// The workflow editor in a real browser: build a 4-node workflow with the mouse, save it, get the
// server's validation errors on the node they name, and round-trip the definition through YAML/JSON.
import { describe, expect } from "vitest";
import { parse } from "yaml";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { pull, registerWorker } from "../../server/test/queue.support.ts";
import { answer, type Claimed, type Owner, pullOne } from "../../server/test/workflows.runs.support.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { connectNodes as connect, dragPaletteItem, goTo, signInAs, signInAsNewUser } from "./support/flows.ts";

/** The row of a node in the run page's node table. */
function nodeRow(page: Page, nodeId: string) {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: nodeId, exact: true }) });
}

/** Pulls as the worker until a task comes (the advancer queues the next node on its own), boundedly. */
async function pullNext(api: ReturnType<typeof apiClient>, owner: Owner): Promise<Claimed> {
  for (let tries = 0; tries < 200; tries++) {
    const task = await pullOne(api, owner);
    if (task) return task;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no task came to pull");
}

async function definitionText(page: Page) {
  return page.getByRole("textbox", { name: /^Definition \((YAML|JSON)\)$/ }).inputValue();
}

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: workflow editor", () => {
  it("builds a 4-node workflow with the mouse, saves it, and shows it after a reload", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await goTo(page, "Workflows");
    await page.getByText("No workflows yet.").waitFor();
    await page.getByRole("link", { name: "New workflow" }).click();
    await page.getByRole("heading", { name: "New workflow", level: 1 }).waitFor();

    // The new workflow starts with one task node; three more come from the palette.
    await page.getByRole("group", { name: "Task node task_1" }).waitFor();
    await dragPaletteItem(page, "Add condition node", { x: 120, y: 330 });
    await dragPaletteItem(page, "Add approval node", { x: 420, y: 330 });
    await dragPaletteItem(page, "Add aggregator node", { x: 420, y: 480 });
    for (const name of ["Condition node condition_1", "Approval node approval_1", "Aggregator node aggregator_1"]) {
      await page.getByRole("group", { name }).waitFor();
    }
    await page.getByRole("button", { name: "Fit View" }).click();
    await connect(page, "task_1", "condition_1");
    await connect(page, "condition_1", "approval_1");
    await connect(page, "approval_1", "aggregator_1");

    const drawn = parse(await definitionText(page));
    expect(drawn.nodes.map((node: { id: string }) => node.id)).toEqual([
      "task_1",
      "condition_1",
      "approval_1",
      "aggregator_1",
    ]);
    expect(drawn.edges.map((edge: { from: string; to: string }) => `${edge.from}->${edge.to}`)).toEqual([
      "task_1->condition_1",
      "condition_1->approval_1",
      "approval_1->aggregator_1",
    ]);

    // The condition's true branch leads to the approval.
    await page.getByRole("group", { name: "Condition node condition_1" }).click();
    await page.getByLabel("Display name").fill("Long enough?");
    await page.getByRole("button", { name: "Fit View" }).click();
    await screenshot(page, "workflow-editor");

    await page.getByLabel("Name", { exact: true }).fill("Review pipeline");
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("heading", { name: "Review pipeline", level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    await page.reload();
    await page.getByRole("heading", { name: "Review pipeline", level: 1 }).waitFor();
    const saved = parse(await definitionText(page));
    expect(saved.nodes).toHaveLength(4);
    expect(saved.edges).toHaveLength(3);
    expect(saved.nodes[1].name).toBe("Long enough?");

    await goTo(page, "Workflows");
    await page.getByRole("link", { name: "Review pipeline" }).waitFor();
    await screenshot(page, "workflows");
  });

  it("puts the server's validation error on the node it names", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByLabel("Name", { exact: true }).fill("Broken");
    await page.getByRole("group", { name: "Task node task_1" }).click();
    await page.getByLabel("Prompt").fill("");
    await page.getByRole("button", { name: "Save workflow" }).click();
    const node = page.getByRole("group", { name: "Task node task_1" });
    await expect.poll(() => node.textContent()).toMatch(/prompt/i);
    await page.getByRole("list", { name: "Problems with this node" }).waitFor();
  });

  it("round-trips the definition through the YAML and JSON views", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByRole("group", { name: "Task node task_1" }).waitFor();

    const yamlText = [
      "nodes:",
      "  - id: fetch",
      "    type: task",
      "    tool: shell",
      "    prompt: curl example.org",
      "  - id: summarise",
      "    type: aggregator",
      "    tool: ollama",
      "    model: llama3",
      "    prompt: 'Summarise {{upstream}}'",
      "edges:",
      "  - from: fetch",
      "    to: summarise",
      "    on: success",
      "    loop: false",
      "",
    ].join("\n");
    await page.getByLabel("Definition (YAML)").fill(yamlText);
    await page.getByRole("button", { name: "Apply text" }).click();
    await page.getByRole("group", { name: "Task node fetch" }).waitFor();
    await page.getByRole("group", { name: "Aggregator node summarise" }).waitFor();
    expect(await page.getByRole("group", { name: "Task node task_1" }).count()).toBe(0);

    await page.getByLabel("Format").selectOption("JSON");
    const json = JSON.parse(await page.getByLabel("Definition (JSON)").inputValue());
    expect(json).toEqual(parse(yamlText));
    await page.getByLabel("Format").selectOption("YAML");
    expect(parse(await page.getByLabel("Definition (YAML)").inputValue())).toEqual(parse(yamlText));

    await page.getByLabel("Definition (YAML)").fill("nodes: [");
    await page.getByRole("button", { name: "Apply text" }).click();
    await page.getByText(/Not valid YAML/).waitFor();
  });

  it("builds and connects nodes with the keyboard alone", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByRole("group", { name: "Task node task_1" }).waitFor();

    await page.getByRole("button", { name: "Add approval node" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("group", { name: "Approval node approval_1" }).waitFor();
    // The new node is selected: its inspector is open.
    await page.getByRole("region", { name: "Approval node approval_1" }).waitFor();

    const connectForm = page.getByRole("form", { name: "Connect nodes" });
    await connectForm.getByLabel("From node").focus();
    await connectForm.getByLabel("From node").selectOption("task_1");
    await connectForm.getByLabel("To node").selectOption("approval_1");
    await connectForm.getByRole("button", { name: "Add edge" }).focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(async () => parse(await definitionText(page)).edges)
      .toEqual([{ from: "task_1", to: "approval_1", on: "success", loop: false }]);
  });

  it("sets the tools a director's plan may use (review A8)", async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await signInAs(page, user);
    await page.goto("/workflows/new");
    await page.getByLabel("Name", { exact: true }).fill("Directed");
    await page.getByRole("button", { name: "Add director node" }).click();
    const inspector = page.getByRole("region", { name: "Director node director_1" });
    const tools = inspector.getByRole("group", { name: "Tools a plan may use" });
    // Nothing listed: the director's own tool only, never shell.
    expect(await tools.getByLabel(/Claude Code/).isChecked()).toBe(true);
    expect(await tools.getByLabel("Shell").isChecked()).toBe(false);
    await tools.getByLabel("Codex CLI").check();
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("heading", { name: "Directed", level: 1 }).waitFor();
    const workflowId = new URL(page.url()).pathname.split("/").at(-1)!;
    const saved = (await api.get(`/api/v1/workflows/${workflowId}`, { token: user.access_token })).body;
    const director = saved.definition.nodes.find((node: { type: string }) => node.type === "director");
    expect(director).toMatchObject({ tool: "claude_code", allowed_tools: ["claude_code", "codex_cli"] });
    expect(director.render_plan_prompts).toBeUndefined();
  });

  it("sets the run timeout and a node's timeout and retries; a run waits pending for a worker and shows its deadline", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await signInAs(page, user);
    await page.goto("/workflows/new");
    await page.getByLabel("Name", { exact: true }).fill("Timed");
    const runTimeout = page.getByLabel("Run timeout (seconds)");
    await runTimeout.fill("0");
    await page.getByRole("button", { name: "Save workflow" }).click();
    await expect.poll(() => runTimeout.getAttribute("aria-invalid")).toBe("true");

    await runTimeout.fill("600");
    await page.getByRole("group", { name: "Task node task_1" }).click();
    const inspector = page.getByRole("region", { name: "Task node task_1" });
    await inspector.getByLabel("Tool").selectOption({ label: "Shell" });
    await inspector.getByLabel("Retries").fill("2");
    await inspector.getByLabel("Timeout (seconds)").fill("120");
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("heading", { name: "Timed", level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    const workflowId = new URL(page.url()).pathname.split("/").at(-1)!;
    const saved = (await api.get(`/api/v1/workflows/${workflowId}`, { token: user.access_token })).body;
    expect(saved.timeout_seconds).toBe(600);
    expect(saved.definition.nodes[0]).toMatchObject({ tool: "shell", retries: 2, timeout_seconds: 120 });
    await page.reload();
    expect(await page.getByLabel("Run timeout (seconds)").inputValue()).toBe("600");

    // No worker yet: the run is pending, and says so.
    await page.getByRole("button", { name: "Run workflow" }).click();
    const times = page.getByLabel("Run times");
    await times.waitFor();
    const runStatus = page.getByRole("status", { name: "Run status" });
    await expect.poll(() => runStatus.textContent()).toBe("Pending");
    await expect.poll(() => times.textContent()).toContain("not yet: waiting for a worker");
    expect(await times.textContent()).toContain("(timeout 10 min)");
    const runId = new URL(page.url()).pathname.split("/").at(-1)!;
    const run = (await api.get(`/api/v1/runs/${runId}`, { token: user.access_token })).body;
    expect(run.deadline_at).toBe(new Date(Date.parse(run.created_at) + 600_000).toISOString());
    await screenshot(page, "workflow-run-pending");
    // The overview lists it among the active runs, as pending.
    await goTo(page, "Overview");
    const active = page.getByRole("region", { name: "Running workflows" });
    await active.getByRole("link", { name: "Timed" }).waitFor();
    expect(await active.textContent()).toContain("Pending");
    await active.getByRole("link", { name: "Timed" }).click();
    await times.waitFor();

    // A worker picks the task up: the page turns to Running by itself.
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["shell"] });
    expect((await pull(api, key, worker.worker_id)).status).toBe(200);
    await expect.poll(() => runStatus.textContent(), { timeout: 30_000 }).toBe("Running");
    await expect.poll(() => times.textContent()).not.toContain("not yet");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => runStatus.textContent()).toBe("Cancelled");
  });

  it("shows a node whose task no worker has taken as waiting for a worker, and live as it runs and completes", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await signInAsNewUser(page, server.url);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["shell"] });
    const owner: Owner = { ...user, key, workerId: worker.worker_id };
    const as = { token: user.access_token };
    const created = await api.post(
      "/api/v1/workflows",
      {
        name: "Two steps",
        workflow_type: "sequential",
        definition: {
          nodes: [
            { id: "research", type: "task", tool: "shell", prompt: "echo research" },
            { id: "write", type: "task", tool: "shell", prompt: "echo write" },
          ],
        },
      },
      as,
    );
    const workflowId = created.body.workflow_id;
    const runId = (await api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, as)).body.run_id;
    await page.goto(`/workflows/${workflowId}/runs/${runId}`);
    const graph = page.getByRole("figure", { name: /^Run graph:/ });
    await graph.waitFor();
    // Live: the page hears events over its socket, and does not poll.
    await page.getByText("Live", { exact: true }).waitFor();

    // Dispatched, but its task is still in the queue: waiting, not running.
    await expect.poll(() => nodeRow(page, "research").textContent()).toContain("Waiting for a worker");
    expect(await graph.getAttribute("aria-label")).toBe("Run graph: research Waiting for a worker, write Pending");
    expect(await graph.textContent()).toContain("Waiting for a worker");
    // A sequential workflow saves no edges; the run graph draws the chain it runs.
    expect(await graph.locator('[aria-label="Edge from research to write"]').count()).toBe(1);
    await screenshot(page, "workflow-run-waiting-for-worker");

    const research = await pullNext(api, owner);
    expect(research.node_id).toBe("research");
    await answer(api, owner, research, { output: "notes" });
    // The next node is dispatched and waits in its turn; the run is running by now.
    await expect
      .poll(() => nodeRow(page, "write").textContent(), { timeout: 30_000 })
      .toContain("Waiting for a worker");
    expect(await nodeRow(page, "research").textContent()).toContain("Completed");

    // A worker taking the task changes neither the run nor the node, only the task: the page hears of it all the same.
    const write = await pullNext(api, owner);
    expect(write.node_id).toBe("write");
    await expect
      .poll(() => graph.getAttribute("aria-label"), { timeout: 30_000 })
      .toBe("Run graph: research Completed, write Running");
    expect(await nodeRow(page, "write").textContent()).toContain("Running");

    await answer(api, owner, write, { output: "text" });
    const runStatus = page.getByRole("status", { name: "Run status" });
    await expect.poll(() => runStatus.textContent(), { timeout: 30_000 }).toBe("Completed");
    expect(await graph.getAttribute("aria-label")).toBe("Run graph: research Completed, write Completed");
  });
});
