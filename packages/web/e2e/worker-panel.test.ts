// The worker's control panel (the desktop app) in a real Chromium: a real worker process started with --ui
// and no server, opened as `garageswarm worker open` opens it, connected from the Connect page to a real
// server, set up on Settings, its tools on Tools, a task's output streaming on Status, pause/resume, drain and
// start. Then what a hostile web page open in the same browser can do to it: nothing.

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { openedUrl, type PanelWorker, spawnPanelWorker } from "../../worker/test/e2e/panel-support.ts";
import { cleanUpWorkers, taskEnded } from "../../worker/test/e2e/support.ts";
import { chromiumMissing, chromiumPath, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";

const it = dashboardTest();
// Each test starts worker processes and the CLI (`worker open`): hang guards for a loaded 2-core machine.
const slow = { timeout: 240_000 };

interface Session {
  panel: PanelWorker;
  page: Page;
  user: TestUser;
  key: string;
}

let session: Session | null = null;

function current(): Session {
  if (!session) throw new Error("the first test sets up the panel");
  return session;
}

async function goTo(page: Page, name: "Status" | "Tools" | "Settings" | "Connect") {
  await page.getByRole("navigation", { name: "Panel" }).getByRole("link", { name }).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

/** Waits for a value the page or server reaches on its own: worker processes start and restart slowly under load. */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 30_000 });
}

function stateBadge(page: Page) {
  return page.locator("#worker-heading .badge");
}

