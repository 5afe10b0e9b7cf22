// The server goes away and comes back: the page says so, keeps what was typed, and carries on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import {
  createTestDatabase,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { type Browser, chromiumMissing, launchBrowser, newContext, screenshot } from "./support/browser.ts";
import { goTo, signInAs } from "./support/flows.ts";

describe.skipIf(chromiumMissing())("dashboard: server unreachable", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({}, { database });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.close();
  });

  it("shows the reconnecting banner while the server is down and recovers when it is back", async () => {
    const user = await createUser(apiClient(server.url));
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signInAs(page, user);
    await goTo(page, "Settings");
    await page.getByLabel("Key name").fill("typed while offline");

    const port = new URL(server.url).port;
    await server.close();
    await page.getByRole("button", { name: "Create key" }).click();
    const banner = page.getByRole("alert").filter({ hasText: "The server is unreachable" });
    await banner.waitFor();
    await screenshot(page, "server-unreachable");

    // Same database, same port: the same session is still good.
    server = await startTestServer({ port: Number(port) }, { database });
    await banner.waitFor({ state: "detached", timeout: 30_000 });
    expect(await page.getByLabel("Key name").inputValue()).toBe("typed while offline");
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByLabel("API key (shown once)").inputValue()).toMatch(/^gs_/);
    await context.close();
  });
});
