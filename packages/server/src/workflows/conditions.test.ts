import { describe, expect, it } from "vitest";
import { ConditionLimitError, conditionProblems, evaluateCondition } from "./conditions.ts";

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

  it("stops the doubling rule of review A3 at the size cap, whatever the input's length", () => {
    const rule = { reduce: [{ var: "input.xs" }, { merge: [{ var: "accumulator" }, { var: "accumulator" }] }, [1]] };
    const xs = Array.from({ length: 40 }, (_, i) => i);
    expect(() => evaluateCondition(rule, { input: { xs } })).toThrow(ConditionLimitError);
    expect(() => evaluateCondition(rule, { input: { xs } })).toThrow(
      /"merge" built a value of size \d+, more than the limit of 1000000/,
    );
    expect(evaluateCondition(rule, { input: { xs: xs.slice(0, 5) } })).toBe(true);
  });

  it("stops nested iteration at the step budget", () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const rule = { some: [{ var: "xs" }, { some: [{ var: "xs" }, false] }] };
    // Inside an iteration `var` reads the item, so the inner list comes from a list literal of the outer data.
    const nested = { some: [{ var: "xs" }, { some: [[...xs], false] }] };
    expect(evaluateCondition(rule, { xs })).toBe(false);
    expect(() => evaluateCondition(nested, { xs })).toThrow("the condition went past its budget of 100000 steps");
  });

  it("shares a budget across one engine step's conditions", () => {
    const usage = { evaluations: 0, steps: 0 };
    for (let i = 0; i < 5000; i++) evaluateCondition(true, {}, usage);
    expect(() => evaluateCondition(true, {}, usage)).toThrow("more than 5000 condition evaluations in one engine step");
  });

  it("refuses rules too deep or too large before anything runs", () => {
    let deep: unknown = true;
    for (let i = 0; i < 40; i++) deep = { "!": [deep] };
    expect(conditionProblems(deep)).toEqual(["nests deeper than 32 levels"]);
    expect(conditionProblems({ in: [{ var: "x" }, Array.from({ length: 3000 }, (_, i) => i)] })).toEqual([
      "has 3005 values (operations, lists and literals); at most 2000",
    ]);
    let hostile: unknown = 1;
    for (let i = 0; i < 100_000; i++) hostile = [hostile];
    expect(conditionProblems(hostile)).toEqual(["nests deeper than 32 levels"]);
  });

  it("reads own properties only", () => {
    expect(evaluateCondition({ var: "input.constructor" }, data)).toBe(false);
    expect(evaluateCondition({ "==": [{ var: "nodes.test.output.length" }, 7] }, data)).toBe(true);
    expect(evaluateCondition({ missing: ["input.toString"] }, data)).toBe(true);
  });
});
