import { describe, expect, it } from "vitest";
import { allocate, type CandidateWorker, rejectionReason, type TaskNeeds } from "./score.ts";

function worker(id: string, overrides: Partial<CandidateWorker> = {}): CandidateWorker {
  return {
    worker_id: id,
    status: "online",
    draining: false,
    tools: [{ name: "claude_code", version: "1.0", models: [], healthy: true }],
    labels: [],
    capacity: {},
    slots: 2,
    running_tasks: 0,
    held_by_tool: {},
    cpu_percent: 10,
    memory_percent: 10,
    disk_percent: 10,
    ...overrides,
  };
}

const claudeTask: TaskNeeds = { tools: ["claude_code"], model: null, requirements: {} };
const ollama = (models: string[], healthy = true) => ({ name: "ollama" as const, version: "0.5", models, healthy });

describe("allocate: the choice among three workers", () => {
  // Each row: three workers, the task, and who must win (null: nobody may run it).
  const table: Array<[string, CandidateWorker[], TaskNeeds, string | null]> = [
    [
      "the idle worker beats the busy ones",
      [
        worker("a", { running_tasks: 1 }),
        worker("b", { running_tasks: 0, cpu_percent: 5 }),
        worker("c", { running_tasks: 1, cpu_percent: 80 }),
      ],
      claudeTask,
      "b",
    ],
    [
      "only the worker with the tool can win, however loaded",
      [worker("a"), worker("b", { tools: [ollama(["llama3"])], running_tasks: 1, cpu_percent: 70 }), worker("c")],
      { tools: ["ollama"], model: "llama3", requirements: {} },
      "b",
    ],
    [
      "a listed model beats an unknown one",
      [
        worker("a", { tools: [ollama([])] }),
        worker("b", { tools: [ollama(["llama3", "qwen"])] }),
        worker("c", { tools: [ollama(["qwen"])] }),
      ],
      { tools: ["ollama"], model: "llama3", requirements: {} },
      "b",
    ],
    [
      "affinity breaks a tie",
      [worker("a"), worker("b"), worker("c")],
      { ...claudeTask, preferred_worker_id: "c" },
      "c",
    ],
    [
      "required labels filter",
      [worker("a"), worker("b", { labels: ["gpu"] }), worker("c", { labels: ["linux"] })],
      { ...claudeTask, requirements: { labels: ["gpu"] } },
      "b",
    ],
    [
      "nobody when every worker is full, draining or offline",
      [worker("a", { running_tasks: 2 }), worker("b", { draining: true }), worker("c", { status: "offline" })],
      claudeTask,
      null,
    ],
    [
      "an unhealthy tool takes no tasks",
      [
        worker("a", { tools: [ollama(["llama3"], false)] }),
        worker("b", { tools: [ollama(["llama3"])], running_tasks: 1 }),
        worker("c"),
      ],
      { tools: ["ollama"], model: "llama3", requirements: {} },
      "b",
    ],
    ["ties go to the lowest id", [worker("c"), worker("a"), worker("b")], claudeTask, "a"],
  ];

  it.each(table)("%s", (_name, workers, task, expected) => {
    const { ranked } = allocate(task, workers);
    expect(ranked[0]?.worker_id ?? null).toBe(expected);
  });

  it("computes the documented breakdown", () => {
    const { ranked } = allocate(claudeTask, [
      worker("a", { running_tasks: 1, cpu_percent: 50, memory_percent: 30 }),
      worker("b", { running_tasks: 0, cpu_percent: 0, memory_percent: 0 }),
    ]);
    const a = ranked.find((entry) => entry.worker_id === "a");
    // availability = 1/2 free × (1 − (50+30)/200) = 0.3; balance = 1 − 0.5/0.5 = 0
    expect(a).toEqual({
      worker_id: "a",
      tool: "claude_code",
      match: 1,
      availability: 0.3,
      balance: 0,
      affinity: 0,
      total: 0.49,
    });
    const b = ranked.find((entry) => entry.worker_id === "b");
    expect(b).toEqual({
      worker_id: "b",
      tool: "claude_code",
      match: 1,
      availability: 1,
      balance: 1,
      affinity: 0,
      total: 0.9,
    });
  });

  it("honours configured weights", () => {
    const workers = [worker("a", { running_tasks: 1 }), worker("b")];
    const task = { ...claudeTask, preferred_worker_id: "a" };
    expect(allocate(task, workers).ranked[0]?.worker_id).toBe("b");
    const affinityFirst = { match: 0, availability: 0, balance: 0, affinity: 1 };
    expect(allocate(task, workers, affinityFirst).ranked[0]?.worker_id).toBe("a");
  });

  it("says why each rejected worker cannot run the task", () => {
    const { rejected } = allocate({ tools: ["ollama"], model: "llama3", requirements: { min_memory_gb: 16 } }, [
      worker("a"),
      worker("b", { tools: [ollama(["qwen"])] }),
      worker("c", { tools: [ollama(["llama3"])], capacity: { memory_gb: 8 } }),
      worker("d", { tools: [ollama(["llama3"])], capacity: { memory_gb: 32 }, disk_percent: 99.5 }),
    ]);
    expect(rejected).toEqual([
      { worker_id: "a", reason: "does not have ollama" },
      { worker_id: "b", reason: "ollama has no model llama3" },
      { worker_id: "c", reason: "not enough memory" },
      { worker_id: "d", reason: "disk full" },
    ]);
  });

  it("rejects on cpu and memory thresholds", () => {
    expect(rejectionReason(worker("a", { cpu_percent: 99 }), claudeTask)).toBe("cpu busy");
    expect(rejectionReason(worker("a", { memory_percent: 97 }), claudeTask)).toBe("memory full");
  });
});

