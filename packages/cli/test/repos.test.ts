// `repos add|list|remove` and `task create --repo`: saved repositories and code tasks from the terminal.
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

describe.skipIf(postgresStackMissing())("code tasks from the CLI", () => {
  it("saves a repository and creates a code task from its name, the flags over its settings", async ({
    server,
    api,
    user,
    key,
  }) => {
    const connection = ["--server", server.url, "--key", key];
    const added = await runCli([
      "repos",
      "add",
      "app",
      "file:///srv/git/app.git",
      "--ref",
      "main",
      "--check",
      "npm test",
      ...connection,
    ]);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain("--repo app");
    const listed = await runCli(["repos", "list", ...connection]);
    expect(listed.stdout).toMatch(/^app\s+file:\/\/\/srv\/git\/app\.git\s+main\s+-\s+npm test\s+no$/m);

    const created = await runCli([
      "task",
      "create",
      "turn verbose on",
      "--tool",
      "claude_code",
      "--repo",
      "app",
      "--ref",
      "develop",
      "--push",
      ...connection,
    ]);
    expect(created.code).toBe(0);
    const task = await api.get(`/api/v1/tasks/${created.stdout.trim()}`, { token: user.access_token });
    expect(task.body.repo).toEqual({ url: "file:///srv/git/app.git", ref: "develop", check: "npm test", push: true });
    const shown = await runCli(["task", "get", task.body.task_id, ...connection]);
    expect(shown.stdout).toMatch(/^repository\s+file:\/\/\/srv\/git\/app\.git \(develop\)$/m);
    expect(shown.stdout).toMatch(/^revision\s+1 \(unreviewed\)$/m);
    const noChange = await runCli(["task", "diff", task.body.task_id, ...connection]);
    expect(noChange.code).toBe(1);
    expect(noChange.stderr).toContain("has reported no change yet");

    const unknown = await runCli(["task", "create", "x", "--tool", "claude_code", "--repo", "nope", ...connection]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no saved repository has that name (app)");
    const secret = await runCli([
      "task",
      "create",
      "x",
      "--tool",
      "claude_code",
      "--repo",
      "https://me:pw@example.com/a.git",
      ...connection,
    ]);
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain("password");
    const orphan = await runCli(["task", "create", "x", "--tool", "claude_code", "--check", "npm test", ...connection]);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain("need --repo");

    expect((await runCli(["repos", "remove", "app", ...connection])).code).toBe(0);
    expect((await runCli(["repos", "list", ...connection])).stdout).toContain("(none)");
  });
});
