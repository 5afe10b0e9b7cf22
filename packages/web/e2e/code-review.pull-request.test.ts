// Accepting a pushed change with a pull request, from the dashboard: the server opens it on the forge the
// operator configured (a fake of GitHub's REST API on 127.0.0.1) and the task page links it; a repository on
// a host with no forge gets the server's reason and stays open for review.
import { afterAll, describe, expect } from "vitest";
import { type FakeForge, startFakeForge } from "../../../test/fakes/forge.ts";
import { apiClient } from "../../../test/support/http.ts";
import { startTestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { registerWorkerMachine, signInAs } from "./support/flows.ts";
import { codeResultOf, completeAsWorker, createGreeterRepo } from "./support/git-change.ts";

let forge: FakeForge | undefined;
const it = dashboardTest(async () => {
  forge = await startFakeForge();
  return startTestServer({ forges: [{ host: "forge.test", api_url: forge.apiUrl, token: forge.token }] });
});
const { repo, base, revisionOne } = createGreeterRepo();
afterAll(async () => {
  repo.remove();
  await forge?.close();
});

describe.skipIf(chromiumMissing())("dashboard: pull requests for accepted code tasks", () => {
  // The file's server, forge and browser start inside this one test: a longer hang guard on a loaded machine.
  it("accepts a pushed change with a pull request, and shows why a repository without a forge cannot have one", {
    timeout: 120_000,
  }, async ({ server, page }) => {
    const api = apiClient(server.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user, "worker: box");
    const workerId = await registerWorkerMachine(server.url, key, { name: "box", tools: [{ name: "claude_code" }] });
    // The branch is pushed to the repository's remote; the patch itself comes from the local greeter repository.
    const pushedTask = async (url: string, description: string) => {
      const created = await api.post(
        "/api/v1/tasks",
        { description, tool: "claude_code", repo: { url, ref: "main", push: true } },
        { token: user.access_token },
      );
      expect(created.status).toBe(201);
      const code = codeResultOf(repo, { base, head: revisionOne, branch: "garageswarm/review-1", baseRef: "main" });
      await completeAsWorker(api, key, workerId, { ...code, repo_url: url, pushed: true });
      return created.body.task_id as string;
    };
    const onForge = await pushedTask("git@forge.test:acme/greeter.git", "Greet on the forge");
    const elsewhere = await pushedTask("git@elsewhere.test:acme/greeter.git", "Greet elsewhere");

    await signInAs(page, user);
    await page.goto(`/tasks/${elsewhere}`);
    const review = page.getByRole("region", { name: "Review", exact: true });
    await review.getByRole("button", { name: "Accept and open a pull request" }).click();
    await review.getByText("no forge is configured for git@elsewhere.test:acme/greeter.git").waitFor();
    // Refused as a whole: still unreviewed, both verdicts still offered.
    expect(await page.getByRole("region", { name: "Change", exact: true }).textContent()).toContain(
      "Waiting for review",
    );
    expect(await review.getByRole("button", { name: "Accept", exact: true }).isEnabled()).toBe(true);

    await page.goto(`/tasks/${onForge}`);
    await page.getByRole("region", { name: "Change", exact: true }).getByText("pushed", { exact: true }).waitFor();
    await review.getByRole("button", { name: "Accept and open a pull request" }).click();
    const link = review.getByRole("link", { name: "Pull request #1" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe("https://forge.test/acme/greeter/pull/1");
    expect(await review.getByLabel("Merge the pushed branch").inputValue()).toContain("git fetch");
    const change = page.getByRole("region", { name: "Change", exact: true });
    await change.getByRole("link", { name: "#1" }).waitFor();
    expect(await change.textContent()).toContain("Accepted");
    expect(forge?.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    expect(forge?.requests.at(-1)?.body).toMatchObject({ head: "garageswarm/review-1", base: "main" });
    await screenshot(page, "code-review-pull-request");
  });
});
