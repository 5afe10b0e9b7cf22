import { access, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GitError, git, gitEnvironment } from "./git.ts";

const source = {
  PATH: process.env.PATH,
  SSH_AUTH_SOCK: "/run/user/1000/ssh-agent.sock",
  GIT_SSH_COMMAND: "ssh -i ~/.ssh/deploy_key",
  GIT_ASKPASS: "/usr/bin/ksshaskpass",
  SSH_ASKPASS: "/usr/bin/ksshaskpass",
};

describe("gitEnvironment", () => {
  it("gives the owner's tasks the owner's ssh agent and ssh command, never a prompt", () => {
    const env = gitEnvironment({ PATH: source.PATH, GIT_ASKPASS: "x" }, source, false);
    expect(env).toMatchObject({
      SSH_AUTH_SOCK: source.SSH_AUTH_SOCK,
      GIT_SSH_COMMAND: source.GIT_SSH_COMMAND,
      GIT_TERMINAL_PROMPT: "0",
    });
    expect(env.GIT_ASKPASS).toBeUndefined();
    expect(env.SSH_ASKPASS).toBeUndefined();
  });

  it("gives another user's task no ssh agent and no ssh identity", () => {
    const env = gitEnvironment({ PATH: source.PATH, SSH_AUTH_SOCK: "leaked" }, source, true);
    expect(env.SSH_AUTH_SOCK).toBeUndefined();
    expect(env.GIT_SSH_COMMAND).toBe("ssh -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=/dev/null");
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
    expect(env.GIT_ASKPASS).toBeUndefined();
    expect(env).toMatchObject({ GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" });
  });
});

describe("git credentials", () => {
  // A remote that asks for a password: the owner's credential helper answers for the owner's tasks only.
  const headers: Array<string | undefined> = [];
  const server = createServer((request, response) => {
    headers.push(request.headers.authorization);
    response.writeHead(401, { "www-authenticate": 'Basic realm="private"' }).end();
  });
  const listening = new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function fetchWithHelper(untrusted: boolean): Promise<{ error: unknown; helperCalled: boolean }> {
    await listening;
    const home = await mkdtemp(join(tmpdir(), "gs-home-"));
    const marker = join(home, "helper-called");
    await writeFile(
      join(home, ".gitconfig"),
      `[credential]\n\thelper = "!f() { echo called >> '${marker}'; echo username=owner; echo password=secret; }; f"\n` +
        "[http]\n\textraHeader = Authorization: Bearer owner-token\n",
    );
    const repo = await mkdtemp(join(tmpdir(), "gs-repo-"));
    const context = { env: gitEnvironment({ PATH: process.env.PATH, HOME: home }, {}, untrusted), untrusted };
    await git(context, ["init", "--quiet", "--bare"], { cwd: repo });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/private.git`;
    const error = await git(context, ["fetch", "--quiet", url], { cwd: repo }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    const helperCalled = await access(marker).then(
      () => true,
      () => false,
    );
    if (helperCalled) expect(await readFile(marker, "utf8")).toContain("called");
    return { error, helperCalled };
  }

  it("another user's task cannot use the owner's credential helper nor the headers of the owner's git config", async () => {
    headers.length = 0;
    const shared = await fetchWithHelper(true);
    expect(headers.length).toBeGreaterThan(0);
    expect(headers).not.toContain("Bearer owner-token");
    expect(shared.helperCalled).toBe(false);
    expect(shared.error).toBeInstanceOf(GitError);
    expect((shared.error as GitError).stderr).toMatch(/could not read Username|terminal prompts disabled/);
  });

  it("the owner's own task does", async () => {
    headers.length = 0;
    const owned = await fetchWithHelper(false);
    expect(headers).toContain("Bearer owner-token");
    expect(owned.helperCalled).toBe(true);
    expect(owned.error).toBeInstanceOf(GitError);
  });
});
