// Property: on bounded rules and data, the bounded evaluator gives json-logic-js's results. Where they
// differ on purpose (nothing on a prototype is read; `missing` and `missing_some` never evaluate data as
// logic), the generators stay out of the way: keys never name prototype members, missing_some takes literal keys.
import fc from "fast-check";
import jsonLogic from "json-logic-js";
import { describe, expect, it } from "vitest";
import { applyRule, ConditionLimitError } from "./conditions.ts";

const keys = ["a", "b", "c", "0", "1", "length"] as const;
const path = fc.oneof(
  fc.constantFrom(...keys),
  fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...keys)).map(([x, y]) => `${x}.${y}`),
  fc.constant(""),
);
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.constantFrom("", "a", "ab", "1", "2.5", "PASS", "a,b", "true"),
  fc.boolean(),
  fc.constant(null),
);
const { value: data } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...keys), tie("value"), { maxKeys: 4 }),
  ),
}));

const unary = ["!", "!!", "-"] as const;
const binary = ["==", "===", "!=", "!==", ">", ">=", "<", "<=", "%", "/", "-", "in", "substr"] as const;
const variadic = ["and", "or", "if", "?:", "+", "*", "min", "max", "cat", "merge", "missing", "<", "<="] as const;
const iterating = ["map", "filter", "all", "none", "some"] as const;

const { rule } = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    path.map((name) => ({ var: name })),
    fc.tuple(path, scalar).map(([name, fallback]) => ({ var: [name, fallback] })),
    fc.tuple(fc.constantFrom(...unary), tie("rule")).map(([op, a]) => ({ [op]: [a] })),
    fc.tuple(fc.constantFrom(...binary), tie("rule"), tie("rule")).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc
      .tuple(fc.constantFrom(...variadic), fc.array(tie("rule"), { maxLength: 4 }))
      .map(([op, args]) => ({ [op]: args })),
    fc.tuple(fc.constantFrom(...iterating), tie("rule"), tie("rule")).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc.tuple(tie("rule"), tie("rule"), tie("rule")).map(([a, b, c]) => ({ reduce: [a, b, c] })),
    fc
      .tuple(fc.nat(3), fc.array(fc.constantFrom(...keys), { maxLength: 3 }))
      .map(([need, names]) => ({ missing_some: [need, names] })),
    fc.array(tie("rule"), { maxLength: 3 }),
  ),
}));

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
const run = (f: () => unknown): Outcome => {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
};

describe("the bounded condition evaluator", () => {
  it("gives json-logic-js's result on bounded rules and data", () => {
    fc.assert(
      fc.property(rule, data, (logic, value) => {
        const expected = run(() => jsonLogic.apply(logic as jsonLogic.RulesLogic, value));
        const actual = run(() => applyRule(logic, value));
        if (!actual.ok) expect(actual.error).not.toBeInstanceOf(ConditionLimitError);
        if (expected.ok) {
          expect(actual.ok).toBe(true);
          if (actual.ok) expect(actual.value).toStrictEqual(expected.value);
        } else if (actual.ok) {
          // json-logic-js evaluates the keys `missing` reads as logic, so data objects throw there; here they are keys.
          expect(JSON.stringify(logic)).toContain('"missing');
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 3000) },
    );
  });

  it("never lets a rule build more than its size cap, whatever it iterates", () => {
    // Doubling through reduce, in both shapes (merge copies, a literal list shares), over any input length.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.boolean(), (length, shared) => {
        const body = shared
          ? [{ var: "accumulator" }, { var: "accumulator" }]
          : { merge: [{ var: "accumulator" }, { var: "accumulator" }] };
        const outcome = run(() =>
          applyRule({ reduce: [{ var: "xs" }, body, [1]] }, { xs: Array.from({ length }, (_, i) => i) }),
        );
        // 2^20 elements pass the cap of 10^6; well below it the rule runs.
        if (length <= 17) expect(outcome.ok).toBe(true);
        if (length >= 20) expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error).toBeInstanceOf(ConditionLimitError);
      }),
    );
  });
});
