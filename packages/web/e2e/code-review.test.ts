// Code tasks in a real browser against a real server: saved repositories and the task form's repository
// section; then a review: a worker (this test, through the worker API, with a change made in a real git
// repository) completes the task, the user reads the files and the diff, comments on a line and on the whole
// change, requests changes, sees revision 2 arrive, and accepts it on a phone.
import { afterAll, describe, expect } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { chromiumMissing, type Page, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { answerDialog, goTo, registerWorkerMachine, signInAs, signInAsNewUser } from "./support/flows.ts";
import { codeResultOf, completeAsWorker, createGreeterRepo } from "./support/git-change.ts";

const it = dashboardTest();
const { repo, base, revisionOne, revisionTwo } = createGreeterRepo();
afterAll(() => repo.remove());

/** How far the page is wider than the phone's 390 px screen (as phone-control.test.ts measures it). */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("Math.max(document.documentElement.scrollWidth, window.innerWidth) - 390");
}

describe.skipIf(chromiumMissing())("dashboard: code tasks", () => {
  // The file's server and browser start inside the first test: a longer hang guard on a loaded machine.
  it("saves, edits and deletes a repository, and picks it in the task form, with the server's field errors", {
    timeout: 120_000,
  }, async ({ server, page }) => {
    await signInAsNewUser(page, server.url);
    await goTo(page, "Repositories");
    await page.getByText("No saved repositories yet.").waitFor();
    expect(await page.getByText("to pick it in one step when you create a task").count()).toBe(1);

    await page.getByRole("button", { name: "Add repository" }).click();
    const form = page.getByRole("form", { name: "Add a repository" });
    await form.getByLabel("Name").fill("greeter");
    // A token in the URL would be stored and sent to every worker: the server refuses it, on the field.
    await form.getByLabel("URL").fill("https://me:hunter2@example.com/greeter.git");
    await form.getByLabel("Default branch or tag").fill("main");
    await form.getByLabel("Check command").fill("npm test");
    await form.getByRole("button", { name: "Add repository" }).click();
    await expect.poll(() => form.getByLabel("URL").getAttribute("aria-invalid")).toBe("true");
    expect(await form.textContent()).toContain("must not contain a password");

    await form.getByLabel("URL").fill(repo.url);
    await form.getByRole("button", { name: "Add repository" }).click();
    const card = page.getByRole("article", { name: "greeter" });
    await card.waitFor();
    expect(await card.textContent()).toContain(repo.url);
    expect(await card.textContent()).toContain("npm test");

    await card.getByRole("button", { name: "Edit greeter" }).click();
    const edit = page.getByRole("form", { name: "Edit greeter" });
    await edit.getByLabel("Check command").fill("npm run test:unit");
    await edit.getByLabel("Setup command").fill("npm ci");
    await edit.getByRole("button", { name: "Save repository" }).click();
    await card.getByText("npm run test:unit").waitFor();
    expect(await card.textContent()).toContain("npm ci");
    await screenshot(page, "repositories");

    // The task form: the section is there for a tool that edits files, and a saved repository fills it.
    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
    await page.getByLabel("Tool").selectOption({ label: "Ollama" });
    await page.getByText("A repository needs tools that edit files").waitFor();
    expect(await page.getByLabel("Repository URL").count()).toBe(0);
    await page.getByLabel("Tool").selectOption({ label: "Claude Code" });
    await page.getByLabel("Saved repository").selectOption({ label: "greeter" });
    expect(await page.getByLabel("Repository URL").inputValue()).toBe(repo.url);
    expect(await page.getByLabel("Branch, tag or commit").inputValue()).toBe("main");
    expect(await page.getByLabel("Check command").inputValue()).toBe("npm run test:unit");
    expect(await page.getByLabel("Setup command").inputValue()).toBe("npm ci");

    await page.getByLabel("Description").fill("Say hello properly");
    // A ref git would read as an option: the server names the field, and the form shows it there.
    await page.getByLabel("Branch, tag or commit").fill("--upload-pack=touch /tmp/pwned");
    await page.getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => page.getByLabel("Branch, tag or commit").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("link", { name: "Say hello properly" }).count()).toBe(0);
    await screenshot(page, "task-form-repository");

    await page.getByLabel("Branch, tag or commit").fill("main");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.getByRole("link", { name: "Say hello properly" }).click();
    await page.getByRole("heading", { name: "Say hello properly", level: 1 }).waitFor();
    await page.getByText(`${repo.url} @ main`).waitFor();
    await page.getByText("The change is shown here when the task completes.").waitFor();
    // A retry is the same code task again: it keeps the repository.
    const original = page.url();
    await page.getByRole("button", { name: "Cancel task" }).click();
    await page.getByRole("button", { name: "Retry task" }).click();
    await expect.poll(() => page.url()).not.toBe(original);
    await page.getByText(`${repo.url} @ main`).waitFor();

    await goTo(page, "Repositories");
    await page.getByRole("button", { name: "Delete greeter" }).click();
    await answerDialog(page, "Delete repository");
    await page.getByText("No saved repositories yet.").waitFor();
  });

  // One journey through two revisions, two browsers and a dozen round trips: a longer hang guard than the
  // default on a loaded 2-core machine.
  it("reviews a change: files, diff, a line comment and a whole-change comment, changes requested, revision 2 accepted on a phone", {
    timeout: 150_000,
  }, async ({ server, page, newPage }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user, "worker: box");
    const workerId = await registerWorkerMachine(server.url, key, { name: "box", tools: [{ name: "claude_code" }] });
    await signInAs(page, user);

    await goTo(page, "Tasks");
    await page.getByRole("button", { name: "New task" }).click();
    await page.getByLabel("Description").fill("Make greet friendlier");
    await page.getByLabel("Tool").selectOption({ label: "Claude Code" });
    await page.getByLabel("Repository URL").fill(repo.url);
    await page.getByLabel("Branch, tag or commit").fill("main");
    await page.getByLabel("Check command").fill("npm test");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.getByRole("link", { name: "Make greet friendlier" }).click();
    await page.getByRole("heading", { name: "Make greet friendlier", level: 1 }).waitFor();
    const firstUrl = page.url();

    const branch = "garageswarm/review-1";
    const first = await completeAsWorker(
      api,
      key,
      workerId,
      codeResultOf(repo, {
        base,
        head: revisionOne,
        branch,
        baseRef: "main",
        check: { command: "npm test", output: "1 test failed: greet\n", exitCode: 1 },
      }),
    );
    expect(firstUrl).toContain(first.task_id);

    // The open page follows the live feed: the change appears when the worker reports it.
    await page.getByRole("heading", { name: "Files changed (2)" }).waitFor();
    const summary = page.getByRole("region", { name: "Change", exact: true });
    expect(await summary.textContent()).toContain(branch);
    expect(await summary.textContent()).toContain(`${base.slice(0, 7)} → ${revisionOne.slice(0, 7)}`);
    expect(await summary.textContent()).toContain("Waiting for review");
    await summary.getByText("Base moved: 1 commit behind main").waitFor();
    const checks = page.getByRole("region", { name: "Checks", exact: true });
    expect(await checks.textContent()).toContain("Failed (exit 1)");
    // A failed check's output is open: it is what the reader came for.
    expect(await checks.getByText("1 test failed: greet").isVisible()).toBe(true);
    const files = page.getByRole("region", { name: "Files changed (2)" });
    expect(await files.getByRole("link").allTextContents()).toEqual(["src/farewell.ts", "src/greet.ts"]);

    const diff = page.getByRole("region", { name: "Diff", exact: true });
    await diff.getByRole("heading", { name: "src/greet.ts", level: 3 }).waitFor();
    expect(await diff.textContent()).toContain('return "hello, " + name;');
    expect(await diff.textContent()).toContain('return "hi " + name;');
    // Highlighted: the keyword is a Prism token.
    expect(await diff.locator(".token.keyword").count()).toBeGreaterThan(0);
    await diff.getByRole("button", { name: "Split" }).click();
    expect(await diff.getByRole("button", { name: "Split" }).getAttribute("aria-pressed")).toBe("true");
    await screenshot(page, "code-review-split");
    await diff.getByRole("button", { name: "Unified" }).click();

    // A line comment by keyboard: the line number is a button; Enter opens the box, Ctrl+Enter sends it.
    await diff.getByRole("button", { name: "Comment on line 2 of src/greet.ts" }).focus();
    await page.keyboard.press("Enter");
    const lineBox = diff.getByRole("textbox", { name: "Comment on line 2 of src/greet.ts" });
    await expect
      .poll(() =>
        lineBox.evaluate(
          (box) => box === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
        ),
      )
      .toBe(true);
    await page.keyboard.type("Keep the greeting short: just `hi`.");
    await page.keyboard.press("Control+Enter");
    await diff.getByText("Keep the greeting short: just `hi`.").waitFor();
    await expect.poll(() => lineBox.count()).toBe(0);
    // The keyboard is back on the line it commented on.
    await expect
      .poll(() =>
        page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('aria-label')"),
      )
      .toBe("Comment on line 2 of src/greet.ts");

    // A comment on a removed line, by mouse; then one on the whole change, and one deleted again.
    await diff.getByRole("button", { name: "Comment on removed line 2 of src/greet.ts" }).click();
    await diff.getByRole("textbox", { name: "Comment on removed line 2 of src/greet.ts" }).fill("Why drop the plus?");
    await diff.getByRole("button", { name: "Add comment" }).click();
    await diff.getByText("Why drop the plus?").waitFor();
    const review = page.getByRole("region", { name: "Review", exact: true });
    await review.getByLabel("Comment on the whole change").fill("Please add a test for greet.");
    await review.getByRole("button", { name: "Add comment" }).click();
    await review.getByText("Draft comments (3)").waitFor();
    const removedLine = review.getByRole("listitem").filter({ hasText: "Why drop the plus?" });
    expect(await removedLine.textContent()).toContain("src/greet.ts:2 (removed line)");
    await removedLine.getByRole("button", { name: "Delete comment" }).click();
    await review.getByText("Draft comments (2)").waitFor();
    expect(await diff.getByText("Why drop the plus?").count()).toBe(0);
    expect(await review.getByText("The whole change", { exact: true }).count()).toBe(1);
    await screenshot(page, "code-review-drafts");

    // The branch was not pushed: no forge can open a pull request of it, so none is offered.
    expect(await review.getByRole("button", { name: "Accept and open a pull request" }).count()).toBe(0);
    await review.getByLabel("Message to the agent").fill("Nearly there.");
    await review.getByRole("button", { name: "Request changes" }).click();
    await expect.poll(() => page.url()).not.toBe(firstUrl);
    await page.getByText("Revision 2 of 2").waitFor();
    await page.getByText("The change is shown here when the task completes.").waitFor();

    const second = await completeAsWorker(
      api,
      key,
      workerId,
      codeResultOf(repo, {
        base,
        head: revisionTwo,
        branch,
        baseRef: "main",
        check: { command: "npm test", output: "2 tests passed\n", exitCode: 0 },
      }),
    );
    expect(page.url()).toContain(second.task_id);
    expect(second.workspace).toMatchObject({ from_task_id: first.task_id, branch });
    await page.getByRole("heading", { name: "Files changed (3)" }).waitFor();
    expect(await page.getByRole("region", { name: "Checks", exact: true }).textContent()).toContain("Passed");
    expect(await page.getByRole("region", { name: "Diff", exact: true }).textContent()).toContain(
      "export const shout = true;",
    );

    // Revision 1 is now history: its comments were sent, and it points to the revision that makes them.
    await page
      .getByRole("navigation", { name: "Revisions" })
      .getByRole("link", { name: /^Revision 1/ })
      .click();
    await page.getByText("Revision 1 of 2").waitFor();
    const oldReview = page.getByRole("region", { name: "Review", exact: true });
    await oldReview.getByText("This is an earlier revision.").waitFor();
    expect(await oldReview.textContent()).toContain("Changes were requested: revision 2 makes them.");
    expect(await page.getByRole("region", { name: "Change", exact: true }).textContent()).toContain(
      "Changes requested",
    );
    expect(await page.getByRole("button", { name: "Accept" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Comment on line/ }).count()).toBe(0);
    await page
      .getByRole("region", { name: "Diff", exact: true })
      .getByText("Keep the greeting short: just `hi`.")
      .waitFor();
    expect(await page.getByRole("region", { name: "Diff", exact: true }).getByText("sent").count()).toBeGreaterThan(0);
    await page.getByRole("link", { name: "Review the latest revision" }).click();
    await page.getByText("Revision 2 of 2").waitFor();
    await screenshot(page, "code-review-revision-2");

    // The same review on a phone: one column, unified, nothing wider than the screen; accepted there.
    const phone = await newPage({ mobile: true });
    await signInAs(phone, user);
    await phone.goto(`/tasks/${second.task_id}`);
    await phone.getByRole("heading", { name: "Files changed (3)" }).waitFor();
    const phoneDiff = phone.getByRole("region", { name: "Diff", exact: true });
    await phoneDiff.getByRole("heading", { name: "test/greet.test.ts", level: 3 }).waitFor();
    expect(await phoneDiff.getByRole("button", { name: "Unified" }).getAttribute("aria-pressed")).toBe("true");
    expect(await sidewaysOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, "code-review-phone");
    await phone.getByRole("button", { name: "Accept" }).click();
    const accepted = phone.getByRole("region", { name: "Review", exact: true });
    await accepted.getByText("Accepted.").waitFor();
    expect(await accepted.getByLabel("Apply the patch").inputValue()).toContain(
      `garageswarm task patch ${second.task_id}`,
    );
    const download = accepted.getByRole("link", { name: /Download the patch/ });
    expect(await download.getAttribute("download")).toBe(`garageswarm-${second.task_id.slice(0, 8)}-r2.patch`);
    await phone.getByRole("region", { name: "Change", exact: true }).getByText("Accepted", { exact: true }).waitFor();
    expect(await sidewaysOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, "code-review-accepted-phone");

    // The desktop page hears of it too, and offers no more verdicts.
    await page.getByRole("region", { name: "Change", exact: true }).getByText("Accepted", { exact: true }).waitFor();
    expect(await page.getByRole("button", { name: "Request changes" }).count()).toBe(0);
    await page.getByRole("button", { name: "Dark theme" }).click();
    await screenshot(page, "code-review-dark");
  });
});
