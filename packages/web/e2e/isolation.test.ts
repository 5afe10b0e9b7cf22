// Two people in two browser contexts at once: each sees only their own keys, tasks and workers.
import { describe, expect } from "vitest";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { createTask, goTo, newBrowserUser, register, registerWorkerMachine } from "./support/flows.ts";

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: two users side by side", () => {
  it("shows each user only their own keys, tasks and workers", async ({ server, newPage }) => {
    const alicePage = await newPage();
    const bobPage = await newPage({ mobile: true });
    await register(alicePage, newBrowserUser("alice"));
    await register(bobPage, newBrowserUser("bob"));

    await goTo(alicePage, "Settings");
    await alicePage.getByLabel("Key name").fill("alice-key");
    await alicePage.getByRole("button", { name: "Create key" }).click();
    const aliceKey = await alicePage.getByLabel("API key (shown once)").inputValue();
    await registerWorkerMachine(server.url, aliceKey, { name: "alice-box", tools: [{ name: "shell" }] });
    await createTask(alicePage, "alice's secret task");

    await goTo(bobPage, "Settings");
    await bobPage.getByLabel("Key name").fill("bob-key");
    await bobPage.getByRole("button", { name: "Create key" }).click();
    await bobPage.getByRole("row", { name: /bob-key/ }).waitFor();
    await createTask(bobPage, "bob's own task");

    // Bob, on a phone-sized screen: his things, none of Alice's.
    expect(await bobPage.getByRole("link", { name: "alice's secret task" }).count()).toBe(0);
    await screenshot(bobPage, "tasks-mobile");
    await goTo(bobPage, "Settings");
    expect(await bobPage.getByRole("row", { name: /alice-key/ }).count()).toBe(0);
    await goTo(bobPage, "Workers");
    await bobPage.getByText("No workers yet.").waitFor();

    // Alice: the same, the other way round.
    await goTo(alicePage, "Tasks");
    await alicePage.getByRole("link", { name: "alice's secret task" }).waitFor();
    expect(await alicePage.getByRole("link", { name: "bob's own task" }).count()).toBe(0);
    await goTo(alicePage, "Settings");
    expect(await alicePage.getByRole("row", { name: /bob-key/ }).count()).toBe(0);
    await goTo(alicePage, "Workers");
    await alicePage.getByRole("article", { name: "alice-box" }).waitFor();
  });
});
