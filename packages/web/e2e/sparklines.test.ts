// A worker's heartbeats arrive live on the Workers page and draw cpu/memory/disk sparklines on its card.
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, registerWorkerMachine, signInAs } from "./support/flows.ts";

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: worker sparklines", () => {
  it("draws each heartbeat into the card's sparklines, labelled with the latest value", async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const workerId = await registerWorkerMachine(server.url, key, { name: "spark-box", tools: [{ name: "shell" }] });
    await signInAs(page, user);
    await page.getByText("Live", { exact: true }).waitFor();
    await goTo(page, "Workers");
    const card = page.getByRole("article", { name: "spark-box" });
    await card.waitFor();

    const beats = [
      { cpu_percent: 20, memory_percent: 40, disk_percent: 70 },
      { cpu_percent: 65, memory_percent: 42, disk_percent: 70 },
      { cpu_percent: 35, memory_percent: 45, disk_percent: 71 },
    ];
    for (const beat of beats) {
      const answer = await api.post(
        `/api/v1/workers/${workerId}/heartbeat`,
        { ...beat, running_task_ids: [] },
        { token: key },
      );
      expect(answer.status).toBe(200);
    }

    const cpu = card.getByRole("img", { name: /^CPU 35% \((just now|last \d+ seconds?)\)$/ });
    await cpu.waitFor();
    await card.getByRole("img", { name: /^Memory 45% \(/ }).waitFor();
    await card.getByRole("img", { name: /^Disk 71% \(/ }).waitFor();
    // One point per heartbeat the page saw (the three above, after any it caught before).
    const points = (await cpu.locator("polyline").getAttribute("points"))?.trim().split(/\s+/) ?? [];
    expect(points.length).toBeGreaterThanOrEqual(beats.length);
    // The meter beside it shows the live value too.
    await expect.poll(() => card.textContent()).toContain("35%");
    await screenshot(page, "workers-sparklines");
  });
});
