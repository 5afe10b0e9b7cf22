import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { updateConfigFile } from "./config-file.ts";
import { loadMachineId, readConfigFile } from "./identity.ts";
import { configOfFlags, resolveWorkerSettings } from "./settings.ts";

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

  it("keeps code tasks' worktrees a week unless told otherwise (flag, env, config.json)", async () => {
    const base = { stateDir, server: "http://h:1", key: "gs_x" };
    expect((await resolveWorkerSettings(base, {})).worktreeRetentionSeconds).toBe(604_800);
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ worktree_retention_seconds: 3600 }));
    expect((await resolveWorkerSettings(base, {})).worktreeRetentionSeconds).toBe(3600);
    const env = { GARAGESWARM_WORKTREE_RETENTION: "120" };
    expect((await resolveWorkerSettings(base, env)).worktreeRetentionSeconds).toBe(120);
    expect((await resolveWorkerSettings({ ...base, worktreeRetention: "0" }, env)).worktreeRetentionSeconds).toBe(0);
    await expect(resolveWorkerSettings({ ...base, worktreeRetention: "soon" }, {})).rejects.toThrow(
      /--worktree-retention/,
    );
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

describe("--max-concurrent", () => {
  const base = { server: "http://h:1", key: "gs_x" };

  it("takes repeated flags and comma lists over the env variable over config.json", async () => {
    const flags = () => ({ ...base, stateDir });
    expect((await resolveWorkerSettings(flags(), {})).maxConcurrent).toEqual({});
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ max_concurrent: { gemini_cli: 3 } }));
    expect((await resolveWorkerSettings(flags(), {})).maxConcurrent).toEqual({ gemini_cli: 3 });
    const env = { GARAGESWARM_WORKER_MAX_CONCURRENT: "claude_code=2, codex_cli=1" };
    expect((await resolveWorkerSettings(flags(), env)).maxConcurrent).toEqual({ claude_code: 2, codex_cli: 1 });
    const repeated = { ...flags(), maxConcurrent: ["claude_code=1", "shell=4,ollama=2"] };
    expect((await resolveWorkerSettings(repeated, env)).maxConcurrent).toEqual({ claude_code: 1, shell: 4, ollama: 2 });
  });

  it("refuses an unknown tool, a cap that is not a whole number from 1 to 256, and a tool named twice", async () => {
    const bad = (maxConcurrent: string) => resolveWorkerSettings({ ...base, stateDir, maxConcurrent }, {});
    await expect(bad("claude=2")).rejects.toThrow(/--max-concurrent: unknown tool "claude" \(one of claude_code, /);
    await expect(bad("claude_code=0")).rejects.toThrow(
      /cap of claude_code must be a whole number from 1 to 256, got "0"/,
    );
    await expect(bad("claude_code=1.5")).rejects.toThrow(/whole number/);
    await expect(bad("claude_code=257")).rejects.toThrow(/whole number/);
    await expect(bad("claude_code")).rejects.toThrow(/"claude_code" must be tool=n, e.g. claude_code=2/);
    await expect(bad("claude_code=1,claude_code=2")).rejects.toThrow(/names claude_code twice/);
    await expect(
      resolveWorkerSettings({ ...base, stateDir }, { GARAGESWARM_WORKER_MAX_CONCURRENT: "codex=1" }),
    ).rejects.toThrow(/GARAGESWARM_WORKER_MAX_CONCURRENT: unknown tool "codex"/);
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ max_concurrent: { claude_code: "two" } }));
    await expect(resolveWorkerSettings({ ...base, stateDir }, {})).rejects.toThrow(/config\.json: max_concurrent/);
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

describe("configOfFlags + updateConfigFile (what `worker install` keeps for the service)", () => {
  it("merges the flags given over config.json, keeping the keys not named, and writes it 0600", async () => {
    await writeFile(
      join(stateDir, "config.json"),
      JSON.stringify({ server: "http://old:1", key: "gs_kept", slots: 2 }),
    );
    const changes = configOfFlags({
      server: "http://new:8000/",
      labels: "gpu, big",
      maxConcurrent: ["claude_code=2"],
      allowUnsafeAgentModes: "codex_cli",
      workDir: "relative/dir",
      workdirRetention: "30",
      enableShell: true,
    });
    expect(changes).toEqual({
      server: "http://new:8000",
      labels: ["gpu", "big"],
      max_concurrent: { claude_code: 2 },
      allow_unsafe_agent_modes: ["codex_cli"],
      work_dir: join(process.cwd(), "relative/dir"),
      workdir_retention_seconds: 30,
      enable_shell: true,
    });
    const saved = await updateConfigFile(stateDir, changes);
    expect(saved).toMatchObject({ key: "gs_kept", slots: 2, server: "http://new:8000" });
    expect(await readConfigFile(stateDir)).toEqual(saved);
    if (process.platform !== "win32") {
      expect((await stat(join(stateDir, "config.json"))).mode & 0o777).toBe(0o600);
    }
  });

  it("refuses a bad merge whole: the file keeps what it had", async () => {
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ key: "gs_kept" }));
    await expect(updateConfigFile(stateDir, { key: "not-a-key" })).rejects.toThrow("gs_");
    expect(JSON.parse(await readFile(join(stateDir, "config.json"), "utf8"))).toEqual({ key: "gs_kept" });
  });
});
