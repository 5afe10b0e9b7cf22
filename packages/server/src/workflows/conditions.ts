// Conditions are JSON Logic (https://jsonlogic.com): data in, value out, no eval. They run inside the
// engine's synchronous step, on the server's one thread, so a rule must not be able to cost much: rules are
// checked against an operator list and a size and depth limit first, then evaluated by the small
// interpreter below, which gives json-logic-js's results (checked by conditions.property.test.ts) while
// counting its work. It fails with a ConditionLimitError past a step budget, a work budget (characters and
// elements that native operations go through) or a size cap on any value it builds, so every evaluation
// costs O(budget) whatever the rule and the data. json-logic-js has no such hooks: `reduce` + `merge`
// doubling an array once per element exhausts the heap (review A3).
import type { TemplateScope } from "./template.ts";

// json-logic-js's operators minus "log" (it writes to the console); "method" is not one of them.
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

export const conditionLimits = {
  /** Values in a rule: operations, lists and literals (checked when a workflow is saved). */
  ruleNodes: 2000,
  /** How deeply operations and lists nest in a rule. */
  ruleDepth: 32,
  /** Operations evaluated, iterations of map/filter/reduce/all/some/none and keys looked up. */
  steps: 100_000,
  /** Characters and elements that operations go through (comparing, joining, searching, copying, coercing). */
  work: 20_000_000,
  /** The largest value an operation may build: characters of a string, or elements and characters of a list. */
  valueSize: 1_000_000,
} as const;

/** A condition went past one of its limits. The node (or edge) fails with this message. */
export class ConditionLimitError extends Error {}

