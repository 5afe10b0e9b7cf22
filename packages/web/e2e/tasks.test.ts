// Tasks and workers in a real browser: create, list, filter, open, cancel, retry, delete; worker cards.
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { answerDialog, createTask, goTo, registerWorkerMachine, signInAs, signInAsNewUser } from "./support/flows.ts";

const it = dashboardTest();

describe.skipIf(chromiumMissing())("dashboard: tasks and workers", () => {
  it("creates a task on the Tasks page, sees it in the list, cancels it, retries it and deletes the copy", async ({
    server,
    page,
  }) => {
    await signInAsNewUser(page, server.url);

    await goTo(page, "Tasks");
    await page.getByText("No tasks yet.").waitFor();
    await page.getByRole("button", { name: "New task" }).click();
    // No worker at all: the form says the task would only wait.
    await page.getByText("You have no workers yet").waitFor();
    await createTask(page, "Summarise the changelog");
    const row = page.getByRole("row", { name: /Summarise the changelog/ });
    expect(await row.textContent()).toContain("Queued");
    await screenshot(page, "tasks");

    await page.getByRole("link", { name: "Summarise the changelog" }).click();
    await page.getByRole("heading", { name: "Summarise the changelog", level: 1 }).waitFor();
    expect(await page.getByText("Shell").count()).toBeGreaterThan(0);
    await screenshot(page, "task-detail");
    await page.getByRole("button", { name: "Cancel task" }).click();
    await page.getByText("Cancelled", { exact: true }).waitFor();

    await page.getByRole("button", { name: "Retry task" }).click();
    await page.getByRole("button", { name: "Cancel task" }).waitFor();
    const copyUrl = page.url();
    await page.getByRole("button", { name: "Cancel task" }).click();
    await page.getByRole("button", { name: "Delete task" }).click();
    await answerDialog(page, "Delete task");
    await page.getByRole("heading", { name: "Tasks", level: 1 }).waitFor();
    expect(page.url()).not.toBe(copyUrl);
    await expect.poll(() => page.getByRole("link", { name: "Summarise the changelog" }).count()).toBe(1);

    await page.getByLabel("Status").selectOption({ label: "Queued" });
    await page.getByText("No tasks match these filters.").waitFor();
    await page.getByLabel("Status").selectOption({ label: "Cancelled" });
    await expect.poll(() => page.getByRole("link", { name: "Summarise the changelog" }).count()).toBe(1);
  });

  it("shows the server's field errors on the task form", async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
    await page.getByLabel("Description").fill("too important");
    await page.getByLabel("Priority").fill("500");
    // The browser's own range check would stop the form; the server's answer is what this is about.
    await page.getByLabel("Priority").evaluate((input) => input.removeAttribute("max"));
    await page.getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => page.getByLabel("Priority").getAttribute("aria-invalid")).toBe("true");
  });

  it("shows worker cards with tools, health and resources, and tells which workers lack a tool", async ({
    server,
    page,
  }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user, "worker: desktop");
    await registerWorkerMachine(server.url, key, {
      name: "desktop",
      tools: [
        { name: "claude_code", models: ["sonnet"] },
        { name: "ollama", healthy: false, detail: "ollama is not running" },
      ],
    });
    await signInAs(page, user);
    await goTo(page, "Workers");
    const card = page.getByRole("article", { name: "desktop" });
    await card.waitFor();
    const text = await card.textContent();
    expect(text).toContain("Claude Code");
    expect(text).toContain("ollama is not running");
    expect(await card.getByRole("meter", { name: "CPU" }).getAttribute("value")).toBe("12");
    await screenshot(page, "workers");

    await goTo(page, "Overview");
    expect(await page.getByRole("list", { name: "Workers by state" }).textContent()).toContain("1online");

    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
    await page.getByLabel("Tool").selectOption({ label: "Ollama" });
    await page.getByText("desktop's Ollama is unhealthy (ollama is not running)").waitFor();
    await page.getByLabel("Tool").selectOption({ label: "Claude Code" });
    await page.getByText("1 online worker can run Claude Code.").waitFor();
  });

  it("offers a worker to another user, who accepts it, sees whose machine ran their task, and leaves", async ({
    server,
    page,
    newPage,
  }) => {
    const api = apiClient(server.url);
    const owner = await createUser(api);
    const friend = await createUser(api);
    const key = await createApiKey(api, owner);
    const workerId = await registerWorkerMachine(server.url, key, { name: "shared-box", tools: [{ name: "shell" }] });

    await signInAs(page, owner);
    await goTo(page, "Workers");
    const card = page.getByRole("article", { name: "shared-box" });
    await card.getByRole("button", { name: "Share shared-box" }).click();
    await card.getByLabel("Username").fill(friend.username);
    await card.getByLabel("Role").selectOption("operator");
    await card.getByRole("button", { name: "Share worker" }).click();
    await card.getByText(`Offer sent to ${friend.username}`).waitFor();
    // An offer is not a membership: the friend is not listed until they accept.
    expect(await card.getByText(`${friend.username} · operator`).count()).toBe(0);

    const friendPage = await newPage();
    await signInAs(friendPage, friend);
    await goTo(friendPage, "Workers");
    const offer = friendPage.getByRole("listitem", { name: "Offer of shared-box" });
    expect(await offer.textContent()).toContain(`${owner.username}'s machine`);
    await screenshot(friendPage, "worker-offer");
    await offer.getByRole("button", { name: "Accept shared-box" }).click();
    const shared = friendPage.getByRole("list", { name: "Workers shared with you" }).getByRole("article", {
      name: "shared-box",
    });
    await shared.getByText(`${owner.username}'s machine, shared with you as operator`).waitFor();

    // The owner's open page shows the friend as soon as they accept (the live feed refreshes the members).
    await card.getByText(`${friend.username} · operator`).waitFor();

    // The friend's task runs on the owner's machine, and its page says so.
    const task = (
      await api.post(
        "/api/v1/tasks",
        { description: "run elsewhere", tool: "shell" },
        {
          token: friend.access_token,
        },
      )
    ).body;
    const claim = await api.get(`/api/v1/workers/${workerId}/pull-task`, { token: key });
    expect(claim.body.task_id).toBe(task.task_id);
    await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: claim.body.attempt_token, result: { output: "done" } },
      { token: key },
    );
    await friendPage.goto(`/tasks/${task.task_id}`);
    await friendPage.getByText(`shared-box · ${owner.username}'s machine`).waitFor();
    await friendPage.getByText("not yours").waitFor();

    await goTo(friendPage, "Workers");
    await shared.getByRole("button", { name: "Leave shared-box" }).click();
    await answerDialog(friendPage, "Leave worker");
    await expect.poll(() => shared.count()).toBe(0);
  });

  it("shows usage limits, caps and sign-in on worker cards, and why a queued task waits", async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user, "worker: laptop");
    const workerId = await registerWorkerMachine(server.url, key, {
      name: "laptop",
      tools: [
        { name: "claude_code", models: ["sonnet"], max_concurrent: 2 },
        { name: "codex_cli", healthy: false, auth: "not_logged_in", detail: "codex login status: not logged in" },
      ],
    });
    // A Claude Code task hits the subscription's limit: it is parked, and the tool is limited.
    const parked = (
      await api.post("/api/v1/tasks", { description: "hit the limit", tool: "claude_code" }, { token: key })
    ).body;
    const claim = (await api.get(`/api/v1/workers/${workerId}/pull-task`, { token: key })).body;
    const resetsAt = new Date(Date.now() + 2 * 3600_000).toISOString();
    const limited = await api.post(
      `/api/v1/tasks/${parked.task_id}/fail`,
      {
        attempt_token: claim.attempt_token,
        error: "You've hit your limit",
        limit: { kind: "usage_limit", resets_at: resetsAt, message: "You've hit your limit · resets 7pm" },
      },
      { token: key },
    );
    expect(limited.body.status).toBe("queued");

    await signInAs(page, user);
    await goTo(page, "Workers");
    const card = page.getByRole("article", { name: "laptop" });
    await card.getByText("installed · not logged in").waitFor();
    const text = await card.textContent();
    expect(text).toContain("limited until");
    expect(text).toContain("You've hit your limit · resets 7pm");
    expect(text).toContain("at most 2 at once");
    await screenshot(page, "workers-limited");

    await goTo(page, "Tasks");
    const row = page.getByRole("row", { name: /hit the limit/ });
    await row.getByText("waiting for the Claude Code limit to reset").waitFor();
    await page.getByRole("link", { name: "hit the limit" }).click();
    await page.getByRole("heading", { name: "hit the limit", level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "waiting for the Claude Code limit to reset" }).waitFor();
    await page.getByText("Wait for the reset (resumes the same session)").waitFor();
    await page.getByText("1 stopped by a usage limit, not counted").waitFor();
    await screenshot(page, "task-waiting");

    // A preference list with fail-over, from the form.
    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
    await page.getByLabel("Description").fill("either agent will do");
    await page.getByLabel("Tool").selectOption({ label: "Claude Code" });
    await page.getByText("Requirements and limits").click();
    await page.getByLabel("Codex CLI").check();
    await page.getByLabel("On usage limit").selectOption("failover");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.getByRole("link", { name: "either agent will do" }).click();
    await page.getByText("Claude Code, then Codex CLI").waitFor();
    await page.getByText("Fail over to the next tool or another worker").waitFor();
  });
});
