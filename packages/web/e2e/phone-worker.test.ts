// A phone as a worker, in Chromium emulating a phone (390x844, touch) against a real server and a local fake
// of the Anthropic API: it registers with a worker key, takes a task and completes it with the result and
// usage a Node worker reports, never sends the vendor key to our server, drains while hidden and on a low
// battery that is not charging, shows its battery on the Workers page, and deregisters on stop.
import { afterAll, describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import type { FakeServer } from "../../worker/test/fakes/index.ts";
import { startFakeAnthropic } from "../../worker/test/fakes/index.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, mainNavLink, signInAsNewUser } from "./support/flows.ts";

const vendorKey = "sk-ant-phone-only";
const reply = "Hello from the phone";
const model = "claude-haiku-4-5-20251001";
const pixel =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";

let vendor: FakeServer | undefined;
afterAll(() => vendor?.close());

const it = dashboardTest(async () => {
  vendor = await startFakeAnthropic({ apiKey: vendorKey, reply });
  return startTestServer({ heartbeatIntervalSeconds: 1, phoneWorkerOrigins: [vendor.url] });
});

/**
 * The device is the outermost edge. The battery: the page's navigator.getBattery answers what the test sets.
 * Visibility: headless Chromium keeps every tab visible (bringing another tab to the front, or CDP's
 * lifecycle states, change nothing), so the page's document says hidden or visible as the test sets it, with
 * the visibilitychange event a browser fires.
 */
const fakeDevice = `(() => {
  const battery = new EventTarget();
  battery.level = 0.8;
  battery.charging = false;
  navigator.getBattery = () => Promise.resolve(battery);
  window.__setBattery = (level, charging) => {
    battery.level = level;
    battery.charging = charging;
    battery.dispatchEvent(new Event("levelchange"));
    battery.dispatchEvent(new Event("chargingchange"));
  };
  let visibility = "visible";
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => visibility });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => visibility === "hidden" });
  window.__setVisibility = (state) => {
    visibility = state;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();`;

async function phonePage(newPage: (options: { mobile?: boolean; userAgent?: string }) => Promise<Page>) {
  const page = await newPage({ mobile: true, userAgent: pixel });
  await page.context().addInitScript(fakeDevice);
  return page;
}

async function setVisibility(page: Page, state: "hidden" | "visible") {
  await page.evaluate(
    (value) => (globalThis as unknown as { __setVisibility: (v: string) => void }).__setVisibility(value),
    state,
  );
}

async function setBattery(page: Page, level: number, charging: boolean) {
  await page.evaluate(
    ([l, c]) =>
      (globalThis as unknown as { __setBattery: (l: number, c: boolean) => void }).__setBattery(
        l as number,
        c as boolean,
      ),
    [level, charging] as const,
  );
}

describe.skipIf(chromiumMissing())("phone worker", () => {
  it("takes a task, drains while hidden and on low battery, shows its battery, and deregisters", async ({
    server,
    newPage,
  }) => {
    const page = await phonePage(newPage);
    const serverRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(server.url)) {
        serverRequests.push(`${request.url()} ${JSON.stringify(request.headers())} ${request.postData() ?? ""}`);
      }
    });
    const user = await signInAsNewUser(page, server.url);
    const api = apiClient(server.url);
    const token = { token: user.access_token };

    await (await mainNavLink(page, "Phone")).click();
    await page.getByRole("heading", { name: "Work on this phone", level: 1 }).waitFor();
    await page.getByText("Keys stay on this phone").waitFor();
    await page.getByLabel("Anthropic API key").fill(vendorKey);
    await page.getByLabel("Anthropic API base URL").fill(vendor!.url);
    await screenshot(page, "phone-worker-settings");
    await page.getByRole("button", { name: "Work on this phone" }).click();
    await page.getByText("Working: takes tasks").waitFor();

    const workers = await api.get("/api/v1/workers", token);
    expect(workers.body.items).toHaveLength(1);
    const worker = workers.body.items[0];
    expect(worker).toMatchObject({ platform: "android", status: "online", slots: 1, cpu_percent: null });
    expect(worker.tools).toEqual([expect.objectContaining({ name: "anthropic", healthy: true })]);
    const keys = await api.get("/api/v1/keys", token);
    expect(keys.body.items).toEqual([expect.objectContaining({ scope: "worker", revoked_at: null })]);

    // A task reaches the phone, which calls the vendor itself and reports what a Node worker reports.
    const first = await createTask(api, user.access_token, "first from the phone");
    const done = await waitForTask(api, user.access_token, first, "completed");
    expect(done.result.output).toBe(reply);
    expect(done.result.usage).toEqual({
      input_tokens: 25,
      output_tokens: 4,
      cost_usd: expect.closeTo((25 * 1 + 4 * 5) / 1_000_000, 12),
    });
    expect(done.result.detail).toMatchObject({ model, stop_reason: "end_turn", message_id: "msg_01FakeXyZ" });
    expect(done.result.detail.price_table).toMatch(/genai-prices/);
    expect(done.ran_on).toMatchObject({ worker_id: worker.worker_id });
    const call = vendor!.requests.find((request) => request.method === "POST");
    expect(call?.headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    expect(call?.headers["x-api-key"] ?? call?.headers.authorization).toContain(vendorKey);
    await page.getByText("Tasks done: 1").waitFor();
    await screenshot(page, "phone-worker-working");

    // Hidden (another app in front, the screen off): it takes nothing, and says why.
    await setVisibility(page, "hidden");
    await page.getByText("Paused: takes no new tasks").waitFor();
    await page.getByText("the page is not visible").waitFor();
    const hiddenTask = await createTask(api, user.access_token, "while hidden");
    await heartbeatsPass(api, user.access_token, worker.worker_id, 2);
    expect((await api.get(`/api/v1/tasks/${hiddenTask}`, token)).body.status).toBe("queued");
    await setVisibility(page, "visible");
    await waitForTask(api, user.access_token, hiddenTask, "completed");

    // Low battery, not charging: it drains, says why, and the Workers page shows the battery.
    await setBattery(page, 0.15, false);
    await page.getByText("the battery is below 20% and not charging").waitFor();
    const lowTask = await createTask(api, user.access_token, "on low battery");
    await heartbeatsPass(api, user.access_token, worker.worker_id, 2);
    expect((await api.get(`/api/v1/tasks/${lowTask}`, token)).body.status).toBe("queued");
    await screenshot(page, "phone-worker-paused-battery");
    const onServer = await api.get(`/api/v1/workers/${worker.worker_id}`, token);
    expect(onServer.body.battery).toEqual({ level_percent: 15, charging: false });

    // The Workers page, reached in the app, while the phone keeps its worker.
    await goTo(page, "Workers");
    const card = page.getByRole("article", { name: worker.machine_name });
    await card.getByText("15%").waitFor();
    await screenshot(page, "phone-worker-workers-page");

    // Charging again: it takes the waiting task, and the card follows the battery live.
    await setBattery(page, 0.16, true);
    await card.getByText("16%, charging").waitFor();
    await waitForTask(api, user.access_token, lowTask, "completed");

    // Stop deregisters: the worker is gone and its key revoked.
    await (await mainNavLink(page, "Phone")).click();
    await page.getByRole("button", { name: "Stop working on this phone" }).click();
    await page.getByRole("button", { name: "Work on this phone" }).waitFor();
    expect((await api.get("/api/v1/workers", token)).body.items).toEqual([]);
    const revoked = await api.get("/api/v1/keys", token);
    expect(revoked.body.items.filter((key: { revoked_at: string | null }) => key.revoked_at === null)).toEqual([]);

    // The vendor key went to the vendor only.
    expect(serverRequests.length).toBeGreaterThan(0);
    expect(serverRequests.filter((entry) => entry.includes(vendorKey))).toEqual([]);
  });
});

async function createTask(api: ReturnType<typeof apiClient>, token: string, description: string): Promise<string> {
  const created = await api.post(
    "/api/v1/tasks",
    { description, prompt: `Say hello (${description})`, tool: "anthropic", model },
    { token },
  );
  expect(created.status).toBe(201);
  return created.body.task_id;
}

async function waitForTask(api: ReturnType<typeof apiClient>, token: string, taskId: string, status: string) {
  await expect
    .poll(async () => (await api.get(`/api/v1/tasks/${taskId}`, { token })).body.status, { timeout: 20_000 })
    .toBe(status);
  return (await api.get(`/api/v1/tasks/${taskId}`, { token })).body;
}

/** Waits until the worker has sent `count` more heartbeats: the phone has had time to take a task, and did not. */
async function heartbeatsPass(api: ReturnType<typeof apiClient>, token: string, workerId: string, count: number) {
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        const at = (await api.get(`/api/v1/workers/${workerId}`, { token })).body.last_heartbeat_at as string;
        seen.add(at);
        return seen.size;
      },
      { timeout: 20_000, interval: 200 },
    )
    .toBeGreaterThan(count);
}
