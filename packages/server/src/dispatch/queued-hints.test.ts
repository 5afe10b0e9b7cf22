import { describe, expect, it } from "vitest";
import { QueuedHints } from "./queued-hints.ts";

const shell = new Set(["shell"]);
const none = () => 0;

describe("queued hints", () => {
  it("says a worker may have work while a task for one of its tools is heard of and not yet taken", () => {
    const hints = new QueuedHints();
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(false);
    hints.heard({ task_id: "t1", tools: ["shell"], pinned_worker_id: null }, 0);
    hints.heard({ task_id: "t2", tools: ["claude_code"], pinned_worker_id: null }, 0);
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(true);
    expect(hints.mayHaveWorkFor("w1", new Set(["codex"]), none)).toBe(false);
    hints.left("t1");
    expect(hints.has("t1")).toBe(false);
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(false);
    expect(hints.mayHaveWorkFor("w1", new Set(["claude_code"]), none)).toBe(true);
  });

  it("leaves the tasks heard of to the claims in flight for their tool, as many as there are", () => {
    const hints = new QueuedHints();
    hints.heard({ task_id: "t1", tools: ["shell"], pinned_worker_id: null }, 0);
    hints.heard({ task_id: "t2", tools: ["shell"], pinned_worker_id: null }, 0);
    const inFlight = new Map([["shell", 1]]);
    const claims = (tool: string) => inFlight.get(tool) ?? 0;
    expect(hints.mayHaveWorkFor("w1", shell, claims)).toBe(true);
    inFlight.set("shell", 2);
    expect(hints.mayHaveWorkFor("w1", shell, claims)).toBe(false);
    expect(hints.anyFor(shell)).toBe(true);
    hints.heard({ task_id: "t3", tools: ["shell"], pinned_worker_id: "w1" }, 0);
    expect(hints.mayHaveWorkFor("w1", shell, claims)).toBe(true);
  });

  it("counts a pinned task for its worker only, whatever tools the others have", () => {
    const hints = new QueuedHints();
    hints.heard({ task_id: "t1", tools: ["shell"], pinned_worker_id: "w2" }, 0);
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(false);
    expect(hints.mayHaveWorkFor("w2", new Set(), none)).toBe(true);
    hints.left("t1");
    expect(hints.mayHaveWorkFor("w2", new Set(), none)).toBe(false);
  });

  it("counts a task heard twice once, and ignores a task it never heard of leaving", () => {
    const hints = new QueuedHints();
    hints.heard({ task_id: "t1", tools: ["shell"], pinned_worker_id: null }, 0);
    hints.heard({ task_id: "t1", tools: ["shell"], pinned_worker_id: null }, 5);
    hints.left("unknown");
    expect(hints.size).toBe(1);
    hints.left("t1");
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(false);
  });

  it("forgets entries heard before a cutoff and keeps later ones", () => {
    const hints = new QueuedHints();
    hints.heard({ task_id: "old", tools: ["shell"], pinned_worker_id: null }, 1_000);
    hints.heard({ task_id: "new", tools: ["codex"], pinned_worker_id: null }, 9_000);
    hints.forgetHeardBefore(5_000);
    expect(hints.has("old")).toBe(false);
    expect(hints.has("new")).toBe(true);
    expect(hints.mayHaveWorkFor("w1", shell, none)).toBe(false);
  });

  it("counts a task with several tools under each of them until it leaves", () => {
    const hints = new QueuedHints();
    hints.heard({ task_id: "t1", tools: ["claude_code", "codex_cli"], pinned_worker_id: null }, 0);
    expect(hints.mayHaveWorkFor("w1", new Set(["codex_cli"]), none)).toBe(true);
    expect(hints.mayHaveWorkFor("w2", new Set(["claude_code"]), none)).toBe(true);
    hints.left("t1");
    expect(hints.anyFor(new Set(["claude_code", "codex_cli"]))).toBe(false);
  });
});
