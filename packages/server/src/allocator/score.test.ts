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
    cpu_percent: 10,
    memory_percent: 10,
    disk_percent: 10,
    ...overrides,
  };
}

const claudeTask: TaskNeeds = { tool: "claude_code", model: null, requirements: {} };
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
      { tool: "ollama", model: "llama3", requirements: {} },
      "b",
    ],
    [
      "a listed model beats an unknown one",
      [
        worker("a", { tools: [ollama([])] }),
        worker("b", { tools: [ollama(["llama3", "qwen"])] }),
        worker("c", { tools: [ollama(["qwen"])] }),
      ],
      { tool: "ollama", model: "llama3", requirements: {} },
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
      { tool: "ollama", model: "llama3", requirements: {} },
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
    expect(a).toEqual({ worker_id: "a", match: 1, availability: 0.3, balance: 0, affinity: 0, total: 0.49 });
    const b = ranked.find((entry) => entry.worker_id === "b");
    expect(b).toEqual({ worker_id: "b", match: 1, availability: 1, balance: 1, affinity: 0, total: 0.9 });
  });

  it("honours configured weights", () => {
    const workers = [worker("a", { running_tasks: 1 }), worker("b")];
    const task = { ...claudeTask, preferred_worker_id: "a" };
    expect(allocate(task, workers).ranked[0]?.worker_id).toBe("b");
    const affinityFirst = { match: 0, availability: 0, balance: 0, affinity: 1 };
    expect(allocate(task, workers, affinityFirst).ranked[0]?.worker_id).toBe("a");
  });

  it("says why each rejected worker cannot run the task", () => {
    const { rejected } = allocate({ tool: "ollama", model: "llama3", requirements: { min_memory_gb: 16 } }, [
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
