// The dashboard as an installable PWA on a phone (Chromium, 390x844, touch): a valid manifest linked from
// the page with its icons, a service worker that takes control and serves the shell offline, and a push
// notification that reaches it and is shown.
//
// How the push gets there without leaving this machine: Chromium's real `pushManager.subscribe()` registers
// with Google's FCM, which a test must never reach (the browser runs with loopbackOnlyArgs, so it could not
// anyway). The test instead subscribes a device it makes itself (a key pair it holds) at a fake push service
// on 127.0.0.1, through the same API the page uses. The server encrypts and sends the notification there; the
// fake checks the VAPID signature and decrypts it as a browser would; the test then hands the decrypted
// payload to the page's service worker with DevTools' `ServiceWorker.deliverPushMessage`, the step a push
// service's connection would take, and reads the notification the worker shows.
import { describe, expect } from "vitest";
import { type FakePushService, startFakePushService } from "../../../test/fakes/push-service.ts";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { chromiumMissing, loopbackOnlyArgs, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, signInAs } from "./support/flows.ts";

let pushService: FakePushService | undefined;

const it = dashboardTest(
  async () => {
    pushService = await startFakePushService();
    const server = await startTestServer({ pushServiceOrigins: [pushService.origin] });
    const close = async () => {
      await server.close();
      await pushService?.close();
    };
    return { ...server, close };
  },
  { browserArgs: loopbackOnlyArgs },
);

// Run in the page (as strings: this file is type-checked for Node, without the DOM's globals).
const inPage = {
  workerReady: "navigator.serviceWorker.ready.then(() => true)",
  controllerState: "navigator.serviceWorker.controller?.state ?? null",
  controllerScript: "navigator.serviceWorker.controller?.scriptURL ?? null",
  cachedPaths: `(async () => {
    const paths = [];
    for (const name of await caches.keys())
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    return paths;
  })()`,
  notifications: `navigator.serviceWorker.ready
    .then((registration) => registration.getNotifications())
    .then((shown) => shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))`,
};

async function controlledBy(page: Page): Promise<string | null> {
  await page.evaluate(inPage.workerReady);
  await expect.poll(() => page.evaluate<string | null>(inPage.controllerState)).toBe("activated");
  return page.evaluate<string | null>(inPage.controllerScript);
}

