// A worker installed from the server's bundle updates itself when the server serves another version: it
// downloads the server's bundle, installs it only if it matches the published SHA-256, drains, and the new
// version takes over in the same process, as the same worker. Later starts of the file it was installed as
// hand over to the new one, unless that file was changed after it was checked.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { exited, run, runShellTask, waitFor } from "./machine.support.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const buildScript = join(repoRoot, "packages/cli/scripts/build-bundle.mjs");
const serverVersion = JSON.parse(await readFile(join(repoRoot, "packages/cli/package.json"), "utf8")).version as string;
const olderVersion = "0.0.9-selfupdate";

/** Runs node with `args` to its end. */
async function runNode(args: string[], env: NodeJS.ProcessEnv) {
  const { status, stdout, stderr } = await run(process.execPath, args, { env });
  return { status, out: stdout, err: stderr };
}

// biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
const it = serverTest().extend("machine", async ({}, { onCleanup }) => {
  const root = await mkdtemp(join(tmpdir(), "gs-self-update-"));
  onCleanup(() => rm(root, { recursive: true, force: true }));
  const home = join(root, "home");
  const bin = join(home, ".garageswarm", "bin");
  await mkdir(bin, { recursive: true });
  const env = { HOME: home, PATH: [dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter), LANG: "C.UTF-8" };
  // The bundle the server serves (as `npm run build` builds it), and an older one installed on the machine.
  for (const args of [[buildScript], [buildScript, "--version", olderVersion, "--out-dir", bin]]) {
    const built = await runNode(args, process.env);
    if (built.status !== 0) throw new Error(`building a worker bundle failed: ${built.err}`);
  }
  return { home, bin, env, installed: join(bin, `garageswarm-${olderVersion}.mjs`) };
});

describe.skipIf(postgresStackMissing())("a worker installed from the server's bundle", () => {
  it("updates itself to the server's version after draining, as the same worker, and keeps to it on restart", {
    timeout: 240_000,
  }, async ({ server, api, machine }) => {
    const owner = await createUser(api);
    const key = await api.post("/api/v1/keys", { name: "laptop", scope: "worker" }, { token: owner.access_token });
    expect(key.status).toBe(201);

    let output = "";
    const worker = spawn(
      process.execPath,
      [machine.installed, "worker", "--server", server.url, "--key", key.body.key, "--name", "laptop"].concat([
        "--enable-shell",
        "--update-interval",
        "1",
        "--health-interval",
        "1",
      ]),
      { env: machine.env },
    );
    worker.stdout.on("data", (chunk) => (output += chunk));
    worker.stderr.on("data", (chunk) => (output += chunk));
    try {
      const updated = await waitFor(
        "the worker to come back online as the server's version",
        async () => {
          const listed = await api.get("/api/v1/workers", { token: owner.access_token });
          return listed.body.items.find(
            (item: { status: string; version: string }) => item.status === "online" && item.version === serverVersion,
          );
        },
        () => output,
      );
      expect(output).toContain(`the server has worker ${serverVersion} (this is ${olderVersion})`);
      expect(output).toContain(`worker ${serverVersion} is installed: draining, then it takes over`);
      // The same machine and the same worker, not a second one.
      const listed = await api.get("/api/v1/workers", { token: owner.access_token });
      expect(listed.body.items).toHaveLength(1);
      expect(updated.machine_name).toBe("laptop");
      expect((await readFile(join(machine.bin, "current"), "utf8")).trim()).toBe(serverVersion);

      const done = await runShellTask(api, owner.access_token, "echo running-the-new-version", () => output);
      expect(done.status, output).toBe("completed");
      expect(done.result.output).toContain("running-the-new-version");
      expect(done.worker_id).toBe(updated.worker_id);
      // It does not update again: one download, one take-over.
      expect(output.split("is installed: draining").length - 1).toBe(1);
    } finally {
      worker.kill("SIGINT");
      await exited(worker);
    }

    // The file the launcher and the service name still starts the new version…
    const restarted = await runNode([machine.installed, "--version"], machine.env);
    expect(restarted.out.trim()).toBe(serverVersion);
    // …unless the installed bundle was changed after it was checked: then the old one runs, and says why.
    const newer = join(machine.bin, `garageswarm-${serverVersion}.mjs`);
    await writeFile(newer, `${await readFile(newer, "utf8")}\n// changed\n`);
    const refused = await runNode([machine.installed, "--version"], machine.env);
    expect(refused.out.trim()).toBe(olderVersion);
    expect(refused.err).toContain(`not running the installed ${serverVersion}`);
  });
});
