// A person signs up, creates an API key and gets the add-worker command, all in a real browser.

import { describe, expect } from "vitest";
import { startTestServer } from "../../../test/support/server.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { answerDialog, goTo, newBrowserUser, register, signIn } from "./support/flows.ts";

// Moved forward to expire sessions without waiting.
let clockOffsetMs = 0;
const it = dashboardTest(() => startTestServer({}, { clock: { now: () => new Date(Date.now() + clockOffsetMs) } }));

describe.skipIf(chromiumMissing())("dashboard: account, keys and workers", () => {
  it("registers, lands on the overview, stays signed in across a reload, signs out and back in", async ({ page }) => {
    const user = newBrowserUser();
    const cspViolations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });

    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(page, "login");
    await register(page, user);
    for (const name of ["Overview", "Tasks", "Workflows", "Workers", "Settings"]) {
      expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).count()).toBe(1);
    }
    await screenshot(page, "overview");
    await page.getByRole("button", { name: "Dark theme" }).click();
    await page.getByRole("button", { name: "Light theme" }).waitFor();
    await screenshot(page, "overview-dark");

    await page.reload();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();

    // A16: the reload was signed in by an httpOnly cookie no script can read, scoped to the refresh route;
    // nothing secret is in localStorage, and the CSP blocked nothing the dashboard needs.
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === "gs_refresh")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
      path: "/api/v1/auth/refresh",
    });
    expect(await page.evaluate<string>("document.cookie")).not.toContain("gs_refresh");
    expect(await page.evaluate<string>("JSON.stringify(localStorage)")).not.toMatch(/gsr_|eyJ/);
    expect(cspViolations).toEqual([]);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect((await page.context().cookies()).find((cookie) => cookie.name === "gs_refresh")).toBeUndefined();
    await signIn(page, user);
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  });

  it("follows the system's colour scheme until a theme is picked, and the pick outranks the system", async ({
    page,
  }) => {
    const background = () => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    const light = "rgb(246, 247, 249)";
    const dark = "rgb(15, 17, 21)";
    await page.emulateMedia({ colorScheme: "light" });
    await register(page, newBrowserUser());
    await expect.poll(background).toBe(light);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(background).toBe(dark);

    // The toggle's label is read when the header renders, so reload to show the one for a dark system.
    await page.reload();
    await page.getByRole("button", { name: "Light theme" }).click();
    await expect.poll(background).toBe(light);
    await page.getByRole("button", { name: "Dark theme" }).click();
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(background).toBe(dark);
  });

  it("shows the register form's field errors from the server", async ({ page }) => {
    await page.goto("/register");
    await page.getByLabel("Username").fill("a b");
    await page.getByLabel("Email").fill("someone@example.test");
    await page.getByLabel("Password").fill("long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    const username = page.getByLabel("Username");
    await expect.poll(() => username.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByText("may contain letters, digits").count()).toBe(1);
  });

  it("creates an API key in Settings, shows it once, lists it, and revokes it", async ({ page }) => {
    await register(page, newBrowserUser());
    await goTo(page, "Settings");
    await page.getByLabel("Key name").fill("laptop");
    await page.getByLabel("Scope").selectOption("full");
    await page.getByRole("button", { name: "Create key" }).click();

    const secret = await page.getByLabel("API key (shown once)").inputValue();
    expect(secret).toMatch(/^gs_/);
    await screenshot(page, "settings");
    const row = page.getByRole("row", { name: /laptop/ });
    await expect.poll(() => row.textContent()).toContain("Full");

    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByLabel("API key (shown once)").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: "Revoke laptop" }).click();
    await answerDialog(page, "Revoke key");
    await expect.poll(() => row.textContent()).toContain("Revoked");
  });

  it("changes the password, and the new one signs in", async ({ page }) => {
    const user = newBrowserUser();
    await register(page, user);
    await goTo(page, "Settings");
    await page.getByLabel("Current password").fill("wrong password");
    await page.getByLabel("New password", { exact: true }).fill("a brand new password");
    await page.getByLabel("Confirm new password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("current password is wrong").waitFor();
    expect(await page.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Current password").fill(user.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, { ...user, password: "a brand new password" });
    // Back where they were when they signed out.
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  });

  it("Workers: says there are none yet, and Add worker shows the exact command with a fresh key", async ({
    server,
    page,
  }) => {
    await register(page, newBrowserUser());
    await goTo(page, "Workers");
    await page.getByRole("button", { name: "Add worker" }).click();
    await page.getByLabel("Machine name").fill("gpu-box");
    await page.getByRole("button", { name: "Create key and show command" }).click();

    const command = await page.getByLabel("Worker command").inputValue();
    expect(command).toMatch(
      new RegExp(
        `^GARAGESWARM_KEY=gs_\\S+ npx garageswarm worker --server ${escapeRegExp(server.url)} --name gpu-box$`,
      ),
    );
    await screenshot(page, "workers-add");

    // The key behind the command is a real one, and a worker key: it authenticates, but may not list keys.
    const key = /^GARAGESWARM_KEY=(\S+) /.exec(command)![1]!;
    const keys = await fetch(`${server.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(keys.status).toBe(403);

    await goTo(page, "Settings");
    await expect.poll(() => page.getByRole("row", { name: /worker: gpu-box/ }).textContent()).toContain("Worker");
  });

  it("keeps what was typed when the session expires, and carries on after signing in again", async ({ page }) => {
    const user = newBrowserUser();
    await register(page, user);
    await goTo(page, "Settings");
    await page.getByLabel("Key name").fill("typed before expiry");

    clockOffsetMs = 40 * 24 * 3600 * 1000; // past both the access and the refresh token's lifetime
    try {
      await page.getByRole("button", { name: "Create key" }).click();
      const dialog = page.getByRole("dialog", { name: "Your session has expired" });
      await dialog.waitFor();
      await screenshot(page, "session-expired");
      await dialog.getByLabel("Password").fill(user.password);
      await dialog.getByRole("button", { name: "Sign in" }).click();
      await dialog.waitFor({ state: "detached" });
    } finally {
      clockOffsetMs = 0;
    }

    expect(await page.getByLabel("Key name").inputValue()).toBe("typed before expiry");
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByLabel("API key (shown once)").inputValue()).toMatch(/^gs_/);
  });

  it("serves the dashboard for any page address, and problem+json for unknown API routes", async ({ server }) => {
    const page = await fetch(`${server.url}/tasks/some-task`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    const api = await fetch(`${server.url}/api/v1/nothing-here`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
