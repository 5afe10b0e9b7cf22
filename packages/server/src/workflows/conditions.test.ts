import { describe, expect, it } from "vitest";
import { conditionProblems, evaluateCondition } from "./conditions.ts";

describe("conditions", () => {
  const data = { input: { n: 5 }, nodes: { test: { output: "12 PASS", exit_code: 0 } } };

  it("evaluates JSON Logic over the run", () => {
    expect(evaluateCondition({ in: ["PASS", { var: "nodes.test.output" }] }, data)).toBe(true);
    expect(
      evaluateCondition(
        { and: [{ ">": [{ var: "input.n" }, 3] }, { "==": [{ var: "nodes.test.exit_code" }, 1] }] },
        data,
      ),
    ).toBe(false);
    // JSON Logic truthiness: an empty list is false.
    expect(evaluateCondition({ merge: [] }, data)).toBe(false);
    expect(evaluateCondition(true, data)).toBe(true);
  });

  it("rejects unknown operators (and the console-writing log) before anything runs", () => {
    expect(conditionProblems({ and: [{ eval: "process.exit()" }] })).toEqual(['unknown operator "eval"']);
    expect(conditionProblems({ log: 1 })).toEqual(['unknown operator "log"']);
    expect(conditionProblems({ "==.constructor": [1, 1] })).toEqual(['unknown operator "==.constructor"']);
    expect(() => evaluateCondition({ eval: "1" }, data)).toThrow('unknown operator "eval"');
  });

  it("rejects objects that are not one operation, and variables naming nodes out of reach", () => {
    expect(conditionProblems({ "==": [1, 1], "!=": [1, 2] })).toEqual([
      "an operation is an object with exactly one key, the operator (found 2)",
    ]);
    const scope = { nodeIds: new Set(["a", "b"]), upstream: new Set(["a"]) };
    expect(conditionProblems({ var: "nodes.b.output" }, scope)).toEqual([
      'variable "nodes.b.output" refers to node "b", which is not upstream',
    ]);
    expect(conditionProblems({ var: ["nodes.z.output", ""] }, scope)).toEqual([
      'variable "nodes.z.output" refers to unknown node "z"',
    ]);
  });
});
