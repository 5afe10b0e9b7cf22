import { describe, expect, it } from "vitest";
import { canRedo, canUndo, historyLimit, record, redo, startHistory, undo } from "./history.ts";

describe("undo history", () => {
  it("undoes and redoes steps in order", () => {
    let history = startHistory("a");
    history = record(history, "b");
    history = record(history, "c");
    history = undo(history);
    expect(history.present).toBe("b");
    history = undo(history);
    expect(history.present).toBe("a");
    expect(canUndo(history)).toBe(false);
    expect(undo(history)).toBe(history);
    history = redo(history);
    history = redo(history);
    expect(history.present).toBe("c");
    expect(canRedo(history)).toBe(false);
    expect(redo(history)).toBe(history);
  });

  it("drops the undone steps when a new step is made", () => {
    let history = record(record(startHistory(1), 2), 3);
    history = record(undo(history), 4);
    expect(history.present).toBe(4);
    expect(canRedo(history)).toBe(false);
    expect(undo(history).present).toBe(2);
  });

  it("does not count the same state as a step", () => {
    const same = (a: { key: string }, b: { key: string }) => a.key === b.key;
    const history = startHistory({ key: "x" });
    expect(record(history, { key: "x" }, same)).toBe(history);
    expect(canUndo(record(history, { key: "y" }, same))).toBe(true);
  });

  it("keeps at most the limit of steps", () => {
    let history = startHistory(0);
    for (let step = 1; step <= historyLimit + 20; step++) history = record(history, step);
    expect(history.past).toHaveLength(historyLimit);
    expect(history.past[0]).toBe(20);
  });
});
