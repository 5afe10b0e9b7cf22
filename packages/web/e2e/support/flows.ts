// What a person does in the dashboard, step by step, by role and label only.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { apiClient } from "../../../../test/support/http.ts";
import { createUser, type TestUser } from "../../../../test/support/users.ts";
import type { Page } from "./browser.ts";

export interface BrowserUser {
  username: string;
  email: string;
  password: string;
}

export function newBrowserUser(prefix = "web"): BrowserUser {
  const username = `${prefix}_${randomBytes(3).toString("hex")}`;
  return { username, email: `${username}@example.test`, password: `pw-${randomBytes(6).toString("hex")}` };
}

export async function register(page: Page, user: BrowserUser): Promise<void> {
  await page.goto("/");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
}

export async function signIn(page: Page, user: Pick<BrowserUser, "username" | "password">): Promise<void> {
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function goTo(
  page: Page,
  name: "Overview" | "Tasks" | "Repositories" | "Workflows" | "Workers" | "Settings" | "Users",
) {
  await (await mainNavLink(page, name)).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

/** A page's link in the main navigation; on a phone the less used ones sit behind the bar's Menu button. */
export async function mainNavLink(page: Page, name: string) {
  const nav = page.getByRole("navigation", { name: "Main" });
  const link = nav.getByRole("link", { name, exact: true });
  if (!(await link.isVisible())) await nav.getByRole("button", { name: "Menu" }).click();
  return link;
}

/** Answers the dashboard's confirmation dialog by pressing the button of that name. */
export async function answerDialog(page: Page, button: string) {
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: button, exact: true }).click();
  await dialog.waitFor({ state: "detached" });
}

export async function createTask(page: Page, description: string, prompt?: string): Promise<void> {
  if ((await page.getByRole("form", { name: "New task" }).count()) === 0) {
    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
  }
  await page.getByLabel("Description").fill(description);
  if (prompt) await page.getByLabel("Prompt").fill(prompt);
  await page.getByLabel("Tool").selectOption({ label: "Shell" });
  await page.getByLabel("Priority").fill("5");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect.poll(() => page.getByRole("link", { name: description }).count()).toBe(1);
}

/** A user made through the API (as test/support/users.ts does), then signed in through the page. */
export async function signInAs(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto("/login");
  await signIn(page, user);
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
}

/** A new user made through the API, signed in through the page. */
export async function signInAsNewUser(page: Page, baseUrl: string): Promise<TestUser> {
  const user = await createUser(apiClient(baseUrl));
  await signInAs(page, user);
  return user;
}

/** Registers a worker machine with a key, as `garageswarm worker` does, and reports its resources. */
export async function registerWorkerMachine(
  baseUrl: string,
  key: string,
  machine: {
    name: string;
    /** Each tool's entry as the worker reports it (models, health, auth, `max_concurrent`…). */
    tools: ({ name: string; models?: string[]; healthy?: boolean; detail?: string } & Record<string, unknown>)[];
  },
): Promise<string> {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const registered = await fetch(`${baseUrl}/api/v1/workers/register`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      machine_id: `machine-${randomBytes(4).toString("hex")}`,
      machine_name: machine.name,
      platform: "linux",
      tools: machine.tools.map((tool) => ({ version: "1.0.0", models: [], healthy: true, ...tool })),
      slots: 2,
      labels: ["gpu"],
      capacity: { cpu_cores: 8, memory_gb: 32 },
      version: "0.1.0",
    }),
  });
  if (!registered.ok) throw new Error(`register worker: ${registered.status} ${await registered.text()}`);
  const { worker_id: workerId } = (await registered.json()) as { worker_id: string };
  const heartbeat = await fetch(`${baseUrl}/api/v1/workers/${workerId}/heartbeat`, {
    method: "POST",
    headers,
    body: JSON.stringify({ cpu_percent: 12, memory_percent: 48, disk_percent: 71, running_task_ids: [] }),
  });
  if (!heartbeat.ok) throw new Error(`heartbeat: ${heartbeat.status} ${await heartbeat.text()}`);
  return workerId;
}

export async function dragPaletteItem(page: Page, name: string, to: { x: number; y: number }) {
  const canvas = page.getByRole("application", { name: "Workflow canvas" });
  await page.getByRole("button", { name }).dragTo(canvas, { targetPosition: to });
}

/** Drags from one node's output handle to another's input handle, as a person would. */
export async function connectNodes(page: Page, from: string, to: string, output = `Output of ${from}`) {
  // A condition has two outputs: "True output of ID" and "False output of ID".
  const source = await page.getByLabel(output, { exact: true }).boundingBox();
  const target = await page.getByLabel(`Input of ${to}`, { exact: true }).boundingBox();
  if (!source || !target) throw new Error("handle not on screen");
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}
