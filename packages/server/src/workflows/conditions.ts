// Conditions are JSON Logic (https://jsonlogic.com), evaluated by json-logic-js: data in, value out, no eval.
// Rules are checked against a fixed operator list first, so nothing outside it ever runs.
import jsonLogic from "json-logic-js";
import type { TemplateScope } from "./template.ts";

// json-logic-js's operators minus "log" (it writes to the console).
export const conditionOperators: ReadonlySet<string> = new Set([
  "var",
  "missing",
  "missing_some",
  "if",
  "?:",
  "==",
  "===",
  "!=",
  "!==",
  "!",
  "!!",
  "or",
  "and",
  ">",
  ">=",
  "<",
  "<=",
  "max",
  "min",
  "+",
  "-",
  "*",
  "/",
  "%",
  "map",
  "filter",
  "reduce",
  "all",
  "none",
  "some",
  "merge",
  "in",
  "cat",
  "substr",
]);

/** What is wrong with a rule; empty when it is valid. With a scope, `nodes.ID` variables are checked too. */
export function conditionProblems(rule: unknown, scope?: TemplateScope): string[] {
  const problems: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const keys = Object.keys(value);
    if (keys.length !== 1) {
      problems.push(`an operation is an object with exactly one key, the operator (found ${keys.length})`);
      return;
    }
    const operator = keys[0]!;
    if (!conditionOperators.has(operator)) {
      problems.push(`unknown operator "${operator}"`);
      return;
    }
    const args = (value as Record<string, unknown>)[operator];
    if (operator === "var" && scope) {
      const name = Array.isArray(args) ? args[0] : args;
      if (typeof name === "string") {
        const [root, nodeId] = name.split(".");
        if (root === "nodes" && nodeId !== undefined) {
          if (!scope.nodeIds.has(nodeId)) problems.push(`variable "${name}" refers to unknown node "${nodeId}"`);
          else if (!scope.upstream.has(nodeId)) {
            problems.push(`variable "${name}" refers to node "${nodeId}", which is not upstream`);
          }
        }
      }
    }
    walk(args);
  };
  walk(rule);
  return problems;
}

/** The rule's truthiness (JSON Logic's: an empty array is false). Throws on an invalid rule. */
export function evaluateCondition(rule: unknown, data: unknown): boolean {
  const problems = conditionProblems(rule);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return jsonLogic.truthy(jsonLogic.apply(rule as jsonLogic.RulesLogic, data));
}