describe.skipIf(chromiumMissing())("the dashboard as a PWA on a phone", () => {
  it("links a valid web app manifest with its icons", async ({ newPage, server }) => {
    const page = await newPage({ mobile: true });
    await page.goto("/");
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(href).toBe("/manifest.webmanifest");
    const answer = await page.request.get(href!);
    expect(answer.status()).toBe(200);
    expect(answer.headers()["content-type"]).toMatch(/^application\/manifest\+json/);
    const manifest = await answer.json();
    expect(manifest).toMatchObject({
      name: "GarageSwarm",
      short_name: "GarageSwarm",
      start_url: "/",
      scope: "/",
      display: "standalone",
    });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/);
    expect(await page.locator('meta[name="theme-color"]').getAttribute("content")).toBe(manifest.theme_color);

    // Every icon is the PNG, of the size, it says; one is maskable.
    const sizes = [];
    for (const icon of manifest.icons) {
      const image = await page.request.get(new URL(icon.src, server.url).href);
      expect(image.status(), icon.src).toBe(200);
      const bytes = await image.body();
      expect(bytes.subarray(1, 4).toString("ascii")).toBe("PNG");
      const size = `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
      expect(size, icon.src).toBe(icon.sizes);
      sizes.push(`${size} ${icon.purpose}`);
    }
    expect(sizes).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));

    // What Chromium itself makes of the manifest: no errors, and installable.
    const cdp = await page.context().newCDPSession(page);
    const parsed = await cdp.send("Page.getAppManifest");
    expect(parsed.errors).toEqual([]);
    expect(parsed.url).toBe(new URL("/manifest.webmanifest", server.url).href);
  });

  it("registers a service worker that controls the page and serves the shell offline, never the API", async ({
    newPage,
    server,
  }) => {
    const page = await newPage({ mobile: true });
    const user = await createUser(apiClient(server.url));
    await signInAs(page, user);
    expect(await controlledBy(page)).toBe(new URL("/sw.js", server.url).href);
    const cached = await page.evaluate<string[]>(inPage.cachedPaths);
    expect(cached).toContain("/");
    expect(cached).toContain("/manifest.webmanifest");
    expect(cached.some((path) => path.startsWith("/assets/index-"))).toBe(true);

    // Offline, the shell still starts (it then says the server cannot be reached), and nothing of the API
    // was ever put in the cache.
    await page.context().setOffline(true);
    await page.goto("/tasks");
    await expect.poll(() => page.locator("#root").count()).toBe(1);
    await page.context().setOffline(false);
    const afterOffline = await page.evaluate<string[]>(inPage.cachedPaths);
    expect(afterOffline.filter((path) => path.startsWith("/api/"))).toEqual([]);
  });

  it("shows the notification a push brings, and lists and removes the user's devices", async ({ newPage, server }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const page = await newPage({ mobile: true });
    await page.context().grantPermissions(["notifications"], { origin: server.url });
    await signInAs(page, user);
    await controlledBy(page);

    // A device of this user's, subscribed at the fake push service (see the top of this file).
    const device = pushService!.subscribe();
    const added = await api.post(
      "/api/v1/push/subscriptions",
      { endpoint: device.endpoint, keys: device.keys, label: "Test phone" },
      { token: user.access_token },
    );
    expect(added.status).toBe(201);

    const workflow = await api.post(
      "/api/v1/workflows",
      {
        name: "nightly release",
        workflow_type: "sequential",
        definition: { nodes: [{ id: "ship", type: "approval", message: "Ship tonight's build?" }] },
      },
      { token: user.access_token },
    );
    const run = await api.post(`/api/v1/workflows/${workflow.body.workflow_id}/execute`, undefined, {
      token: user.access_token,
    });
    await expect.poll(() => pushService!.received.filter((push) => push.device === device).length).toBe(1);
    const push = pushService!.received.find((received) => received.device === device)!;
    expect(pushService!.refused).toEqual([]);

    const cdp = await page.context().newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
    await cdp.send("ServiceWorker.enable");
    await expect.poll(() => registrations.length).toBeGreaterThan(0);
    const registration = registrations.find((entry) => entry.scopeURL === new URL("/", server.url).href)!;
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: new URL(server.url).origin,
      registrationId: registration.registrationId,
      data: JSON.stringify(push.payload),
    });

    const shown = () => page.evaluate<unknown[]>(inPage.notifications);
    await expect.poll(shown).toEqual([
      {
        title: "Approval needed",
        body: "nightly release: ship waits for your approval.",
        tag: `approval:${run.body.run_id}:ship`,
        data: { url: `/workflows/${workflow.body.workflow_id}/runs/${run.body.run_id}` },
      },
    ]);

    // Settings: the device is listed (the push reached it), and removing it stops it.
    await goTo(page, "Settings");
    const devices = page.getByRole("list", { name: "Devices that get notifications" });
    await expect.poll(() => devices.textContent()).toContain("Test phone");
    await expect.poll(() => devices.textContent()).not.toContain("last notified never");
    await expect(page.getByRole("switch", { name: "Notifications on this device" }).isChecked()).resolves.toBe(false);
    await page.getByRole("region", { name: "Notifications" }).scrollIntoViewIfNeeded();
    await screenshot(page, "phone-settings-notifications");
    await page.getByRole("button", { name: "Remove Test phone" }).click();
    await page.getByText("No device gets your notifications.").waitFor();
    expect((await api.get("/api/v1/push/subscriptions", { token: user.access_token })).body.items).toEqual([]);
  });
});
