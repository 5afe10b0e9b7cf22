// The variables a workflow's templates use and may use: `{{input.x}}` names the run-input form's fields,
// and the prompt autocomplete offers `{{nodes.ID.output}}` and friends.
import type { WorkflowDefinition } from "@garageswarm/protocol";

const inputTemplate = /\{\{\s*[#^/&{]?\s*input\.([A-Za-z0-9_-]+)/g;

/** Strings of a JSON value, deeply: prompts, repo urls and refs, condition rules. */
function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) stringsOf(item, into);
  return into;
}

/** The top-level names of `input` the workflow reads, in order of first use. */
export function inputVariables(definition: WorkflowDefinition): string[] {
  const names = new Set<string>();
  for (const node of definition.nodes) {
    const { position: _position, ...rest } = node;
    for (const text of stringsOf(rest)) {
      for (const match of text.matchAll(inputTemplate)) names.add(match[1]!);
    }
    // Conditions read variables as {"var": "input.x"}.
    if (node.type === "condition") {
      for (const text of stringsOf(node.expression)) {
        const match = /^input\.([A-Za-z0-9_-]+)/.exec(text);
        if (match) names.add(match[1]!);
      }
    }
  }
  for (const edge of definition.edges) {
    for (const text of stringsOf(edge.condition)) {
      const match = /^input\.([A-Za-z0-9_-]+)/.exec(text);
      if (match) names.add(match[1]!);
    }
  }
  return [...names];
}

export interface TemplateSuggestion {
  /** What is inserted, braces included. */
  text: string;
  detail: string;
}

/** What a prompt of `nodeId` may insert: input and context keys, other nodes' fields, the upstream list. */
export function templateSuggestions(
  definition: WorkflowDefinition,
  nodeId: string,
  known: { input?: Record<string, unknown>; context?: Record<string, unknown> } = {},
): TemplateSuggestion[] {
  const inputs = new Set([...Object.keys(known.input ?? {}), ...inputVariables(definition)]);
  const suggestions: TemplateSuggestion[] = [];
  for (const name of inputs) suggestions.push({ text: `{{input.${name}}}`, detail: "run input" });
  for (const name of Object.keys(known.context ?? {})) {
    suggestions.push({ text: `{{context.${name}}}`, detail: "workflow context" });
  }
  suggestions.push({ text: "{{upstream}}", detail: "outputs of the nodes feeding this one" });
  for (const node of definition.nodes) {
    if (node.id === nodeId) continue;
    suggestions.push({ text: `{{nodes.${node.id}.output}}`, detail: `output of ${node.id}` });
    suggestions.push({ text: `{{nodes.${node.id}.json}}`, detail: `output of ${node.id} as JSON` });
    suggestions.push({ text: `{{nodes.${node.id}.status}}`, detail: `status of ${node.id}` });
  }
  return suggestions;
}

/** The `{{…` being typed just before the caret, or null when the caret is not inside an open template. */
export function openTemplateAt(text: string, caret: number): { start: number; typed: string } | null {
  const before = text.slice(0, caret);
  const start = before.lastIndexOf("{{");
  if (start < 0 || before.indexOf("}}", start) >= 0) return null;
  const typed = before.slice(start);
  return /^\{\{[A-Za-z0-9_.-]*$/.test(typed) ? { start, typed } : null;
}

/** Suggestions that start with what is typed (`{{no` matches `{{nodes.…}}`). */
export function matchSuggestions(suggestions: TemplateSuggestion[], typed: string): TemplateSuggestion[] {
  return suggestions.filter((suggestion) => suggestion.text.startsWith(typed) && suggestion.text !== typed);
}
