// First load of the dashboard against a local server: how much JavaScript ships, and how soon the page
// can be used. The figures are written to test-results/first-load.json for the report; the assertions
// are about behaviour only (the page becomes usable), never about time.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createUser } from "../../../test/support/users.ts";
import { chromiumMissing } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { signIn } from "./support/flows.ts";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const results = fileURLToPath(new URL("../../../test-results/", import.meta.url));

function gzipKb(file: string): number {
  return Math.round((gzipSync(readFileSync(join(dist, "assets", file))).length / 1024) * 10) / 10;
}

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: first load", () => {
  it("becomes usable from a cold load, and records the bundle size and time to interactive", async ({
    server,
    page,
  }) => {
    const index = readFileSync(join(dist, "index.html"), "utf8");
    const entry = /assets\/(index-[\w-]+\.js)/.exec(index)?.[1];
    expect(entry).toBeDefined();
    const scripts = readdirSync(join(dist, "assets")).filter((file) => file.endsWith(".js"));

    await page.goto("/");
    const signInButton = page.getByRole("button", { name: "Sign in" });
    await signInButton.waitFor();
    expect(await signInButton.isEnabled()).toBe(true);
    const signInInteractiveMs = await page.evaluate(() => performance.now());

    const user = await createUser(apiClient(server.url));
    await signIn(page, user);
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    // A signed-in reload: refresh-token exchange, then the overview with its data.
    await page.reload();
    await page.getByRole("list", { name: "Workers by state" }).or(page.getByText("No workers yet.")).waitFor();
    const overviewReadyMs = await page.evaluate(() => performance.now());
    // A string, so Node's typings (this file's) need not know the DOM's PerformanceNavigationTiming.
    const domContentLoadedMs = await page.evaluate<number>(
      "performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0",
    );

    const figures = {
      entry_js_gzip_kb: gzipKb(entry!),
      all_js_gzip_kb: Math.round(scripts.reduce((sum, file) => sum + gzipKb(file), 0) * 10) / 10,
      lazy_chunks: scripts.filter((file) => file !== entry).map((file) => ({ file, gzip_kb: gzipKb(file) })),
      sign_in_interactive_ms: Math.round(signInInteractiveMs),
      overview_with_data_after_reload_ms: Math.round(overviewReadyMs),
      dom_content_loaded_ms: Math.round(domContentLoadedMs),
    };
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, "first-load.json"), `${JSON.stringify(figures, null, 2)}\n`);
    console.log("dashboard first load:", JSON.stringify(figures));
  });
});
