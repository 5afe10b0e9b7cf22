// Lists that find things (issue 13 §5, §6): the task list's search, filters, sort and page live in the URL
// and survive Back; bulk retry and cancel; Overview counts open the filtered list; a worker's own page.
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { goTo, registerWorkerMachine, signInAs } from "./support/flows.ts";

const it = dashboardTest();

async function seed(serverUrl: string) {
  const api = apiClient(serverUrl);
  const user = await createUser(api);
  const key = await createApiKey(api, user, "worker: builder");
  const workerId = await registerWorkerMachine(serverUrl, key, {
    name: "builder",
    tools: [{ name: "shell" }, { name: "ollama", models: ["llama3"] }],
  });
  const create = async (body: Record<string, unknown>) => {
    const created = await api.post("/api/v1/tasks", body, { token: user.access_token });
    expect(created.status).toBe(201);
    return created.body as { task_id: string };
  };
  await create({ description: "Summarise the README", tool: "claude_code" });
  await create({ description: "Translate the readme to French", tool: "ollama" });
  await create({ description: "Tidy the docs folder", tool: "shell" });
  await create({ description: "Break the build", tool: "shell", max_attempts: 1, priority: 10 });
  // The worker takes the most urgent task and fails it for good: one failed task with an error to show.
  const claim = await api.get(`/api/v1/workers/${workerId}/pull-task?wait=0`, { token: key });
  expect(claim.body.description).toBe("Break the build");
  const token = { attempt_token: claim.body.attempt_token };
  expect((await api.post(`/api/v1/tasks/${claim.body.task_id}/start`, token, { token: key })).status).toBe(200);
  const failed = await api.post(
    `/api/v1/tasks/${claim.body.task_id}/fail`,
    { ...token, error: "make: *** [all] Error 2\nfull log follows", retryable: false },
    { token: key },
  );
  expect(failed.status).toBe(200);
  return { user, workerId, key };
}

