// Every page of the dashboard, signed in as an administrator with something on each page, passes axe (no
// serious or critical WCAG 2.1 A/AA violations) on the desktop in the dark theme and on a phone in the light
// one. Then what issue 13 §7 asks of the frame: the phone's Menu, tables as cards, the view-only editor,
// focus that goes where a person looks, field outlines at 3:1, styled confirmations and the theme choice.
// Screenshots: test-results/screenshots/a11y-*.

import type { Locator } from "playwright-core";
import { describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { signInAdmin } from "../../../test/support/users.ts";
import { expectAccessible } from "./support/axe.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { answerDialog, goTo, mainNavLink, registerWorkerMachine, signInAs } from "./support/flows.ts";

const ADMIN = { username: "admin", password: "every-page-admin-pw" };
const it = dashboardTest(() => startTestServer({ adminPassword: ADMIN.password }));

interface Seeded {
  taskId: string;
  workflowId: string;
  runId: string;
}

let seeded: Promise<Seeded> | undefined;

/** Something on every page, made once per file: a queued task, a waiting run, a worker, a key, a repository. */
function seed(baseUrl: string): Promise<Seeded> {
  seeded ??= seedNow(baseUrl);
  return seeded;
}

async function seedNow(baseUrl: string): Promise<Seeded> {
  const api = apiClient(baseUrl);
  const token = await signInAdmin(api, ADMIN.password);
  const as = { token };
  const task = await api.post(
    "/api/v1/tasks",
    { description: "Summarise the changelog", tool: "shell", prompt: "echo hi" },
    as,
  );
  expect(task.status).toBe(201);
  const workflow = await api.post(
    "/api/v1/workflows",
    {
      name: "nightly release",
      workflow_type: "sequential",
      definition: { nodes: [{ id: "ship", type: "approval", message: "Ship tonight's build?" }] },
    },
    as,
  );
  expect(workflow.status).toBe(201);
  const run = await api.post(`/api/v1/workflows/${workflow.body.workflow_id}/execute`, undefined, as);
  const repo = await api.post(
    "/api/v1/repos",
    { name: "greeter", url: "https://git.example.test/garage/greeter.git" },
    as,
  );
  expect(repo.status).toBe(201);
  const created = await api.post("/api/v1/keys", { name: "garage-pc key" }, as);
  expect(created.status).toBe(201);
  const key: string = created.body.key;
  await registerWorkerMachine(baseUrl, key, { name: "garage-pc", tools: [{ name: "claude_code" }] });
  return { taskId: task.body.task_id, workflowId: workflow.body.workflow_id, runId: run.body.run_id };
}

function routes({
  taskId,
  workflowId,
  runId,
}: Seeded): Array<{ name: string; path: string; heading: string | RegExp }> {
  return [
    { name: "overview", path: "/", heading: "Overview" },
    { name: "tasks", path: "/tasks", heading: "Tasks" },
    { name: "task", path: `/tasks/${taskId}`, heading: "Summarise the changelog" },
    { name: "repositories", path: "/repositories", heading: "Repositories" },
    { name: "workflows", path: "/workflows", heading: "Workflows" },
    { name: "workflow-new", path: "/workflows/new", heading: "New workflow" },
    { name: "workflow", path: `/workflows/${workflowId}`, heading: "nightly release" },
    { name: "run", path: `/workflows/${workflowId}/runs/${runId}`, heading: "nightly release #1" },
    { name: "workers", path: "/workers", heading: "Workers" },
    { name: "phone", path: "/phone", heading: "Work on this phone" },
    { name: "settings", path: "/settings", heading: "Settings" },
    { name: "users", path: "/users", heading: "Users" },
    { name: "not-found", path: "/no-such-page", heading: "Page not found" },
  ];
}

/** The page's globals, for the callbacks that run in it (these tests are compiled without the DOM library). */
type InPage = {
  document: { activeElement: unknown };
  getComputedStyle: (element: unknown, pseudo?: string) => { content: string; outlineStyle: string };
};

/** Whether the element has the keyboard focus. */
function hasFocus(element: Locator): Promise<boolean> {
  return element.evaluate((node) => node === (globalThis as unknown as InPage).document.activeElement);
}

/** How far the page is wider than the phone's 390 px screen (0 or less when nothing overflows sideways). */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("Math.max(document.documentElement.scrollWidth, window.innerWidth) - 390");
}

