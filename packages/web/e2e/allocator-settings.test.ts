// An admin tunes the allocator on the Settings page; the server's refusal shows on the field; a user
// who is not an admin sees the values but cannot change them.
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, signInAs } from "./support/flows.ts";

const ADMIN_PASSWORD = "admin-password-for-tests";

const it = dashboardTest(() => startTestServer({ adminPassword: ADMIN_PASSWORD }));

describe.skipIf(chromiumMissing())("dashboard: allocator settings", () => {
  it("lets an admin change the weights, shows a refused value on its field, and shows others read-only", async ({
    server,
    page,
    newPage,
  }) => {
    await signInAs(page, { username: "admin", password: ADMIN_PASSWORD });
    await goTo(page, "Settings");
    const form = page.getByRole("form", { name: "Allocator settings" });
    await form.waitFor();
    expect(await form.getByLabel("Match weight").inputValue()).toBe("0.4");
    expect(await form.getByLabel("CPU threshold (%)").inputValue()).toBe("95");

    // Every weight at 0 passes each input's range but not the server's rule: the error lands on the weights.
    for (const name of ["Match weight", "Availability weight", "Balance weight", "Affinity weight"]) {
      await form.getByLabel(name).fill("0");
    }
    await form.getByRole("button", { name: "Save allocator settings" }).click();
    const weights = form.getByRole("group", { name: "Score weights (0 to 1)" });
    await expect.poll(() => weights.textContent()).toContain("at least one weight must be above 0");
    await screenshot(page, "settings-allocator-error");

    await form.getByLabel("Affinity weight").fill("1");
    await form.getByLabel("CPU threshold (%)").fill("80");
    await form.getByRole("button", { name: "Save allocator settings" }).click();
    await page.getByRole("status").filter({ hasText: "Allocator settings saved." }).waitFor();
    const api = apiClient(server.url);
    const user = await createUser(api);
    const stored = await api.get("/api/v1/settings/allocator", { token: user.access_token });
    expect(stored.body).toMatchObject({
      weights: { match: 0, availability: 0, balance: 0, affinity: 1 },
      thresholds: { cpu_percent: 80 },
    });

    const userPage = await newPage();
    await signInAs(userPage, user);
    await goTo(userPage, "Settings");
    const section = userPage.getByRole("region", { name: "Allocator" });
    await section.getByText("Only an administrator can change these.").waitFor();
    expect(await section.getByRole("spinbutton").count()).toBe(0);
    await expect.poll(() => section.textContent()).toContain("CPU threshold (%)80");
    await screenshot(userPage, "settings-allocator-readonly");
  });
});
