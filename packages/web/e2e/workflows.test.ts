// The workflow editor in a real browser: build a 4-node workflow with the mouse, save it, get the
// server's validation errors on the node they name, and round-trip the definition through YAML/JSON.
import { describe, expect } from "vitest";
import { parse } from "yaml";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { pull, registerWorker } from "../../server/test/queue.support.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { connectNodes as connect, dragPaletteItem, goTo, signInAs, signInAsNewUser } from "./support/flows.ts";

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
});
