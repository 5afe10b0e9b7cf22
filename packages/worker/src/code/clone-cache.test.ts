import { access, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGitRemote, gitIn } from "../../test/support/git-remote.ts";
import { CloneCache, clonePath, RepoUnreachableError, UnknownRefError } from "./clone-cache.ts";
import { type GitContext, gitEnvironment } from "./git.ts";

const context: GitContext = {
  env: gitEnvironment({ PATH: process.env.PATH, HOME: process.env.HOME }, {}, false),
  untrusted: false,
};

async function cacheFor(url: string) {
  const cache = new CloneCache(join(await mkdtemp(join(tmpdir(), "gs-state-")), "repos"));
  const clone = cache.pathOf(url);
  await cache.fetch(context, url, clone);
  return { cache, clone };
}

describe("CloneCache", () => {
  it("keeps one bare clone per URL and fetches into it, never cloning again", async () => {
    const remote = await createGitRemote();
    const first = await remote.commit({ "a.txt": "one\n" });
    const { cache, clone } = await cacheFor(remote.url);
    expect(clone).toBe(clonePath(cache.root, remote.url));
    expect(clone).toMatch(/[0-9a-f]{16}\.git$/);
    expect((await cache.resolve(context, remote.url, clone, "main")).sha).toBe(first);

    // A file of our own in the clone survives the next fetch: the clone was fetched into, not made anew.
    await writeFile(join(clone, "gs-marker"), "kept");
    const second = await remote.commit({ "a.txt": "two\n" });
    await cache.fetch(context, remote.url, clone);
    await access(join(clone, "gs-marker"));
    expect((await cache.resolve(context, remote.url, clone, "main")).sha).toBe(second);
    expect(await gitIn(clone, "config", "--get", "core.bare")).toBe("true\n");
  });

  it("resolves the remote's default branch, a branch, a tag and a SHA", async () => {
    const remote = await createGitRemote("trunk");
    const base = await remote.commit({ "a.txt": "one\n" });
    await remote.tag("v1");
    const feature = await remote.commit({ "b.txt": "feature\n" }, "feature", "feature/x");
    const { cache, clone } = await cacheFor(remote.url);

    expect(await cache.resolve(context, remote.url, clone, undefined)).toEqual({
      sha: base,
      trackingRef: "refs/remotes/origin/trunk",
      remoteBranch: "trunk",
    });
    expect(await cache.resolve(context, remote.url, clone, "feature/x")).toMatchObject({
      sha: feature,
      remoteBranch: "feature/x",
    });
    expect(await cache.resolve(context, remote.url, clone, "v1")).toEqual({
      sha: base,
      trackingRef: "refs/tags/v1",
      remoteBranch: null,
    });
    expect(await cache.resolve(context, remote.url, clone, feature)).toEqual({
      sha: feature,
      trackingRef: null,
      remoteBranch: null,
    });
  });

  it("an unknown ref is an UnknownRefError naming the ref and the URL", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "one\n" });
    const { cache, clone } = await cacheFor(remote.url);
    const missing = cache.resolve(context, remote.url, clone, "no-such-branch");
    await expect(missing).rejects.toBeInstanceOf(UnknownRefError);
    await expect(missing).rejects.toThrow(`ref no-such-branch not found in ${remote.url}`);
    await expect(cache.resolve(context, remote.url, clone, "0".repeat(40))).rejects.toBeInstanceOf(UnknownRefError);
  });

  it("an unreachable repository is a RepoUnreachableError carrying git's stderr", async () => {
    const url = `file://${join(await mkdtemp(join(tmpdir(), "gs-none-")), "missing.git")}`;
    const cache = new CloneCache(join(await mkdtemp(join(tmpdir(), "gs-state-")), "repos"));
    const fetching = cache.fetch(context, url, cache.pathOf(url));
    await expect(fetching).rejects.toBeInstanceOf(RepoUnreachableError);
    await expect(fetching).rejects.toThrow(/cannot fetch .*missing\.git: .*(does not appear|not found|No such)/s);
  });

  it("runs work on one clone one at a time, and on different clones side by side", async () => {
    const cache = new CloneCache(join(await mkdtemp(join(tmpdir(), "gs-state-")), "repos"));
    const order: string[] = [];
    let releaseFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = cache.withClone("file:///a", async () => {
      order.push("a1 start");
      await firstHeld;
      order.push("a1 end");
    });
    const second = cache.withClone("file:///a", async () => {
      order.push("a2 start");
    });
    const other = cache.withClone("file:///b", async () => {
      order.push("b start");
    });
    await other;
    expect(order).toEqual(["a1 start", "b start"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["a1 start", "b start", "a1 end", "a2 start"]);
  });
});
