// Must show (issue 10 §1): a fresh machine enrolled with the one-line installer. The "machine" is a temp
// HOME and working directory with nothing of this checkout on PATH (only node's dir and the system tools);
// it runs the real `curl … | sh` against a running server, the worker comes online and runs a task to
// completion, and is stopped afterwards with nothing left running.
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { exited, run, runShellTask, waitFor } from "./machine.support.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

// The bundle the server serves, built as `npm run build` builds it (skipped when fresh).
const built = spawnSync(process.execPath, [join(repoRoot, "packages/cli/scripts/build-bundle.mjs")], {
  encoding: "utf8",
});
if (built.status !== 0) throw new Error(`building the worker bundle failed: ${built.stderr}`);
const version = JSON.parse(await readFile(join(repoRoot, "packages/cli/package.json"), "utf8")).version as string;

const systemPath = ["/usr/bin", "/bin"];

// biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
const it = serverTest().extend("machine", async ({}, { onCleanup }) => {
  const root = await mkdtemp(join(tmpdir(), "gs-fresh-machine-"));
  const home = join(root, "home");
  const cwd = join(root, "cwd");
  await mkdir(home);
  await mkdir(cwd);
  onCleanup(() => rm(root, { recursive: true, force: true }));
  const env = { HOME: home, PATH: [dirname(process.execPath), ...systemPath].join(delimiter), LANG: "C.UTF-8" };
  return { root, home, cwd, env };
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function makeCode(api: ApiClient, token: string) {
  const created = await api.post("/api/v1/enrolment-codes", { name: "fresh-box" }, { token });
  if (created.status !== 201) throw new Error(`create code: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { code: string; install: { sh: string } };
}

describe.skipIf(postgresStackMissing())("the one-line installer on a fresh machine", () => {
  // A hang guard only: this test starts the server, downloads and starts the worker, and runs a task.
  it("enrols the machine: the worker comes online, runs a task, and stops leaving nothing running", {
    timeout: 240_000,
  }, async ({ server, api, machine }) => {
    const owner = await createUser(api);
    const { code, install } = await makeCode(api, owner.access_token);
    // Exactly the line the dashboard shows, with worker flags after `--` (the shell tool needs no vendor).
    const line = `${install.sh} -- --enable-shell --health-interval 1`;
    expect(line).toBe(
      `curl -fsSL ${server.url}/install.sh | sh -s -- --code ${code} -- --enable-shell --health-interval 1`,
    );

    let output = "";
    const child = spawn("sh", ["-c", line], { cwd: machine.cwd, env: machine.env, detached: true });
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    try {
      const worker = await waitFor(
        "the worker to come online",
        async () => {
          const listed = await api.get("/api/v1/workers", { token: owner.access_token });
          return listed.body.items.find(
            (item: { status: string; tools: Array<{ name: string }> }) =>
              item.status === "online" && item.tools.some((tool) => tool.name === "shell"),
          );
        },
        () => output,
      );
      expect(worker).toMatchObject({ machine_name: "fresh-box", version });

      const done = await runShellTask(api, owner.access_token, "echo enrolled-and-working", () => output);
      expect(done.status, output).toBe("completed");
      expect(done.result.output).toContain("enrolled-and-working");
      expect(done.worker_id).toBe(worker.worker_id);
    } finally {
      // Ctrl-C's signal to the whole pipeline: the worker drains (nothing is running) and exits.
      if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, "SIGINT");
      await exited(child);
    }
    await waitFor("every process of the installer to end", async () =>
      child.pid && !groupAlive(child.pid) ? true : undefined,
    );

    // What the installer left on the machine: the checked bundle, a launcher, and the key kept private.
    const bundle = join(machine.home, ".garageswarm", "bin", `garageswarm-${version}.mjs`);
    expect((await stat(bundle)).isFile()).toBe(true);
    const launcher = await readFile(join(machine.home, ".local", "bin", "garageswarm"), "utf8");
    expect(launcher).toContain(bundle);
    const configFile = join(machine.home, ".garageswarm", "worker", "config.json");
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(configFile, "utf8"));
    expect(config).toEqual({ server: server.url, key: expect.stringMatching(/^gs_/), name: "fresh-box" });
    expect(output).toContain(".local/bin is not on your PATH");
    expect(output).not.toContain(config.key);

    // The launcher alone runs the worker CLI from then on, without the installer.
    const help = await run(join(machine.home, ".local", "bin", "garageswarm"), ["--version"], machine);
    expect(help.stdout.trim()).toBe(version);

    // The code was spent: running the same line again enrols nothing.
    const again = await run("sh", ["-c", install.sh], machine);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain("unknown, expired or already used pairing code");
  });

  it("refuses a bundle whose checksum differs from the one the server published", async ({ server, machine }) => {
    const script = await (await fetch(`${server.url}/install.sh`)).text();
    const tampered = script.replace(/^GS_SHA256='[0-9a-f]{64}'$/m, `GS_SHA256='${"0".repeat(64)}'`);
    expect(tampered).not.toBe(script);
    const tamperedRun = await run("sh", ["-s", "--", "--code", "AAAA-AAAA"], {
      input: tampered,
      env: machine.env,
    });
    expect(tamperedRun.status).toBe(1);
    expect(tamperedRun.stderr).toContain("refusing to install it");
    await expect(stat(join(machine.home, ".garageswarm", "bin", `garageswarm-${version}.mjs`))).rejects.toThrow();
    await expect(stat(join(machine.home, ".local", "bin", "garageswarm"))).rejects.toThrow();
  });

  it("says clearly when Node is missing or too old", async ({ server, machine }) => {
    const script = await (await fetch(`${server.url}/install.sh`)).text();
    // PATH without node (the script needs nothing external before it looks for node).
    const emptyBin = join(machine.root, "empty-bin");
    await mkdir(emptyBin);
    const noNode = await run("/bin/sh", ["-s", "--", "--code", "AAAA-AAAA"], {
      input: script,
      env: { ...machine.env, PATH: emptyBin },
    });
    expect(noNode.status).toBe(1);
    expect(noNode.stderr).toContain('Node.js 20.19 or newer is needed and "node" is not on PATH');
    // An old node first on PATH (a stand-in that answers as Node 18 would).
    const oldBin = join(machine.root, "old-node");
    await mkdir(oldBin);
    await writeFile(join(oldBin, "node"), '#!/bin/sh\n[ "$1" = --version ] && echo v18.20.4 && exit 0\nexit 1\n');
    await chmod(join(oldBin, "node"), 0o755);
    const old = await run("sh", ["-s", "--", "--code", "AAAA-AAAA"], {
      input: script,
      env: { ...machine.env, PATH: [oldBin, machine.env.PATH].join(delimiter) },
    });
    expect(old.status).toBe(1);
    expect(old.stderr).toContain("Node.js 20.19 or newer is needed; this is v18.20.4");
  });
});
