// A14 (and A6's second half): task workdirs were <stateDir>/tasks/<id>, 0755, kept forever — a later task
// (of any user) could read what earlier ones left in ../<task-id>, and under `up` ../../.. was the data dir
// with the local worker's key and the database. Here workdirs are 0700, outside the state dir, one per task
// in a per-owner root, gone when the task ends (or after the retention), and swept at start; the state dir
// itself is 0700 with 0600 files.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { Executor } from "../src/executor/executor.ts";
import { Workdirs } from "../src/executor/workdir.ts";
import { createToolRegistry } from "../src/tools/registry.ts";
import { cleanUpWorkers, runTaskToEnd, spawnWorker, tempDir, waitFor } from "./e2e/support.ts";
import { fakeTools } from "./fakes/index.ts";

const posix = process.platform !== "win32";
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe.skipIf(postgresStackMissing() || !posix)("A14: task workdirs", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "a14 worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(() => server?.close());

  const runTask = (body: Record<string, unknown>) => runTaskToEnd(api, user.access_token, body);

  it("live outside the state dir, 0700, in a root of the task's owner, and go when the task ends", async () => {
    const worker = await spawnWorker({ server: server.url, key, args: ["--enable-shell"] });
    await worker.waitForLog(/connected over WebSocket/);
    const task = await runTask({
      description: "where am I",
      prompt: "pwd; for d in . ..; do stat -c %a $d 2>/dev/null || stat -f %Lp $d; done; echo secret > left.txt",
      tool: "shell",
    });
    expect(task.status).toBe("completed");
    const [cwd, mode, ownerRootMode] = (task.result.output as string).trim().split("\n");
    expect(cwd).toMatch(new RegExp(`/${user.user_id}/${task.task_id}$`));
    expect(relative(worker.stateDir, cwd!).startsWith("..")).toBe(true);
    expect(mode).toBe("700");
    expect(ownerRootMode).toBe("700");
    expect(existsSync(cwd!)).toBe(false);
    expect(existsSync(join(worker.stateDir, "tasks"))).toBe(false);
  });

  it("with --workdir-retention are kept that long, then swept; and a restart sweeps what an earlier run left", async () => {
    const workDir = await tempDir("gs-work-");
    const stateDir = await tempDir("gs-worker-");
    const worker = await spawnWorker({
      server: server.url,
      key,
      stateDir,
      args: ["--enable-shell", "--work-dir", workDir, "--workdir-retention", "2"],
    });
    await worker.waitForLog(/connected over WebSocket/);
    const task = await runTask({ description: "keep me", prompt: "pwd", tool: "shell" });
    const cwd = (task.result.output as string).trim();
    expect(relative(workDir, cwd).startsWith("..")).toBe(false);
    expect(existsSync(cwd)).toBe(true);
    await waitFor(() => !existsSync(cwd), { what: "the workdir to be swept" });
    worker.kill("SIGKILL");
    await worker.exited;

    // What a killed run (or an older version, under <stateDir>/tasks) left behind goes at the next start.
    const root = join(workDir, createHash("sha256").update(stateDir).digest("hex").slice(0, 16));
    const stale = join(root, user.user_id, "00000000-0000-4000-8000-000000000001");
    const legacy = join(stateDir, "tasks", "00000000-0000-4000-8000-000000000002");
    const old = new Date(Date.now() - 3_600_000);
    for (const dir of [stale, legacy]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "file.txt"), "old");
      await utimes(dir, old, old);
    }
    const again = await spawnWorker({
      server: server.url,
      key,
      stateDir,
      args: ["--work-dir", workDir, "--workdir-retention", "60"],
    });
    await again.workerId();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(legacy)).toBe(false);
  });

  it("a --work-dir inside the state dir is refused", async () => {
    const stateDir = await tempDir("gs-worker-");
    const worker = await spawnWorker({ server: server.url, key, stateDir, args: ["--work-dir", join(stateDir, "w")] });
    expect((await worker.exited).code).not.toBe(0);
    expect(worker.log()).toMatch(/must not be inside/);
  });

  it("the state dir is 0700 and its files 0600, whatever they were", async () => {
    const stateDir = await tempDir("gs-worker-");
    await chmod(stateDir, 0o755);
    await writeFile(join(stateDir, "config.json"), JSON.stringify({ name: "loose" }), { mode: 0o644 });
    await mkdir(join(stateDir, "outbox"), { mode: 0o755 });
    await writeFile(join(stateDir, "outbox", "stale.json.tmp"), "{}", { mode: 0o644 });
    const worker = await spawnWorker({ server: server.url, key, stateDir });
    await worker.workerId();
    expect(await modeOf(stateDir)).toBe(0o700);
    expect(await modeOf(join(stateDir, "config.json"))).toBe(0o600);
    expect(await modeOf(join(stateDir, "machine-id"))).toBe(0o600);
    expect(await modeOf(join(stateDir, "outbox"))).toBe(0o700);
    expect(await modeOf(join(stateDir, "outbox", "stale.json.tmp"))).toBe(0o600);
  });
});