describe.skipIf(chromiumMissing())("the worker's control panel", () => {
  afterAll(async () => {
    await cleanUpWorkers();
  });

  it(
    "connects a new worker: an unknown pairing code and a refused key are said so, a good key connects",
    slow,
    async ({ server, browser }) => {
      const api = apiClient(server.url);
      const user = await createUser(api);
      const key = await createApiKey(api, user, "panel worker");
      const panel = await spawnPanelWorker({ args: ["--name", "garage-laptop"] });
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      session = { panel, page, user, key };

      await page.goto(await openedUrl(panel.stateDir));
      await page.getByRole("heading", { name: "Status", level: 1 }).waitFor();
      // The secret was exchanged for a cookie and is gone from the address bar.
      expect(page.url()).toBe(`${panel.url}/`);
      await poll(() => stateBadge(page).textContent()).toBe("Not connected");
      await screenshot(page, "panel-status-not-connected");

      await goTo(page, "Connect");
      await page.getByLabel("Server URL").fill(server.url);
      await page.getByLabel("Pairing code").fill("K7Q-2ZP");
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      // No such code (or, before the enrolment endpoint exists, no endpoint): the server's no, on the page.
      await poll(() => page.getByRole("alert").textContent()).toMatch(/code/);

      await page.getByLabel("Pairing code").fill("");
      await page.getByText("Use an API key instead").click();
      await page.getByLabel("API key").fill("gs_notakeyofthisserver");
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.getByRole("heading", { name: "Status", level: 1 }).waitFor();
      await poll(() => stateBadge(page).textContent()).toBe("Failed");
      await poll(() => page.getByRole("alert").textContent()).toMatch(/refused the API key/);

      await goTo(page, "Connect");
      await page.getByText("Use an API key instead").click();
      await page.getByLabel("API key").fill(key);
      await screenshot(page, "panel-connect");
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.getByRole("heading", { name: "Status", level: 1 }).waitFor();
      await poll(() => stateBadge(page).textContent()).toBe("Connected");
      const config = JSON.parse(await readFile(join(panel.stateDir, "config.json"), "utf8"));
      expect(config).toMatchObject({ server: server.url, key });

      const workers = await api.get("/api/v1/workers", { token: user.access_token });
      expect(workers.body.items.map((worker: { machine_name: string }) => worker.machine_name)).toEqual([
        "garage-laptop",
      ]);
    },
  );

  it("saves settings to config.json and applies them: the shell tool appears on Tools", slow, async () => {
    const { page, panel } = current();
    await goTo(page, "Settings");
    await page.getByLabel("Enable the shell tool").check();
    await page.getByLabel("Slots").fill("2");
    await page.getByLabel("Labels").fill("gpu, garage");
    await page.getByRole("group", { name: "Max concurrent per tool" }).getByLabel("shell").fill("1");
    await page.getByRole("group", { name: "Allow unsafe agent modes" }).getByLabel("codex_cli").check();
    await page.getByRole("button", { name: "Save and apply" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    // The name came from --name: shown, not editable.
    expect(await page.getByLabel("Name").isDisabled()).toBe(true);
    await page.getByText("Set by --name").waitFor();
    await screenshot(page, "panel-settings");
    const config = JSON.parse(await readFile(join(panel.stateDir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      enable_shell: true,
      slots: 2,
      labels: ["gpu", "garage"],
      max_concurrent: { shell: 1 },
      allow_unsafe_agent_modes: ["codex_cli"],
    });

    // A bad value is refused, naming the field, and nothing is saved.
    await page.getByLabel("Slots").fill("0");
    await page.getByRole("button", { name: "Save and apply" }).click();
    await page.getByText("Slots must be at least 1").waitFor();
    expect(JSON.parse(await readFile(join(panel.stateDir, "config.json"), "utf8")).slots).toBe(2);

    await goTo(page, "Tools");
    const shell = page.getByRole("row", { name: "shell" });
    await poll(() => shell.count()).toBe(1);
    expect(await shell.textContent()).toContain("healthy");
    expect(await shell.textContent()).toContain("1");
    await screenshot(page, "panel-tools");
  });

  it(
    "streams a running task's output, lists its result, holds tasks back while paused, drains and starts",
    slow,
    async ({ server }) => {
      const { page, user } = current();
      const api = apiClient(server.url);
      await goTo(page, "Status");
      await poll(() => stateBadge(page).textContent()).toBe("Connected");
      expect(await page.getByRole("list", { name: "Slots" }).textContent()).toMatch(/0\s*slots used\s*2\s*slots free/);

      const created = await api.post(
        "/api/v1/tasks",
        { description: "two lines", tool: "shell", prompt: "echo first line; sleep 3; echo second line" },
        { token: user.access_token },
      );
      expect(created.status).toBe(201);
      const taskId = created.body.task_id as string;
      const output = page.getByRole("log", { name: `Output of ${taskId}` });
      await poll(() => output.textContent().catch(() => "")).toContain("first line");
      await screenshot(page, "panel-status");
      // The task then ends: it leaves Current tasks for Recent results, with the start of its answer.
      const results = page.getByRole("table", { name: "Recent results" });
      await poll(() => results.textContent().catch(() => "")).toContain("second line");
      expect(await results.textContent()).toContain("completed");
      expect(await results.textContent()).toContain("echo first line");
      expect((await taskEnded(api, user.access_token, taskId)).status).toBe("completed");

      await page.getByRole("button", { name: "Pause" }).click();
      await poll(() => stateBadge(page).textContent()).toBe("Paused");
      const held = await api.post(
        "/api/v1/tasks",
        { description: "after the pause", tool: "shell", prompt: "echo resumed" },
        { token: user.access_token },
      );
      expect(held.status).toBe(201);
      const heldId = held.body.task_id as string;
      expect((await api.get(`/api/v1/tasks/${heldId}`, { token: user.access_token })).body.status).toBe("queued");
      await page.getByRole("button", { name: "Resume" }).click();
      expect((await taskEnded(api, user.access_token, heldId)).status).toBe("completed");
      await poll(() => results.textContent().catch(() => "")).toContain("echo resumed");

      await page.getByRole("button", { name: "Drain" }).click();
      await poll(() => stateBadge(page).textContent()).toBe("Disconnected");
      await page.getByRole("button", { name: "Start" }).click();
      await poll(() => stateBadge(page).textContent()).toBe("Connected");
    },
  );

  it(
    "gives a hostile page in the same browser nothing: its form post and its rebound name are refused",
    slow,
    async () => {
      const { page, panel } = current();
      // A page on another origin (another port of 127.0.0.1) that posts a form to the panel as it loads.
      const attacker: Server = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "text/html" });
        response.end(`<form id="f" method="post" action="${panel.url}/control/drain"></form>
        <script>document.getElementById("f").submit()</script>`);
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      const attackerPort = (attacker.address() as { port: number }).port;
      try {
        const evil = await page.context().newPage();
        const answer = evil.waitForResponse((response) => response.url() === `${panel.url}/control/drain`);
        await evil.goto(`http://127.0.0.1:${attackerPort}/`);
        // Refused: the SameSite=Strict cookie stays home and the Origin is not the panel's.
        expect([401, 403]).toContain((await answer).status());
        await evil.close();
      } finally {
        await new Promise<void>((resolve) => attacker.close(() => resolve()));
      }
      await page.reload();
      await poll(() => stateBadge(page).textContent()).toBe("Connected");

      // DNS rebinding: a name the attacker controls resolves to 127.0.0.1; the browser sends that name as Host.
      const rebinding = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP evil.test 127.0.0.1"],
      });
      try {
        const port = new URL(panel.url).port;
        const rebound = await (await rebinding.newPage()).goto(`http://evil.test:${port}/api/state`);
        expect(rebound?.status()).toBe(403);
        expect(await rebound?.text()).toContain('"field":"Host"');
      } finally {
        await rebinding.close();
      }
    },
  );
});
