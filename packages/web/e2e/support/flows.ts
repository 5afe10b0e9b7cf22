// What a person does in the dashboard, step by step, by role and label only.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
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

export async function signIn(page: Page, user: BrowserUser): Promise<void> {
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function goTo(page: Page, name: "Overview" | "Tasks" | "Workflows" | "Workers" | "Settings") {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

export async function createTask(page: Page, description: string): Promise<void> {
  await goTo(page, "Tasks");
  await page.getByRole("button", { name: "New task" }).click();
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("Tool").selectOption({ label: "Shell" });
  await page.getByLabel("Priority").fill("5");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect.poll(() => page.getByRole("link", { name: description }).count()).toBe(1);
}
