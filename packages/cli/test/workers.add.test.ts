// `garageswarm workers add` as a person runs it: the line it prints is run on "the other machine" (a worker
// spawned exactly so), the key never on its command line, and the CLI says when that worker connects.
import { afterEach, describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cleanUpWorkers, spawnWorker } from "../../worker/test/e2e/support.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();
afterEach(() => cleanUpWorkers());

describe.skipIf(postgresStackMissing())("garageswarm workers add", () => {
  it("--with-key prints the npx worker command with --name and the key in the environment, and --wait sees it connect", async ({
    server,
    key,
  }) => {
    const shown: RegExpExecArray[] = [];
    const started: Array<Promise<unknown>> = [];
    const added = runCli(
      ["workers", "add", "laptop", "--with-key", "--wait", "--server", server.url, "--key", key],
      {},
      "",
      (stdout) => {
        const line =
          /Linux, macOS: +GARAGESWARM_KEY=(gs_\S+) npx garageswarm worker --server (\S+) --name laptop$/m.exec(stdout);
        if (line && started.length === 0) {
          shown.push(line);
          const [, workerKey, serverUrl] = line;
          // What the person pastes: the key in the environment, the rest as flags.
          started.push(
            spawnWorker({ server: serverUrl, env: { GARAGESWARM_KEY: workerKey }, args: ["--name", "laptop"] }),
          );
        }
      },
    );
    const result = await added;
    expect(result.code).toBe(0);
    expect(shown).toHaveLength(1);
    expect(result.stdout).toMatch(
      /Windows PowerShell: +\$env:GARAGESWARM_KEY='gs_\S+'; npx garageswarm worker --server \S+ --name laptop$/m,
    );
    // The test server listens on 127.0.0.1 only: the CLI says other machines cannot reach it.
    expect(result.stderr).toContain("listens on its own machine only");
    expect(result.stderr).toMatch(
      /✓ laptop connected — send it a task: garageswarm task create .* --worker [0-9a-f-]{36}/,
    );
    expect(started).toHaveLength(1);
    await started[0];
  });

  it("prints the pairing code's install lines", async ({ server, key }) => {
    const added = await runCli(["workers", "add", "gpu-box", "--server", server.url, "--key", key]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/Linux, macOS: +curl -fsSL \S+\/install\.sh \| sh -s -- --code \S+$/m);
    const chosen = await runCli([
      "workers",
      "add",
      "gpu-box",
      "--address",
      "http://192.168.1.20:8000",
      "--server",
      server.url,
      "--key",
      key,
    ]);
    expect(chosen.stdout).toContain("curl -fsSL http://192.168.1.20:8000/install.sh | sh -s -- --code ");
    expect(chosen.stdout).toContain("irm http://192.168.1.20:8000/install.ps1");
  });
});