function contrast(page: Page, selector: string): Promise<number> {
  // WCAG relative luminance of the field's border against the card it sits on.
  return page.evaluate<number>(`(() => {
    const field = document.querySelector(${JSON.stringify(selector)});
    const card = field.closest(".card") ?? document.body;
    const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => [r, g, b]
      .map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const a = lum(rgb(getComputedStyle(field).borderTopColor));
    const b = lum(rgb(getComputedStyle(card).backgroundColor));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  })()`);
}

describe.skipIf(chromiumMissing())("every page is accessible, on the desktop and on a phone", () => {
  for (const where of ["desktop", "phone"] as const) {
    const theme = where === "desktop" ? "dark" : "light";
    it(`passes axe on every route on the ${where} (${theme} theme)${where === "phone" ? ", within the screen" : ""}`, async ({
      newPage,
      server,
    }) => {
      const seeded = await seed(server.url);
      const mobile = where === "phone";
      if (mobile) {
        const signedOut = await newPage({ mobile });
        await signedOut.goto("/login");
        await signedOut.getByRole("heading", { name: "Sign in" }).waitFor();
        await expectAccessible(signedOut);
        await screenshot(signedOut, "a11y-phone-sign-in");
      }
      const page = await newPage({ mobile });
      await page.emulateMedia({ colorScheme: theme });
      await signInAs(page, ADMIN);
      for (const route of routes(seeded)) {
        await page.goto(route.path);
        await page.getByRole("heading", { name: route.heading, level: 1 }).waitFor();
        await page.waitForLoadState("networkidle");
        await expectAccessible(page);
        if (mobile) {
          expect(await sidewaysOverflow(page), route.path).toBeLessThanOrEqual(0);
          await screenshot(page, `a11y-phone-${route.name}`);
        }
      }
    }, 240_000);
  }

  it("puts every page in reach on a phone: four in the bar, the rest behind Menu", async ({ newPage, server }) => {
    await seed(server.url);
    const page = await newPage({ mobile: true });
    await signInAs(page, ADMIN);
    const nav = page.getByRole("navigation", { name: "Main" });
    const menu = nav.getByRole("button", { name: "Menu" });

    // Nothing in the bar is cut off at the screen's edge.
    for (const item of [...(await nav.getByRole("link").all()), menu]) {
      const box = (await item.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await menu.tap();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    for (const name of ["Repositories", "Phone", "Settings", "Users"]) {
      await nav.getByRole("link", { name, exact: true }).waitFor();
    }
    await page.getByRole("button", { name: "Follow the system theme" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await expectAccessible(page);
    await screenshot(page, "a11y-phone-menu-open");

    // Escape closes it and gives focus back to the button; a link in it goes to its page and closes it.
    await page.keyboard.press("Escape");
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe("Menu");
    await (await mainNavLink(page, "Settings")).tap();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await menu.getAttribute("class")).toContain("holds-current");
  });

  it("shows tables as cards on a phone, each value under its column's name", async ({ newPage, server }) => {
    await seed(server.url);
    const page = await newPage({ mobile: true });
    await signInAs(page, ADMIN);
    await page.goto("/tasks");
    const row = page.getByRole("row", { name: /Summarise the changelog/ });
    await row.waitFor();
    const tool = row.locator('td[data-label="Tool"]');
    const label = await tool.evaluate(
      (cell) => (globalThis as unknown as InPage).getComputedStyle(cell, "::before").content,
    );
    expect(label).toBe('"Tool"');
    // Every cell on screen, none clipped: the Tool, Worker and Created columns the review found hidden.
    for (const column of ["Description", "Status", "Tool", "Worker", "Attempt", "Created"]) {
      const box = (await row.locator(`td[data-label="${column}"]`).boundingBox())!;
      expect(box.x + box.width, column).toBeLessThanOrEqual(390);
    }
    await screenshot(page, "a11y-phone-tasks-as-cards");
  });

  it("keeps the workflow editor view-only on a phone", async ({ newPage, server }) => {
    const { workflowId } = await seed(server.url);
    const page = await newPage({ mobile: true });
    await signInAs(page, ADMIN);
    await page.goto(`/workflows/${workflowId}`);
    await page.getByText("View only on a phone.").waitFor();
    expect(await page.getByRole("button", { name: "Save workflow" }).count()).toBe(0);
    expect(await page.getByRole("toolbar", { name: "Node palette" }).count()).toBe(0);
    expect(await page.getByRole("textbox", { name: "Name", exact: true }).count()).toBe(0);
    await page.getByRole("application", { name: "Workflow canvas" }).waitFor();
    // Running it is still offered.
    await page.getByRole("button", { name: "Run workflow" }).waitFor();
    await screenshot(page, "a11y-phone-editor-view-only");

    // On the desktop the same page edits.
    const desktop = await newPage();
    await signInAs(desktop, ADMIN);
    await desktop.goto(`/workflows/${workflowId}`);
    await desktop.getByRole("button", { name: "Save workflow" }).waitFor();
    expect(await desktop.getByText("View only on a phone.").count()).toBe(0);
  });

  it("moves focus into a form as it opens and back to its opener, with no ring on page headings", async ({
    page,
    server,
  }) => {
    await seed(server.url);
    await signInAs(page, ADMIN);
    await page.keyboard.press("Tab");
    await goTo(page, "Tasks");
    // The heading has focus (for screen readers) but draws no focus ring.
    const heading = page.getByRole("heading", { name: "Tasks", level: 1 });
    expect(await hasFocus(heading)).toBe(true);
    expect(
      await heading.evaluate((element) => (globalThis as unknown as InPage).getComputedStyle(element).outlineStyle),
    ).toBe("none");

    await page.getByRole("button", { name: "New task" }).focus();
    await page.keyboard.press("Enter");
    expect(await hasFocus(page.getByLabel("Description"))).toBe(true);
    await page.keyboard.type("Typed at once");
    expect(await page.getByLabel("Description").inputValue()).toBe("Typed at once");
    await screenshot(page, "a11y-task-form-focused");
    await page.getByRole("form", { name: "New task" }).getByRole("button", { name: "Close" }).click();
    await expect.poll(() => hasFocus(page.getByRole("button", { name: "New task" }))).toBe(true);
  });

  it("outlines fields at 3:1 in both themes, and follows the system theme until one is picked", async ({
    page,
    server,
  }) => {
    await seed(server.url);
    await page.emulateMedia({ colorScheme: "light" });
    await signInAs(page, ADMIN);
    await goTo(page, "Settings");
    const field = ".card input:not([type=hidden]):not([type=checkbox])";
    await page.locator(field).first().waitFor();
    expect(await page.getByRole("button", { name: "Follow the system theme" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    expect(await contrast(page, field)).toBeGreaterThanOrEqual(3);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(() => contrast(page, field)).toBeGreaterThanOrEqual(3);
    await screenshot(page, "a11y-settings-dark-system");

    // Picking Light outranks the dark system; System follows it again.
    const background = () => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    await page.getByRole("button", { name: "Light theme" }).click();
    expect(await page.getByRole("button", { name: "Light theme" }).getAttribute("aria-pressed")).toBe("true");
    await expect.poll(background).toBe("rgb(246, 247, 249)");
    await page.getByRole("button", { name: "Follow the system theme" }).click();
    await expect.poll(background).toBe("rgb(15, 17, 21)");
  });

  it("asks in a styled dialog before deleting, and Cancel keeps the thing", async ({ page, server }) => {
    await seed(server.url);
    await signInAs(page, ADMIN);
    await goTo(page, "Repositories");
    const remove = page.getByRole("button", { name: "Delete greeter" });
    await remove.click();
    const dialog = page.getByRole("dialog", { name: "Delete the saved repository greeter?" });
    await dialog.waitFor();
    // A destructive question starts on Cancel, so Enter never deletes by accident.
    expect(await hasFocus(dialog.getByRole("button", { name: "Cancel" }))).toBe(true);
    await expectAccessible(page);
    await screenshot(page, "a11y-confirm-dialog");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await hasFocus(remove)).toBe(true);
    await remove.click();
    await answerDialog(page, "Delete repository");
    await page.getByText("No saved repositories yet.").waitFor();
  });
});
