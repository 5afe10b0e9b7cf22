// The server goes away and comes back: the page says so, keeps what was typed, and carries on.
import { afterAll, describe, expect } from "vitest";
import {
  createTestDatabase,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../test/support/server.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, signInAsNewUser } from "./support/flows.ts";

let database: TestDatabase;
// The server started again mid-test, on the same database and port.
let restarted: TestServer | undefined;
const it = dashboardTest(async () => {
  database = await createTestDatabase();
  return startTestServer({}, { database });
});

describe.skipIf(chromiumMissing())("dashboard: server unreachable", () => {
  afterAll(async () => {
    await restarted?.close();
    await database?.close();
  });

  it("shows the reconnecting banner while the server is down and recovers when it is back", async ({
    server,
    page,
  }) => {
    await signInAsNewUser(page, server.url);
    await goTo(page, "Settings");
    await page.getByLabel("Key name").fill("typed while offline");

    const port = new URL(server.url).port;
    await server.close();
    await page.getByRole("button", { name: "Create key" }).click();
    const banner = page.getByRole("alert").filter({ hasText: "The server is unreachable" });
    await banner.waitFor();
    await screenshot(page, "server-unreachable");

    // Same database, same port: the same session is still good.
    restarted = await startTestServer({ port: Number(port) }, { database });
    await banner.waitFor({ state: "detached", timeout: 30_000 });
    expect(await page.getByLabel("Key name").inputValue()).toBe("typed while offline");
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByLabel("API key (shown once)").inputValue()).toMatch(/^gs_/);
  });
});
