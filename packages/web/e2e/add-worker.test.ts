// Workers → Add worker with a pairing code, in a real browser: the one-liner per OS, the QR code of the
// install link, the expiry counting down (the page's clock driven, not waited on), a new code once it
// expires, and the old "with an API key" path still there.
import { describe, expect } from "vitest";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, newBrowserUser, register } from "./support/flows.ts";

const it = dashboardTest();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const codePattern = "[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}";

describe.skipIf(chromiumMissing())("dashboard: add a worker with a pairing code", () => {
  it("shows the one-line installers and a QR code, counts down, and makes a new code after expiry", async ({
    server,
    page,
  }) => {
    const cspViolations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    await page.clock.install();
    await register(page, newBrowserUser("enrol"));
    await goTo(page, "Workers");
    await page.getByRole("button", { name: "Add worker" }).click();
    await page.getByLabel("Machine name").fill("gpu-box");
    await page.getByRole("button", { name: "Create pairing code" }).click();

    const sh = await page.getByLabel("Linux and macOS").inputValue();
    const origin = escapeRegExp(server.url);
    expect(sh).toMatch(new RegExp(`^curl -fsSL ${origin}/install\\.sh \\| sh -s -- --code ${codePattern}$`));
    const code = sh.split("--code ")[1]!;
    expect(await page.getByLabel("Windows PowerShell").inputValue()).toBe(
      `& ([scriptblock]::Create((irm ${server.url}/install.ps1))) -Code ${code}`,
    );
    const qr = page.getByRole("img", { name: "QR code of the install link" });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(
      0,
    );
    await page.getByText(`${server.url}/install.sh?code=${code}`).waitFor();

    const timer = page.getByRole("timer", { name: "Time left" });
    expect(await timer.textContent()).toBe("valid for 10:00");
    await page.clock.fastForward("02:30");
    await expect.poll(() => timer.textContent()).toBe("valid for 7:30");
    await screenshot(page, "workers-add-pairing-code");

    // The code on the page is a real one: the installer's exchange gets a worker key for it, once.
    const enrol = () =>
      fetch(`${server.url}/api/v1/enrol`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code }),
      });
    expect((await enrol()).status).toBe(201);
    expect((await enrol()).status).toBe(400);

    await page.clock.fastForward("07:31");
    await page.getByText(`The pairing code ${code} has expired unused.`).waitFor();
    await page.getByRole("button", { name: "New pairing code" }).click();
    await expect.poll(() => page.getByLabel("Linux and macOS").inputValue()).not.toContain(code);
    expect(await page.getByLabel("Linux and macOS").inputValue()).toMatch(new RegExp(`--code ${codePattern}$`));
    expect(cspViolations).toEqual([]);
  });

  it("keeps the API-key way for a machine that has GarageSwarm already", async ({ server, page }) => {
    await register(page, newBrowserUser("enrol-key"));
    await goTo(page, "Workers");
    await page.getByRole("button", { name: "Add worker" }).click();
    await page.getByLabel("Machine name").fill("old-box");
    await page.getByRole("button", { name: "Create key and show command" }).click();
    const command = await page.getByLabel("Worker command").inputValue();
    expect(command).toMatch(
      new RegExp(
        `^GARAGESWARM_KEY=gs_\\S+ npx garageswarm worker --server ${escapeRegExp(server.url)} --name old-box$`,
      ),
    );
  });
});
