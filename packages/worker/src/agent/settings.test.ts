import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMachineId } from "./identity.ts";
import { resolveWorkerSettings } from "./settings.ts";

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "gs-settings-"));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));

describe("resolveWorkerSettings", () => {
  it("takes flags over env over config.json", async () => {
    await writeFile(
      join(stateDir, "config.json"),
      JSON.stringify({ server: "http://file:1", key: "gs_file", name: "from-file", slots: 3, labels: ["gpu"] }),
    );
    const env = { GARAGESWARM_SERVER: "http://env:2", GARAGESWARM_WORKER_SLOTS: "4" };
    const settings = await resolveWorkerSettings({ stateDir, slots: "5" }, env);
    expect(settings).toMatchObject({
      server: "http://env:2",
      key: "gs_file",
      name: "from-file",
      slots: 5,
      labels: ["gpu"],
      pull: false,
      enableShell: false,
    });
    const fromEnv = await resolveWorkerSettings({ stateDir }, env);
    expect(fromEnv.slots).toBe(4);
  });

  it("reads the sandbox settings: pass-env, the unsafe-modes opt-in, the work dir and its retention", async () => {
    const base = { stateDir, server: "http://h:1", key: "gs_x" };
    expect(await resolveWorkerSettings(base, {})).toMatchObject({
      passEnv: [],
      allowUnsafeAgentModes: [],
      workDir: undefined,
      workdirRetentionSeconds: 0,
    });
    await writeFile(
      join(stateDir, "config.json"),
      JSON.stringify({
        pass_env: ["FROM_FILE"],
        allow_unsafe_agent_modes: ["codex_cli"],
        workdir_retention_seconds: 60,
      }),
    );
    const env = { GARAGESWARM_PASS_ENV: "A,B", GARAGESWARM_WORK_DIR: "/srv/work" };
    expect(await resolveWorkerSettings(base, env)).toMatchObject({
      passEnv: ["A", "B"],
      allowUnsafeAgentModes: ["codex_cli"],
      workDir: "/srv/work",
      workdirRetentionSeconds: 60,
    });
    const flags = { ...base, allowUnsafeAgentModes: true, workdirRetention: "5" };
    expect(await resolveWorkerSettings(flags, env)).toMatchObject({
      allowUnsafeAgentModes: ["claude_code", "gemini_cli", "codex_cli"],
      workdirRetentionSeconds: 5,
    });
    await expect(resolveWorkerSettings({ ...base, passEnv: "REDIS_URL" }, {})).rejects.toThrow(/--pass-env/);
    await expect(resolveWorkerSettings({ ...base, workdirRetention: "-1" }, {})).rejects.toThrow(/--workdir-retention/);
  });

  it("names the flag or variable to fix", async () => {
    await expect(resolveWorkerSettings({ stateDir, key: "gs_x" }, {})).rejects.toThrow(/--server.*GARAGESWARM_SERVER/);
    await expect(resolveWorkerSettings({ stateDir, server: "http://h:1" }, {})).rejects.toThrow(/--key/);
    await expect(resolveWorkerSettings({ stateDir, server: "http://h:1", key: "nope" }, {})).rejects.toThrow(/gs_/);
    await expect(
      resolveWorkerSettings({ stateDir, server: "http://h:1", key: "gs_x", slots: "0" }, {}),
    ).rejects.toThrow(/--slots/);
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ slots: "many" }));
    await expect(resolveWorkerSettings({ stateDir, server: "http://h:1", key: "gs_x" }, {})).rejects.toThrow(
      /config\.json: slots/,
    );
  });
});

describe("loadMachineId", () => {
  it("is generated once per state dir and kept", async () => {
    const first = await loadMachineId(stateDir);
    expect(await loadMachineId(stateDir)).toBe(first);
    expect((await readFile(join(stateDir, "machine-id"), "utf8")).trim()).toBe(first);
    const other = await mkdtemp(join(tmpdir(), "gs-settings-"));
    try {
      expect(await loadMachineId(other)).not.toBe(first);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("agrees on one id when two workers start at once", async () => {
    const ids = await Promise.all([loadMachineId(stateDir), loadMachineId(stateDir), loadMachineId(stateDir)]);
    expect(new Set(ids).size).toBe(1);
  });
});