describe.skipIf(chromiumMissing())("dashboard: lists that find things", () => {
  it("searches, filters and sorts in the URL, and keeps them on Back", async ({ server, page }) => {
    const { user } = await seed(server.url);
    await signInAs(page, user);

    // An Overview count opens the list filtered by that status.
    await page
      .getByRole("list", { name: "Tasks by status" })
      .getByRole("link", { name: /Failed/ })
      .click();
    await page.getByRole("heading", { name: "Tasks", level: 1 }).waitFor();
    expect(new URL(page.url()).search).toBe("?status=failed");
    await page.getByText("1 task matches").waitFor();
    const failedRow = page.getByRole("row", { name: /Break the build/ });
    expect(await failedRow.textContent()).toContain("make: *** [all] Error 2");
    expect(await page.getByLabel("Status").inputValue()).toBe("failed");

    await goTo(page, "Tasks");
    await page.getByText("4 tasks").waitFor();
    await page.getByLabel("Search").fill("readme");
    await page.getByText("2 tasks match").waitFor();
    expect(new URL(page.url()).searchParams.get("q")).toBe("readme");
    await page.getByLabel("Search").fill("");
    await page.getByText("4 tasks").waitFor();

    await page.getByLabel("Ran with").selectOption({ label: "Shell" });
    await page.getByText("2 tasks match").waitFor();
    await page.getByRole("button", { name: "Description" }).click();
    await expect
      .poll(() => page.getByRole("columnheader", { name: "Description" }).getAttribute("aria-sort"))
      .toBe("ascending");
    const descriptions = async () =>
      (await page.getByRole("row").getByRole("link").allTextContents()).filter((text) => text !== "builder");
    await expect.poll(descriptions).toEqual(["Break the build", "Tidy the docs folder"]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({
      tool: "shell",
      sort: "description",
      order: "asc",
    });
    await screenshot(page, "task-list-filtered-sorted");
    await expectAccessible(page);

    // Into a task and Back: the same list, filter and sort.
    await page.getByRole("link", { name: "Tidy the docs folder" }).click();
    await page.getByRole("heading", { name: "Tidy the docs folder", level: 1 }).waitFor();
    await page.goBack();
    await page.getByText("2 tasks match").waitFor();
    expect(await page.getByLabel("Ran with").inputValue()).toBe("shell");
    await expect.poll(descriptions).toEqual(["Break the build", "Tidy the docs folder"]);
  });

  it("retries the selected failed tasks and cancels the selected queued ones; a retry links to its original", async ({
    server,
    page,
  }) => {
    const { user } = await seed(server.url);
    await signInAs(page, user);
    await page.goto("/tasks?tool=shell&sort=description&order=asc");
    await page.getByText("2 tasks match").waitFor();
    // Bulk: both rows selected; only the failed one is retried, only the queued one cancelled.
    await page.getByLabel("Select every task on this page").check();
    await page.getByText("2 selected").waitFor();
    await screenshot(page, "task-list-bulk-selected");
    await expectAccessible(page);
    await page.getByRole("button", { name: "Retry failed (1)" }).click();
    await page.getByText("Retried 1 failed task.").waitFor();
    await page.getByText("3 tasks match").waitFor();
    // The retry links to the task it retries.
    await page
      .getByRole("row", { name: /Break the build.*Queued/ })
      .getByRole("link", { name: "Break the build" })
      .click();
    await page.getByRole("heading", { name: "Break the build", level: 1 }).waitFor();
    await page.getByRole("link", { name: "the task it retries" }).click();
    await page.getByText("make: *** [all] Error 2").first().waitFor();
    await page.goBack();
    await page.goBack();
    await page.getByText("3 tasks match").waitFor();
    await page.getByLabel("Select Tidy the docs folder").check();
    await page.getByRole("button", { name: "Cancel queued (1)" }).click();
    await page.getByText("Cancelled 1 queued task.").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByText("5 tasks").waitFor();
    // Clearing the filters keeps the sort.
    expect(new URL(page.url()).search).toBe("?sort=description&order=asc");
  });

  it("opens a worker's page from its card: its tools, slots, heartbeat and recent tasks", async ({ server, page }) => {
    const { user, workerId, key } = await seed(server.url);
    await signInAs(page, user);
    await goTo(page, "Workers");
    await page.getByRole("article", { name: "builder" }).getByRole("link", { name: "builder" }).click();
    await page.getByRole("heading", { name: "builder", level: 1 }).waitFor();
    await page.getByText(/last heard/).waitFor();
    // A heartbeat on the live feed moves "last heard" without a reload.
    const heardAt = () => page.getByRole("article", { name: "builder" }).locator("time").getAttribute("datetime");
    const before = await heardAt();
    const beat = await fetch(`${server.url}/api/v1/workers/${workerId}/heartbeat`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ cpu_percent: 30, memory_percent: 50, disk_percent: 71, running_task_ids: [] }),
    });
    expect(beat.status).toBe(200);
    await expect.poll(heardAt).not.toBe(before);
    await page.getByText("30%").waitFor();
    await page.getByText("Running 0 of 2 slots").waitFor();
    const recent = page.getByRole("region", { name: "Recent tasks" });
    await recent.getByRole("link", { name: "Break the build" }).waitFor();
    await page.getByText("Nothing: every slot is free.").waitFor();
    await screenshot(page, "worker-page");
    await expectAccessible(page);
    await recent.getByRole("link", { name: "All 1 task" }).click();
    await page.getByText("1 task matches").waitFor();
  });

  it("shows the filtered list and the worker page on a phone", async ({ server, newPage }) => {
    const { user, workerId } = await seed(server.url);
    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto("/tasks?status=failed");
    await phone.getByText("1 task matches").waitFor();
    await phone.getByRole("link", { name: "Break the build" }).waitFor();
    await screenshot(phone, "task-list-phone-failed");
    await expectAccessible(phone);
    await phone.goto(`/workers/${workerId}`);
    await phone.getByRole("heading", { name: "builder", level: 1 }).waitFor();
    await screenshot(phone, "worker-page-phone");
    await expectAccessible(phone);
  });
});