/** What is wrong with a rule; empty when it is valid. With a scope, `nodes.ID` variables are checked too. */
export function conditionProblems(rule: unknown, scope?: TemplateScope): string[] {
  const problems: string[] = [];
  let count = 0;
  let tooDeep = false;
  const walk = (value: unknown, depth: number) => {
    count += 1;
    if (depth > conditionLimits.ruleDepth) {
      tooDeep = true;
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
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
    walk(args, depth + 1);
  };
  walk(rule, 0);
  if (tooDeep) problems.push(`nests deeper than ${conditionLimits.ruleDepth} levels`);
  if (count > conditionLimits.ruleNodes) {
    problems.push(`has ${count} values (operations, lists and literals); at most ${conditionLimits.ruleNodes}`);
  }
  return problems;
}

/** What a run step's conditions have used together (review B2: a step must not loop without bound). */
export interface StepUsage {
  evaluations: number;
  steps: number;
}

export const stepLimits = {
  /** Condition evaluations (nodes and edges) in one engine step: a step of a legitimate run evaluates each once. */
  evaluations: 5000,
  /** Steps of all the conditions of one engine step together. */
  steps: 500_000,
} as const;

/**
 * The rule's truthiness (JSON Logic's: an empty array is false). Throws on an invalid rule, and a
 * ConditionLimitError past a limit. `usage` collects what the engine step spent, and is checked too.
 */
export function evaluateCondition(rule: unknown, data: unknown, usage?: StepUsage): boolean {
  const problems = conditionProblems(rule);
  if (problems.length > 0) throw new Error(problems.join("; "));
  if (usage) {
    usage.evaluations += 1;
    if (usage.evaluations > stepLimits.evaluations) {
      throw new ConditionLimitError(
        `more than ${stepLimits.evaluations} condition evaluations in one engine step (a loop that only evaluates conditions cannot make progress)`,
      );
    }
  }
  const evaluator = new Evaluator(usage ? Math.min(conditionLimits.steps, stepLimits.steps - usage.steps) : undefined);
  try {
    return truthy(evaluator.apply(rule, data));
  } finally {
    if (usage) usage.steps += evaluator.steps;
  }
}

/** As json-logic-js `apply`, with its limits; exported for the equivalence tests. */
export function applyRule(rule: unknown, data: unknown): unknown {
  return new Evaluator().apply(rule, data);
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return !!value;
}

function isLogic(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1;
}

// Operations with no control flow of their own, as json-logic-js defines them. Arguments are charged to
// the work budget before they run, so the native coercions and copies inside them are paid for.
// `in` on anything but a string or a list is false (json-logic-js calls any `indexOf` the data holds).
const plainOperations: Record<string, (...args: unknown[]) => unknown> = {
  // biome-ignore lint/suspicious/noDoubleEquals: JSON Logic's == is JavaScript's loose equality.
  "==": (a, b) => a == b,
  "===": (a, b) => a === b,
  // biome-ignore lint/suspicious/noDoubleEquals: as above.
  "!=": (a, b) => a != b,
  "!==": (a, b) => a !== b,
  ">": (a, b) => (a as number) > (b as number),
  ">=": (a, b) => (a as number) >= (b as number),
  "<": (a, b, c) =>
    c === undefined ? (a as number) < (b as number) : (a as number) < (b as number) && (b as number) < (c as number),
  "<=": (a, b, c) =>
    c === undefined ? (a as number) <= (b as number) : (a as number) <= (b as number) && (b as number) <= (c as number),
  "!!": (a) => truthy(a),
  "!": (a) => !truthy(a),
  "%": (a, b) => (a as number) % (b as number),
  in: (a, b) => {
    if (!b) return false;
    if (typeof b === "string") return b.indexOf(a as string) !== -1;
    return Array.isArray(b) ? b.indexOf(a) !== -1 : false;
  },
  cat: (...args) => args.join(""),
  substr: (source, start, end) => {
    if ((end as number) < 0) {
      const temp = String(source).substr(start as number);
      return temp.substr(0, temp.length + (end as number));
    }
    return String(source).substr(start as number, end as number);
  },
  "+": (...args) => args.reduce((a: number, b) => Number.parseFloat(a as never) + Number.parseFloat(b as never), 0),
  "*": (...args) =>
    args.length === 0
      ? (() => {
          throw new TypeError("Reduce of empty array with no initial value");
        })()
      : args.reduce((a, b) => Number.parseFloat(a as never) * Number.parseFloat(b as never)),
  "-": (a, b) => (b === undefined ? -(a as number) : (a as number) - (b as number)),
  "/": (a, b) => (a as number) / (b as number),
  min: (...args) => Math.min(...(args as number[])),
  max: (...args) => Math.max(...(args as number[])),
  merge: (...args) => args.reduce((a: unknown[], b) => a.concat(b), []),
};

class Evaluator {
  steps = 0;
  work = 0;
  private readonly sizes = new WeakMap<object, number>();
  constructor(private readonly stepBudget: number = conditionLimits.steps) {}

  private step(count = 1) {
    this.steps += count;
    if (this.steps > this.stepBudget) {
      throw new ConditionLimitError(
        this.stepBudget < conditionLimits.steps
          ? `the conditions of one engine step went past their shared budget of ${stepLimits.steps} steps`
          : `the condition went past its budget of ${conditionLimits.steps} steps`,
      );
    }
  }

  private charge(units: number) {
    this.work += units;
    if (this.work > conditionLimits.work) {
      throw new ConditionLimitError(
        `the condition went past its work budget of ${conditionLimits.work} characters and elements processed`,
      );
    }
  }

  /** Characters of a string, or 1 + the sizes of a list's elements, counted as a tree (shared lists count each time). */
  size(value: unknown, depth = 0): number {
    if (typeof value === "string") return value.length;
    if (!Array.isArray(value)) return 1;
    const known = this.sizes.get(value);
    if (known !== undefined) return known;
    if (depth > 1000) throw new ConditionLimitError("the condition reads a list nested more than 1000 deep");
    this.charge(value.length);
    let total = 1;
    for (const item of value) total += this.size(item, depth + 1);
    this.sizes.set(value, total);
    return total;
  }

  /** A value an operation built: refused past the size cap. */
  private built<T>(value: T, operator: string): T {
    this.checkSize(this.size(value), operator);
    return value;
  }

  private checkSize(size: number, operator: string) {
    if (size > conditionLimits.valueSize) {
      throw new ConditionLimitError(
        `"${operator}" built a value of size ${size}, more than the limit of ${conditionLimits.valueSize} (characters, or elements and characters of a list)`,
      );
    }
  }

  apply(logic: unknown, data: unknown): unknown {
    this.step();
    if (Array.isArray(logic))
      return this.built(
        logic.map((item) => this.apply(item, data)),
        "list",
      );
    if (!isLogic(logic)) return logic;
    const op = Object.keys(logic)[0]!;
    let values = logic[op];
    if (!Array.isArray(values)) values = [values];
    const args = values as unknown[];

    switch (op) {
      case "if":
      case "?:": {
        let i = 0;
        for (; i < args.length - 1; i += 2) {
          if (truthy(this.apply(args[i], data))) return this.apply(args[i + 1], data);
        }
        return args.length === i + 1 ? this.apply(args[i], data) : null;
      }
      case "and": {
        let current: unknown;
        for (const arg of args) {
          current = this.apply(arg, data);
          if (!truthy(current)) return current;
        }
        return current;
      }
      case "or": {
        let current: unknown;
        for (const arg of args) {
          current = this.apply(arg, data);
          if (truthy(current)) return current;
        }
        return current;
      }
      case "filter": {
        const scoped = this.apply(args[0], data);
        if (!Array.isArray(scoped)) return [];
        return this.built(
          scoped.filter((datum) => {
            this.step();
            return truthy(this.apply(args[1], datum));
          }),
          op,
        );
      }
      case "map": {
        const scoped = this.apply(args[0], data);
        if (!Array.isArray(scoped)) return [];
        return this.built(
          scoped.map((datum) => {
            this.step();
            return this.apply(args[1], datum);
          }),
          op,
        );
      }
      case "reduce": {
        const scoped = this.apply(args[0], data);
        const initial = args[2] !== undefined ? this.apply(args[2], data) : null;
        if (!Array.isArray(scoped)) return initial;
        let accumulator = initial;
        for (const current of scoped) {
          this.step();
          accumulator = this.built(this.apply(args[1], { current, accumulator }), op);
        }
        return accumulator;
      }
      case "all":
      case "none":
      case "some": {
        const scoped = this.apply(args[0], data);
        if (!Array.isArray(scoped) || scoped.length === 0) return op === "none";
        for (const datum of scoped) {
          this.step();
          const hit = truthy(this.apply(args[1], datum));
          if (op === "all" && !hit) return false;
          if (op === "some" && hit) return true;
          if (op === "none" && hit) return false;
        }
        return op !== "some";
      }
    }

    const evaluated = args.map((arg) => this.apply(arg, data));
    for (const value of evaluated) this.charge(this.size(value));
    if (op === "merge") {
      // Refused before copying: two large lists from the data would otherwise be joined first.
      const size = evaluated.reduce(
        (total: number, value) => total + this.size(value) - (Array.isArray(value) ? 1 : 0),
        1,
      );
      this.checkSize(size, op);
    }
    switch (op) {
      case "var":
        return this.lookup(evaluated[0], evaluated[1], data);
      case "missing": {
        const keys = Array.isArray(evaluated[0]) ? evaluated[0] : evaluated;
        return this.missing(keys, data);
      }
      case "missing_some": {
        // json-logic-js evaluates the options once more as logic; here they are only ever keys.
        const [needCount, options] = evaluated as [number, unknown[]];
        const keys = Array.isArray(options) ? options : [options];
        const missing = this.missing(keys, data);
        return (options as { length: number }).length - missing.length >= needCount ? [] : missing;
      }
    }
    const operation = plainOperations[op];
    if (!operation) throw new Error(`unknown operator "${op}"`);
    const result = operation(...evaluated);
    return typeof result === "string" || Array.isArray(result) ? this.built(result, op) : result;
  }

  private missing(keys: unknown[], data: unknown): unknown[] {
    const missing: unknown[] = [];
    for (const key of keys) {
      this.step();
      this.charge(this.size(key));
      // json-logic-js reads each key as the arguments of a `var`: a list is [name, fallback].
      const [name, fallback] = Array.isArray(key) ? key : [key];
      const value = this.lookup(name, fallback, data);
      if (value === null || value === "") missing.push(key);
    }
    return missing;
  }

  /** `var`: reads own properties only, so nothing on a prototype is ever reached. */
  private lookup(path: unknown, fallback: unknown, data: unknown): unknown {
    const notFound = fallback === undefined ? null : fallback;
    if (path === undefined || path === "" || path === null) return data;
    let current = data;
    for (const key of String(path).split(".")) {
      this.step();
      if (current === null || current === undefined) return notFound;
      current = Object.hasOwn(Object(current), key) ? (current as Record<string, unknown>)[key] : undefined;
      if (current === undefined) return notFound;
    }
    return current;
  }
}
