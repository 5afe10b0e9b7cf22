// Workers → Add worker, as a person on the server's own machine does it: the dashboard was opened at a
// loopback address, so the panel warns and offers the server's network address; the command shown (npx, the
// key in the environment, --name) is run as shown, and the panel turns into "✓ laptop connected".
import { networkInterfaces } from "node:os";
import { afterAll, describe, expect } from "vitest";
import { startTestServer } from "../../../test/support/server.ts";
import { cleanUpWorkers, spawnWorker } from "../../worker/test/e2e/support.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, newBrowserUser, register } from "./support/flows.ts";

// Listening on every interface, as `garageswarm up` does by default; every connection here is still to 127.0.0.1.
const it = dashboardTest(() => startTestServer({ host: "0.0.0.0" }));
afterAll(() => cleanUpWorkers());

/** What the server will offer: its non-internal addresses, IPv4 first (none in an isolated sandbox). */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => !entry.internal && !(entry.family === "IPv6" && entry.address.startsWith("fe80")))
    .sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1))
    .map((entry) => (entry.family === "IPv6" ? `[${entry.address}]` : entry.address));
}

describe.skipIf(chromiumMissing())("dashboard: add a worker from the server's own machine", () => {
  it("warns about the loopback address, offers the network one, and says when the worker connects", async ({
    server,
    page,
  }) => {
    const port = new URL(server.url).port;
    await register(page, newBrowserUser("laptop"));
    await goTo(page, "Workers");
    await page.getByRole("button", { name: "Add worker" }).click();
    await page.getByLabel("Machine name").fill("laptop");
    await page.getByRole("button", { name: "Create key and show command" }).click();

    const command = page.getByLabel("Worker command");
    await page.getByText(`${server.url} works on this machine only.`).waitFor();
    const lan = lanAddresses();
    if (lan.length > 0) {
      // The network address is chosen for you, since the machine you are adding is another one.
      const first = `http://${lan[0]}:${port}`;
      expect(await page.getByRole("radio", { name: first }).isChecked()).toBe(true);
      expect(await command.inputValue()).toMatch(
        new RegExp(
          `^GARAGESWARM_KEY=gs_\\S+ npx garageswarm worker --server ${first.replace(/[.[\]]/g, "\\$&")} --name laptop$`,
        ),
      );
      await screenshot(page, "workers-add-lan-address");
      await expectAccessible(page);
      // This test's worker runs here, so it takes the loopback address (nothing may leave 127.0.0.1).
      await page.getByRole("radio", { name: `${server.url} (this machine only)` }).check();
    }
    const shown = await command.inputValue();
    const [, key, serverUrl] =
      /^GARAGESWARM_KEY=(gs_\S+) npx garageswarm worker --server (\S+) --name laptop$/.exec(shown) ?? [];
    expect(serverUrl).toBe(server.url);
    expect(await page.getByLabel("Windows PowerShell").inputValue()).toBe(
      `$env:GARAGESWARM_KEY='${key}'; npx garageswarm worker --server ${server.url} --name laptop`,
    );
    await page.getByText("Waiting for the worker to connect").waitFor();

    // Run as shown: the key only in the environment, never on the worker's command line.
    await spawnWorker({ server: serverUrl!, env: { GARAGESWARM_KEY: key! }, args: ["--name", "laptop"] });
    const connected = page.getByRole("status").filter({ hasText: "connected" });
    await connected.waitFor({ timeout: 30_000 });
    expect(await connected.textContent()).toBe("✓ laptop connected — send it a task");
    await page.getByRole("article", { name: "laptop" }).waitFor();
    await screenshot(page, "workers-add-connected");
    await expectAccessible(page);

    await connected.getByRole("link", { name: "send it a task" }).click();
    await page.getByRole("heading", { name: "Tasks", level: 1 }).waitFor();
  });
});
