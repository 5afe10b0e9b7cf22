import { describe, expect, it } from "vitest";
import { fromJsonLogic, type SimpleCondition, toJsonLogic } from "./condition-builder.ts";

describe("condition builder <-> JSON Logic", () => {
  it("writes the JSON Logic the engine evaluates", () => {
    expect(toJsonLogic({ field: "nodes.test.output", operator: "contains", value: "PASS" })).toEqual({
      in: ["PASS", { var: "nodes.test.output" }],
    });
    expect(toJsonLogic({ field: "input.count", operator: ">=", value: "3" })).toEqual({
      ">=": [{ var: "input.count" }, 3],
    });
    expect(toJsonLogic({ field: "nodes.a.json.ok", operator: "==", value: "true" })).toEqual({
      "==": [{ var: "nodes.a.json.ok" }, true],
    });
    expect(toJsonLogic({ field: "input.name", operator: "!=", value: "bob" })).toEqual({
      "!=": [{ var: "input.name" }, "bob"],
    });
    expect(toJsonLogic({ field: "input.flag", operator: "truthy", value: "" })).toEqual({
      "!!": [{ var: "input.flag" }],
    });
  });

  it("reads back every rule it writes", () => {
    const conditions: SimpleCondition[] = [
      { field: "nodes.test.output", operator: "contains", value: "PASS" },
      { field: "input.count", operator: "<", value: "3" },
      { field: "input.name", operator: "==", value: "bob" },
      { field: "nodes.a.json.ok", operator: "==", value: "false" },
      { field: "input.flag", operator: "truthy", value: "" },
    ];
    for (const condition of conditions) expect(fromJsonLogic(toJsonLogic(condition))).toEqual(condition);
  });

  it("leaves rules beyond one comparison to the JSON", () => {
    expect(fromJsonLogic({ and: [{ "==": [1, 1] }, true] })).toBeNull();
    expect(fromJsonLogic({ "==": [1, 1] })).toBeNull();
    expect(fromJsonLogic({ "==": [{ var: "a" }, { var: "b" }] })).toBeNull();
    expect(fromJsonLogic(true)).toBeNull();
    // The text "3" is not the number 3: the builder would change the rule, so it does not claim it.
    expect(fromJsonLogic({ "==": [{ var: "input.n" }, "3"] })).toBeNull();
  });
});
