// Prompt templates: logic-less mustache over the run, with HTML escaping off (prompts are not HTML).
// Non-string values are JSON, so `{{nodes.x.json}}` or `{{upstream}}` render as data, not "[object Object]".
import Mustache from "mustache";

export interface NodeTemplateView {
  output: unknown;
  json: unknown;
  status: string;
  exit_code: number | null;
  error: string | null;
}

export interface TemplateView {
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  nodes: Record<string, NodeTemplateView>;
  /** Outputs of the nodes feeding this one, in edge order. */
  upstream: unknown[];
}

export const templateRoots = ["input", "context", "nodes", "upstream"] as const;
export const nodeFields = ["output", "json", "status", "exit_code", "error"] as const;

export interface TemplateScope {
  /** Every node id of the workflow. */
  nodeIds: ReadonlySet<string>;
  /** Node ids whose outputs can exist when this template renders. */
  upstream: ReadonlySet<string>;
}

type Token = [string, string, number, number, Token[]?];

/** What is wrong with a template, one message per problem; empty when it is fine. */
export function templateProblems(template: string, scope: TemplateScope): string[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch (error) {
    return [`cannot be parsed: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const walk = (list: Token[], inSection: boolean) => {
    for (const [type, name, , , children] of list) {
      if (type === ">") problems.push(`{{> ${name}}}: partials are not supported`);
      if (type === "name" || type === "&" || type === "#" || type === "^") {
        const problem = nameProblem(name, inSection, scope);
        if (problem) problems.push(problem);
      }
      if (children) walk(children, true);
    }
  };
  walk(tokens, false);
  return problems;
}

/** Checks one `{{name}}`. Inside a section names may refer to the section's item, so only `nodes.` is checked. */
export function nameProblem(name: string, inSection: boolean, scope: TemplateScope): string | null {
  const [root, nodeId, field] = name.split(".");
  if (root === "nodes" && nodeId !== undefined) {
    if (!scope.nodeIds.has(nodeId)) return `{{${name}}} refers to unknown node "${nodeId}"`;
    if (!scope.upstream.has(nodeId))
      return `{{${name}}} refers to node "${nodeId}", which is not upstream of this node`;
    if (field !== undefined && !(nodeFields as readonly string[]).includes(field)) {
      return `{{${name}}}: a node has ${nodeFields.join(", ")}`;
    }
    return null;
  }
  if (inSection || name === ".") return null;
  if (!(templateRoots as readonly string[]).includes(root ?? "")) {
    return `{{${name}}}: names start with ${templateRoots.join(", ")}`;
  }
  return null;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A private writer: overriding the value hooks here leaves the global Mustache untouched for other users.
const writer = new Mustache.Writer();
writer.escapedValue = (token, context) => stringify(context.lookup(token[1] ?? ""));
writer.unescapedValue = (token, context) => stringify(context.lookup(token[1] ?? ""));

export function renderTemplate(template: string, view: TemplateView): string {
  return writer.render(template, view);
}
