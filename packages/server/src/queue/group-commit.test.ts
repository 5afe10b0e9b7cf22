import { describe, expect, it } from "vitest";
import { createGroupCommit } from "./group-commit.ts";

interface Report {
  task: string;
  value: string;
}

/** A writer whose statements the test lets finish one at a time, recording what each statement held. */
function heldWriter({ failMany = false } = {}) {
  const statements: string[][] = [];
  const pending: Array<() => void> = [];
  const gate = () => new Promise<void>((resolve) => pending.push(resolve));
  const commit = createGroupCommit<Report, string>({
    key: (report) => report.task,
    maxBatch: 3,
    async writeOne(report) {
      statements.push([report.value]);
      await gate();
      if (report.value === "bad") throw new Error("bad report");
      return `one:${report.value}`;
    },
    async writeMany(reports) {
      statements.push(reports.map((report) => report.value));
      await gate();
      if (failMany) throw new Error("batch failed");
      return reports.map((report) => `many:${report.value}`);
    },
  });
  /** Lets the statement in flight finish, and the writer reach its next one. */
  const finishOne = async () => {
    while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
    pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { commit, statements, finishOne };
}

describe("group commit", () => {
  it("writes a lone report at once, and what arrives meanwhile together next", async () => {
    const { commit, statements, finishOne } = heldWriter();
    const first = commit.submit({ task: "a", value: "1" });
    expect(statements).toEqual([["1"]]);
    const later = ["2", "3"].map((value, index) => commit.submit({ task: `t${index}`, value }));
    expect(statements).toHaveLength(1);
    await finishOne();
    expect(statements).toEqual([["1"], ["2", "3"]]);
    await finishOne();
    expect(await first).toBe("many:1");
    expect(await Promise.all(later)).toEqual(["many:2", "many:3"]);
  });

  it("keeps two reports on one task out of one batch, in the order they came, and caps a batch", async () => {
    const { commit, statements, finishOne } = heldWriter();
    const all = [
      commit.submit({ task: "x", value: "0" }),
      commit.submit({ task: "a", value: "a1" }),
      commit.submit({ task: "a", value: "a2" }),
      commit.submit({ task: "b", value: "b1" }),
      commit.submit({ task: "c", value: "c1" }),
      commit.submit({ task: "d", value: "d1" }),
    ];
    for (let i = 0; i < 3; i++) await finishOne();
    await Promise.all(all);
    expect(statements).toEqual([["0"], ["a1", "b1", "c1"], ["a2", "d1"]]);
    expect(commit.stats).toEqual({ batches: 3, reports: 6, largest: 3 });
  });

  it("writes a failed batch again one report at a time, each caller getting its own answer", async () => {
    const { commit, statements, finishOne } = heldWriter({ failMany: true });
    const first = commit.submit({ task: "x", value: "0" });
    const good = commit.submit({ task: "a", value: "good" });
    const bad = commit.submit({ task: "b", value: "bad" });
    const badSettled = bad.then(
      () => "resolved",
      (error: Error) => error.message,
    );
    for (let i = 0; i < 5; i++) await finishOne();
    expect(await first).toBe("one:0");
    expect(await good).toBe("one:good");
    expect(await badSettled).toBe("bad report");
    expect(statements).toEqual([["0"], ["0"], ["good", "bad"], ["good"], ["bad"]]);
  });
});
