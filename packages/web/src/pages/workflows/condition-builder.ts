// The condition builder's simple rule (field, operator, value) <-> the JSON Logic the engine evaluates.
// A rule the builder cannot express (and/or, nested operations) reads back as null: the JSON stays the truth.

export const conditionOperators = [
  { value: "==", label: "equals" },
  { value: "!=", label: "does not equal" },
  { value: ">", label: "is greater than" },
  { value: ">=", label: "is at least" },
  { value: "<", label: "is less than" },
  { value: "<=", label: "is at most" },
  { value: "contains", label: "contains" },
  { value: "truthy", label: "is true / not empty" },
] as const;
export type ConditionOperator = (typeof conditionOperators)[number]["value"];

export interface SimpleCondition {
  /** A variable of the run: `input.x`, `context.x`, `nodes.ID.output`, `nodes.ID.json.field`. */
  field: string;
  operator: ConditionOperator;
  /** Typed text: a number or true/false compares as one, anything else as text. */
  value: string;
}

const comparisons = new Set(["==", "!=", ">", ">=", "<", "<="]);

function literal(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}

function varName(rule: unknown): string | null {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) return null;
  const entries = Object.entries(rule);
  if (entries.length !== 1 || entries[0]![0] !== "var") return null;
  const name = entries[0]![1];
  return typeof name === "string" ? name : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : null;
}

export function toJsonLogic(condition: SimpleCondition): unknown {
  const variable = { var: condition.field.trim() };
  if (condition.operator === "truthy") return { "!!": [variable] };
  if (condition.operator === "contains") return { in: [condition.value, variable] };
  return { [condition.operator]: [variable, literal(condition.value)] };
}

export function fromJsonLogic(rule: unknown): SimpleCondition | null {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) return null;
  const entries = Object.entries(rule);
  if (entries.length !== 1) return null;
  const [operator, args] = entries[0]!;
  if (!Array.isArray(args)) return null;
  if (operator === "!!" && args.length === 1) {
    const field = varName(args[0]);
    return field === null ? null : { field, operator: "truthy", value: "" };
  }
  if (operator === "in" && args.length === 2 && typeof args[0] === "string") {
    const field = varName(args[1]);
    return field === null ? null : { field, operator: "contains", value: args[0] };
  }
  if (comparisons.has(operator) && args.length === 2) {
    const field = varName(args[0]);
    const value = text(args[1]);
    if (field === null || value === null) return null;
    // A text that reads as a number or boolean would come back as one: not the same rule.
    if (typeof args[1] === "string" && literal(args[1]) !== args[1]) return null;
    return { field, operator: operator as ConditionOperator, value };
  }
  return null;
}