describe("allocate: preference lists, usage limits and per-tool caps", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const claude = (extra: Record<string, unknown> = {}) => ({
    name: "claude_code" as const,
    version: "2.1",
    models: ["sonnet", "opus"],
    healthy: true,
    ...extra,
  });
  const codex = (extra: Record<string, unknown> = {}) => ({
    name: "codex_cli" as const,
    version: "0.169",
    models: [],
    healthy: true,
    ...extra,
  });
  const list: TaskNeeds = { tools: ["claude_code", "codex_cli"], model: null, requirements: {} };

  it("runs the first tool of the list the worker can run now, and says why it passed over the others", () => {
    const limited = worker("a", {
      tools: [claude({ limited_until: "2026-12-01T19:00:00.000Z" }), codex()],
    });
    const { ranked } = allocate(list, [limited], undefined, undefined, now);
    expect(ranked[0]).toMatchObject({
      worker_id: "a",
      tool: "codex_cli",
      passed_over: [{ tool: "claude_code", reason: "claude_code is limited until 2026-12-01T19:00:00.000Z" }],
    });
    const free = allocate(list, [worker("b", { tools: [claude(), codex()] })], undefined, undefined, now);
    expect(free.ranked[0]).toMatchObject({ tool: "claude_code" });
    expect(free.ranked[0]).not.toHaveProperty("passed_over");
  });

  it("treats a limit already passed as no limit", () => {
    const passed = worker("a", { tools: [claude({ limited_until: "2026-12-01T11:59:59.000Z" })] });
    expect(allocate(claudeTask, [passed], undefined, undefined, now).ranked[0]?.tool).toBe("claude_code");
  });

  it("never picks a limited tool, a tool at its cap, or one without the model", () => {
    const { ranked, rejected } = allocate(
      { tools: ["claude_code"], model: "opus", requirements: {} },
      [
        worker("a", { tools: [claude({ limited_until: "2026-12-02T00:00:00.000Z" })] }),
        worker("b", { tools: [claude({ max_concurrent: 1 })], running_tasks: 1, held_by_tool: { claude_code: 1 } }),
        worker("c", { tools: [claude({ models: ["sonnet"] })] }),
        worker("d", { tools: [claude({ models: ["sonnet"], any_model: true })] }),
      ],
      undefined,
      undefined,
      now,
    );
    expect(ranked.map((entry) => entry.worker_id)).toEqual(["d"]);
    expect(rejected).toEqual([
      { worker_id: "a", reason: "claude_code is limited until 2026-12-02T00:00:00.000Z" },
      { worker_id: "b", reason: "claude_code is at its cap of 1" },
      { worker_id: "c", reason: "claude_code has no model opus" },
    ]);
  });

  it("lets a worker under its cap for one tool run another tool at its cap", () => {
    const busy = worker("a", {
      slots: 4,
      running_tasks: 2,
      held_by_tool: { claude_code: 2 },
      tools: [claude({ max_concurrent: 2 }), codex()],
    });
    const { ranked } = allocate(list, [busy], undefined, undefined, now);
    expect(ranked[0]).toMatchObject({
      tool: "codex_cli",
      passed_over: [{ tool: "claude_code", reason: "claude_code is at its cap of 2" }],
    });
  });

  it("names every tool of the list when none can run", () => {
    const { rejected } = allocate(
      list,
      [worker("a", { tools: [claude({ healthy: false, auth: "not_logged_in" })] })],
      undefined,
      undefined,
      now,
    );
    expect(rejected).toEqual([{ worker_id: "a", reason: "claude_code is not logged in; does not have codex_cli" }]);
  });
});

describe("allocate: a code task's repository", () => {
  const codeTask: TaskNeeds = { ...claudeTask, repo_url: "file:///srv/git/app.git" };

  it("prefers, all else equal, the worker that holds a clone, and says so in the breakdown", () => {
    const { ranked } = allocate(codeTask, [worker("a", { has_repo: false }), worker("b", { has_repo: true })]);
    expect(ranked.map((entry) => entry.worker_id)).toEqual(["b", "a"]);
    expect(ranked[0]).toMatchObject({ affinity: 0.5, repo_cached: true });
    expect(ranked[1]).toMatchObject({ affinity: 0, repo_cached: false });
  });

  it("keeps the preferred worker's full affinity, and says nothing of clones for other tasks", () => {
    const preferred = allocate({ ...codeTask, preferred_worker_id: "a" }, [
      worker("a"),
      worker("b", { has_repo: true }),
    ]);
    expect(preferred.ranked[0]).toMatchObject({ worker_id: "a", affinity: 1, repo_cached: false });
    const plain = allocate(claudeTask, [worker("a", { has_repo: true })]);
    expect(plain.ranked[0]).not.toHaveProperty("repo_cached");
  });

  it("does not let a clone outweigh a much idler worker", () => {
    const { ranked } = allocate(codeTask, [
      worker("a", { has_repo: true, running_tasks: 1, cpu_percent: 90, memory_percent: 90 }),
      worker("b"),
    ]);
    expect(ranked[0]?.worker_id).toBe("b");
  });
});
