// The workflow editor as an editor (issue 13 §4): undo/redo, copy/paste/duplicate, free-space placement,
// positions kept across save and reload, a guard against losing unsaved work, condition nodes with true/false
// outputs and a condition builder, template autocomplete, whole-file YAML import, the workflow's settings and
// a run-input form built from the {{input.x}} the workflow uses.
import { describe, expect } from "vitest";
import { parse } from "yaml";
import { apiClient } from "../../../test/support/http.ts";
import { createUser } from "../../../test/support/users.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, signInAs, signInAsNewUser } from "./support/flows.ts";

const it = dashboardTest();

const node = (page: Page, name: string) => page.getByRole("group", { name, exact: true });

async function definitionText(page: Page) {
  return parse(await page.getByRole("textbox", { name: "Definition (YAML)" }).inputValue());
}

/** Where React Flow draws a node, in canvas units (its transform), so zoom does not matter. */
async function canvasPosition(page: Page, id: string) {
  const transform = await page.locator(`.react-flow__node[data-id="${id}"]`).evaluate((el) => el.style.transform);
  const match = /translate\(([-\d.]+)px, ?([-\d.]+)px\)/.exec(transform);
  if (!match) throw new Error(`no position in ${transform}`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

async function dragBetween(page: Page, fromLabel: string, toLabel: string) {
  const source = await page.getByLabel(fromLabel, { exact: true }).boundingBox();
  const target = await page.getByLabel(toLabel, { exact: true }).boundingBox();
  if (!source || !target) throw new Error("handle not on screen");
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}

function overlap(a: { x: number; y: number; width: number; height: number }, b: typeof a) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const shipFeature = `name: ship-feature
workflow_type: graph
input: { feature: dark mode }
schedule: { cron: "0 9 * * 1-5", timezone: UTC }
definition:
  nodes:
    - { id: generate, type: task, tool: claude_code, prompt: "Write code for {{input.feature}} in {{input.language}}", retries: 2, timeout_seconds: 900 }
    - { id: test,     type: task, tool: claude_code, prompt: "Run the tests" }
    - { id: passed,   type: condition, expression: { in: [PASS, { var: nodes.test.output }] } }
    - { id: deploy,   type: task, tool: claude_code, prompt: Deploy }
    - { id: fix,      type: task, tool: claude_code, prompt: "Fix: {{nodes.test.output}}" }
  edges:
    - { from: generate, to: test }
    - { from: test, to: passed }
    - { from: passed, to: deploy, when: true }
    - { from: passed, to: fix, when: false }
    - { from: fix, to: generate, loop: true, max_iterations: 3 }
`;

describe.skipIf(chromiumMissing())("dashboard: the workflow editor as an editor", () => {
  it("places new nodes in free space, and undoes and redoes", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await node(page, "Task node task_1").waitFor();

    // Added by click: each in free space, none on top of another.
    for (const type of ["approval", "approval", "task"]) {
      await page.getByRole("button", { name: `Add ${type} node` }).click();
    }
    const names = ["Task node task_1", "Approval node approval_1", "Approval node approval_2", "Task node task_2"];
    const boxes = [];
    for (const name of names) boxes.push((await node(page, name).boundingBox())!);
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    await screenshot(page, "workflow-editor-free-space");
    await expectAccessible(page);

    // Delete, then Ctrl+Z brings it back and Ctrl+Shift+Z deletes it again.
    await node(page, "Approval node approval_2").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => node(page, "Approval node approval_2").count()).toBe(0);
    await page.keyboard.press("Control+z");
    await node(page, "Approval node approval_2").waitFor();
    await page.keyboard.press("Control+Shift+z");
    await expect.poll(() => node(page, "Approval node approval_2").count()).toBe(0);
    await page.getByRole("button", { name: "Undo" }).click();
    await node(page, "Approval node approval_2").waitFor();
    await page.getByRole("button", { name: "Redo" }).click();
    await expect.poll(() => node(page, "Approval node approval_2").count()).toBe(0);
  });

  it("copies, pastes and duplicates nodes; keyboard focus on a node is visible; a minimap shows the graph", async ({
    server,
    page,
  }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByRole("button", { name: "Add approval node" }).click();
    await page.getByRole("button", { name: "Add task node" }).click();

    // Copy and paste a node: a copy under a fresh id, beside the original, not on it.
    await node(page, "Task node task_1").click();
    await page.getByRole("region", { name: "Task node task_1" }).getByLabel("Display name").fill("Write it");
    await node(page, "Task node task_1").click();
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await node(page, "Task node task_1_copy").waitFor();
    const copy = (await definitionText(page)).nodes.find((n: { id: string }) => n.id === "task_1_copy");
    expect(copy).toMatchObject({ type: "task", name: "Write it", tool: "claude_code" });
    const original = (await node(page, "Task node task_1").boundingBox())!;
    expect(overlap(original, (await node(page, "Task node task_1_copy").boundingBox())!)).toBe(false);
    // Duplicate (button) the selected copy.
    await page.getByRole("button", { name: "Duplicate" }).click();
    await node(page, "Task node task_1_copy_2").waitFor();
    // One undo takes the duplicate away.
    await page.keyboard.press("Control+z");
    await expect.poll(() => node(page, "Task node task_1_copy_2").count()).toBe(0);

    await page.getByRole("button", { name: "Fit View" }).click();
    // Keyboard focus on a node is visible: Tab from one node to the next.
    await node(page, "Task node task_1").focus();
    await page.keyboard.press("Tab");
    const focused = page.locator(".react-flow__node:focus-visible .flow-node");
    await expect.poll(() => focused.count()).toBe(1);
    const outline = await focused.evaluate((el) => {
      const view = globalThis as unknown as { getComputedStyle(element: unknown): { outlineStyle: string } };
      return view.getComputedStyle(el).outlineStyle;
    });
    expect(outline).toBe("solid");
    await page
      .getByRole("img", { name: /Minimap/ })
      .or(page.locator(".react-flow__minimap"))
      .first()
      .waitFor();
    await screenshot(page, "workflow-editor-copy-paste-minimap");
    await expectAccessible(page);
  });

  it("keeps the layout: positions are saved in the definition and drawn again after a reload", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await signInAs(page, user);
    await page.goto("/workflows/new");
    await page.getByLabel("Name", { exact: true }).fill("Laid out");
    await page.getByRole("button", { name: "Add approval node" }).click();
    const box = (await node(page, "Task node task_1").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 180, box.y + 130, { steps: 10 });
    await page.mouse.up();
    const moved = await canvasPosition(page, "task_1");
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("heading", { name: "Laid out", level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    const workflowId = new URL(page.url()).pathname.split("/").at(-1)!;
    const saved = (await api.get(`/api/v1/workflows/${workflowId}`, { token: user.access_token })).body;
    expect(saved.definition.nodes[0].position).toEqual({ x: Math.round(moved.x), y: Math.round(moved.y) });
    // The text view is about the work; positions stay out of it.
    expect((await definitionText(page)).nodes[0].position).toBeUndefined();

    await page.reload();
    await node(page, "Task node task_1").waitFor();
    expect(await canvasPosition(page, "task_1")).toEqual({ x: Math.round(moved.x), y: Math.round(moved.y) });
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  });

  it("asks before leaving with unsaved changes", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByLabel("Name", { exact: true }).fill("Half done");
    await page.getByRole("status").filter({ hasText: "Unsaved changes" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tasks" }).click();
    const dialog = page.getByRole("dialog", { name: "Leave without saving?" });
    await dialog.waitFor();
    await screenshot(page, "workflow-editor-unsaved-guard");
    await expectAccessible(page);
    await dialog.getByRole("button", { name: "Stay and keep editing" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Half done");

    // Closing the tab gets the browser's own prompt.
    const prompts: string[] = [];
    page.once("dialog", async (prompt) => {
      prompts.push(prompt.type());
      await prompt.dismiss();
    });
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => prompts).toEqual(["beforeunload"]);
  });

  it("leaves unsaved work when the person says so", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByRole("button", { name: "Add approval node" }).click();
    await page.getByRole("link", { name: "← All workflows" }).click();
    const dialog = page.getByRole("dialog", { name: "Leave without saving?" });
    await dialog.getByRole("button", { name: "Leave and discard changes" }).click();
    await page.getByRole("heading", { name: "Workflows", level: 1 }).waitFor();
  });

  it("gives condition nodes true and false outputs, a condition builder, and prompts autocomplete", async ({
    server,
    page,
  }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    await page.getByRole("button", { name: "Add condition node" }).click();
    await page.getByRole("button", { name: "Add task node" }).click();
    await page.getByRole("button", { name: "Add approval node" }).click();
    await page.getByRole("button", { name: "Fit View" }).click();

    await dragBetween(page, "Output of task_1", "Input of condition_1");
    await dragBetween(page, "True output of condition_1", "Input of task_2");
    await dragBetween(page, "False output of condition_1", "Input of approval_1");
    await expect
      .poll(async () => (await definitionText(page)).edges)
      .toEqual([
        { from: "task_1", to: "condition_1", on: "success", loop: false },
        { from: "condition_1", to: "task_2", when: true, on: "success", loop: false },
        { from: "condition_1", to: "approval_1", when: false, on: "success", loop: false },
      ]);
    await page.getByText("if true", { exact: true }).waitFor();
    await page.getByText("if false", { exact: true }).waitFor();

    // The builder writes the JSON Logic; the JSON field shows it.
    await node(page, "Condition node condition_1").click();
    const builder = page.getByRole("group", { name: "True when" });
    await builder.getByLabel("Field").fill("nodes.task_1.output");
    await builder.getByLabel("Operator").selectOption({ label: "contains" });
    await builder.getByLabel("Value").fill("PASS");
    await expect
      .poll(async () => (await definitionText(page)).nodes[1].expression)
      .toEqual({ in: ["PASS", { var: "nodes.task_1.output" }] });
    expect(JSON.parse(await page.getByLabel("Expression (JSON Logic)").inputValue())).toEqual({
      in: ["PASS", { var: "nodes.task_1.output" }],
    });
    await screenshot(page, "workflow-editor-condition-builder");
    await expectAccessible(page);

    // Typing {{ in a prompt lists what it may use; Enter inserts the highlighted one.
    await node(page, "Task node task_2").click();
    const prompt = page.getByRole("region", { name: "Task node task_2" }).getByLabel("Prompt");
    await prompt.fill("");
    await prompt.pressSequentially("Ship {{nodes.ta");
    const list = page.getByRole("listbox", { name: "Template variables" });
    await list.getByRole("option", { name: /\{\{nodes\.task_1\.output\}\}/ }).waitFor();
    await screenshot(page, "workflow-editor-autocomplete");
    await expectAccessible(page);
    await page.keyboard.press("Enter");
    await expect.poll(() => prompt.inputValue()).toBe("Ship {{nodes.task_1.output}}");
    await list.waitFor({ state: "hidden" });
  });

  it("imports the documented workflow YAML from the list by paste, file and URL", async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    await signInAs(page, user);
    await goTo(page, "Workflows");
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByLabel("Workflow YAML or JSON").fill(shipFeature);
    await screenshot(page, "workflows-import");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Import workflow" }).click();
    await page.getByRole("heading", { name: "ship-feature", level: 1 }).waitFor();
    // Everything in the file came along: input, schedule, the graph with its branches.
    expect(JSON.parse(await page.getByLabel("Default input (JSON)").inputValue())).toEqual({ feature: "dark mode" });
    expect(await page.getByLabel("Schedule (cron)").inputValue()).toBe("0 9 * * 1-5");
    await node(page, "Condition node passed").waitFor();
    await page.getByText("if false", { exact: true }).waitFor();

    // A file picked from disk.
    await goTo(page, "Workflows");
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByLabel("Open a file…").setInputFiles({
      name: "from-file.yaml",
      mimeType: "text/yaml",
      buffer: Buffer.from(shipFeature.replace("name: ship-feature", "name: from-file")),
    });
    await page.getByRole("heading", { name: "from-file", level: 1 }).waitFor();

    // A URL, fetched by the browser (same origin here; another origin must allow it with CORS).
    const url = `${server.url}/examples/from-url.yaml`;
    await page.route(url, (route) =>
      route.fulfill({ contentType: "text/yaml", body: shipFeature.replace("name: ship-feature", "name: from-url") }),
    );
    await goTo(page, "Workflows");
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByLabel("Workflow URL").fill(url);
    await page.getByRole("button", { name: "Fetch" }).click();
    await page.getByRole("heading", { name: "from-url", level: 1 }).waitFor();

    const listed = (await api.get("/api/v1/workflows", { token: user.access_token })).body.items;
    expect(listed.map((workflow: { name: string }) => workflow.name).sort()).toEqual([
      "from-file",
      "from-url",
      "ship-feature",
    ]);
    expect(listed[0].schedule).toEqual({ cron: "0 9 * * 1-5", timezone: "UTC" });
  });

  it("applies a whole workflow file dropped on the definition text", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await page.goto("/workflows/new");
    const text = page.getByRole("textbox", { name: "Definition (YAML)" });
    await text.waitFor();
    // A file dropped from the desktop, as the browser delivers it.
    await page.evaluate(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([${JSON.stringify(shipFeature)}], "ship.yaml", { type: "text/yaml" }));
      const area = [...document.querySelectorAll("textarea")].find((el) => el.labels[0]?.textContent === "Definition (YAML)");
      area.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })()`);
    await node(page, "Task node generate").waitFor();
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("ship-feature");
    expect(await node(page, "Task node task_1").count()).toBe(0);
  });

  it("edits the schedule, the enabled flag and the default input, and builds the run form from {{input.x}}", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const as = { token: user.access_token };
    const created = await api.post(
      "/api/v1/workflows",
      {
        name: "Inputs",
        input: { feature: "dark mode" },
        definition: {
          nodes: [
            { id: "gate", type: "approval", message: "Build {{input.feature}} for {{input.platform}}?" },
            { id: "write", type: "task", tool: "shell", prompt: "echo {{input.feature}} {{input.platform}}" },
          ],
          edges: [{ from: "gate", to: "write" }],
        },
      },
      as,
    );
    const workflowId = created.body.workflow_id;
    await signInAs(page, user);
    await page.goto(`/workflows/${workflowId}`);
    await page.getByRole("heading", { name: "Inputs", level: 1 }).waitFor();

    await page.getByLabel("Schedule (cron)").fill("30 6 * * *");
    await page.getByLabel("Time zone").fill("Europe/Berlin");
    await page.getByLabel("Default input (JSON)").fill('{"feature": "search", "platform": "web"}');
    await page.getByLabel("Default input (JSON)").blur();
    await page.getByLabel(/^Enabled/).uncheck();
    await screenshot(page, "workflow-editor-settings");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    const saved = (await api.get(`/api/v1/workflows/${workflowId}`, as)).body;
    expect(saved).toMatchObject({
      status: "disabled",
      schedule: { cron: "30 6 * * *", timezone: "Europe/Berlin" },
      input: { feature: "search", platform: "web" },
    });

    // Enable it again; the run form has a field per {{input.x}}, filled with the defaults.
    await page.getByLabel(/^Enabled/).check();
    await page.getByRole("button", { name: "Save workflow" }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await page.reload();
    const form = page.getByRole("group", { name: "Run input" });
    expect(await form.getByLabel("feature", { exact: true }).inputValue()).toBe("search");
    expect(await form.getByLabel("platform", { exact: true }).inputValue()).toBe("web");
    await form.getByLabel("platform", { exact: true }).fill("ios");
    await screenshot(page, "workflow-run-input-form");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Run workflow" }).click();
    await page.getByLabel("Run times").waitFor();
    const runId = new URL(page.url()).pathname.split("/").at(-1)!;
    const run = (await api.get(`/api/v1/runs/${runId}`, as)).body;
    expect(run.input).toEqual({ feature: "search", platform: "ios" });
  });
});