// One worker shared by two users (sharing itself is tested with the server): the executor runs their
// tasks with the real shell tool, as the worker does.
describe.skipIf(!posix)("A14: another user's later task", () => {
  it("finds nothing of an earlier task through ..", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "gs-worker-"));
    const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-work-")) });
    const tools = createToolRegistry({ ...fakeTools(), enableShell: true });
    const executor = new Executor({ tools, workdirs, slots: 1 });
    const alice = "11111111-1111-4111-8111-111111111111";
    const bob = "22222222-2222-4222-8222-222222222222";

    const first = await executor.start({
      task_id: "aaaaaaaa-0000-4000-8000-000000000001",
      owner_user_id: alice,
      tool: "shell",
      prompt: "echo alice-secret > notes.txt; pwd",
      options: {},
    });
    expect(first.status).toBe("completed");
    const aliceDir = first.status === "completed" ? first.result.output.trim() : "";
    expect(aliceDir).toContain(`/${alice}/`);

    const second = await executor.start({
      task_id: "bbbbbbbb-0000-4000-8000-000000000002",
      owner_user_id: bob,
      tool: "shell",
      prompt: "ls -a ..; ls -a ../..; grep -rs alice-secret ../.. || echo nothing-found",
      options: {},
    });
    expect(second.status).toBe("completed");
    const seen = second.status === "completed" ? second.result.output : "";
    expect(seen).toContain("nothing-found");
    expect(seen).not.toContain(alice);
    expect(seen).not.toContain("aaaaaaaa-0000-4000-8000-000000000001");
    expect(existsSync(aliceDir)).toBe(false);
    workdirs.close();
  });
});

// A task parked by a usage limit comes back to resume the agent's session: the files the agent left are
// part of that session, so the directory outlives the attempt, and only the resuming attempt finds them.
describe.skipIf(!posix)("a task parked by a usage limit", () => {
  it("keeps its workdir, through sweeps, for the attempt that resumes it, and for no other", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "gs-worker-"));
    const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-work-")) });
    const owner = "11111111-1111-4111-8111-111111111111";
    const taskId = "cccccccc-0000-4000-8000-000000000003";

    const first = await workdirs.create(taskId, owner);
    await writeFile(join(first, "draft.txt"), "half done");
    await workdirs.release(taskId, { parked: true });
    await workdirs.sweep();
    expect(existsSync(join(first, "draft.txt"))).toBe(true);

    const resumed = await workdirs.create(taskId, owner, { resume: true });
    expect(resumed).toBe(first);
    expect(await readFile(join(resumed, "draft.txt"), "utf8")).toBe("half done");
    await workdirs.release(taskId);
    expect(existsSync(resumed)).toBe(false);

    // Parked again, but the next attempt starts afresh (another tool, or the session is not resumed).
    const again = await workdirs.create(taskId, owner);
    await writeFile(join(again, "draft.txt"), "second try");
    await workdirs.release(taskId, { parked: true });
    const fresh = await workdirs.create(taskId, owner);
    expect(existsSync(join(fresh, "draft.txt"))).toBe(false);
    await workdirs.release(taskId);
    workdirs.close();
  });
});

// CLIs write what may hold a task's content to their temp dir (Gemini CLI's API-error reports, 0644, with
// the conversation). In a shared /tmp any task or user could read them: each run gets its own, inside the
// owner's root, gone when the run ends.
describe.skipIf(!posix)("a tool run's temp dir", () => {
  it("is the run's own, beside its workdir in the owner's root, and goes when the run ends", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "gs-worker-"));
    const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-work-")) });
    const tools = createToolRegistry({ ...fakeTools(), enableShell: true });
    const executor = new Executor({ tools, workdirs, slots: 1 });
    const owner = "11111111-1111-4111-8111-111111111111";
    const outcome = await executor.start({
      task_id: "dddddddd-0000-4000-8000-000000000004",
      owner_user_id: owner,
      tool: "shell",
      prompt: 'echo secret > "$TMPDIR/report.json"; echo "$TMPDIR"; pwd; stat -c %a "$TMPDIR"; echo "$TMP $TEMP"',
      options: {},
    });
    expect(outcome.status).toBe("completed");
    const [temp, cwd, mode, others] = (outcome.status === "completed" ? outcome.result.output : "").trim().split("\n");
    expect(temp).toBe(`${cwd}.tmp`);
    expect(temp).toContain(`/${owner}/`);
    expect(mode).toBe("700");
    expect(others).toBe(`${temp} ${temp}`);
    expect(existsSync(temp as string)).toBe(false);
    workdirs.close();
  });
});
