// Prompt templates: logic-less mustache over the run, with HTML escaping off (prompts are not HTML).
// Non-string values are JSON, so `{{nodes.x.json}}` or `{{upstream}}` render as data, not "[object Object]".
import Mustache from "mustache";

export interface NodeTemplateView {
  output: unknown;
  json: unknown;
  status: string;
  exit_code: number | null;
  error: string | null;
  /** Code nodes (null or empty for the others): the branch of the latest change, its diff, check, changed paths. */
  branch: unknown;
  diff: unknown;
  check: unknown;
  files: unknown;
}

export interface TemplateView {
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  nodes: Record<string, NodeTemplateView>;
  /** Outputs of the nodes feeding this one, in edge order. */
  upstream: unknown[];
}

export const templateRoots = ["input", "context", "nodes", "upstream"] as const;
export const nodeFields = [
  "output",
  "json",
  "status",
  "exit_code",
  "error",
  "branch",
  "diff",
  "check",
  "files",
] as const;
/** What `{{nodes.ID.check.*}}` has: the check command's exit code and the tail of its output. */
export const checkFields = ["exit_code", "output"] as const;

export interface TemplateScope {
  /** Every node id of the workflow. */
  nodeIds: ReadonlySet<string>;
  /** Node ids whose outputs can exist when this template renders. */
  upstream: ReadonlySet<string>;
  /** The roots names may start with; all of `templateRoots` when left out. */
  roots?: readonly string[];
}

type Token = [string, string, number, number, Token[]?];

export const templateLimits = {
  /** Sections inside sections: each level multiplies the work by the length of a list (review A4). */
  sectionDepth: 2,
  /** Iterations of all sections of one rendering together. */
  iterations: 10_000,
  /** Tokens (text, names, sections) one rendering goes through. */
  steps: 1_000_000,
  /** Characters of a rendered prompt: twice what a task's prompt may be. */
  outputSize: 1_000_000,
} as const;

/** A rendering went past one of its limits; the node fails with this message. */
export class TemplateLimitError extends Error {}

/** What is wrong with a template, one message per problem; empty when it is fine. */
export function templateProblems(template: string, scope: TemplateScope): string[] {
  let tokens: Token[];
  try {
    tokens = parse(template);
  } catch (error) {
    return [`cannot be parsed: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const walk = (list: Token[], depth: number) => {
    for (const [type, name, , , children] of list) {
      if (type === ">") problems.push(`{{> ${name}}}: partials are not supported`);
      if (type === "name" || type === "&" || type === "#" || type === "^") {
        const problem = nameProblem(name, depth > 0, scope);
        if (problem) problems.push(problem);
      }
      if (!children) continue;
      // Deeper sections are not walked: one message says it, and a hostile depth cannot exhaust the stack.
      if (depth + 1 > templateLimits.sectionDepth) {
        problems.push(
          `{{${type}${name}}}: sections nest at most ${templateLimits.sectionDepth} deep (this one is inside ${depth})`,
        );
      } else {
        walk(children, depth + 1);
      }
    }
  };
  walk(tokens, 0);
  return problems;
}

/** Checks one `{{name}}`. Inside a section names may refer to the section's item, so only `nodes.` is checked. */
export function nameProblem(name: string, inSection: boolean, scope: TemplateScope): string | null {
  const [root, nodeId, field, subfield] = name.split(".");
  const roots = scope.roots ?? templateRoots;
  if (scope.roots && !inSection && name !== "." && !roots.includes(root ?? "")) {
    return `{{${name}}}: names start with ${roots.join(", ")} here`;
  }
  if (root === "nodes" && nodeId !== undefined) {
    if (!scope.nodeIds.has(nodeId)) return `{{${name}}} refers to unknown node "${nodeId}"`;
    if (!scope.upstream.has(nodeId))
      return `{{${name}}} refers to node "${nodeId}", which is not upstream of this node`;
    if (field !== undefined && !(nodeFields as readonly string[]).includes(field)) {
      return `{{${name}}}: a node has ${nodeFields.join(", ")}`;
    }
    if (field === "check" && subfield !== undefined && !(checkFields as readonly string[]).includes(subfield)) {
      return `{{${name}}}: a node's check has ${checkFields.join(", ")}`;
    }
    return null;
  }
  if (inSection || name === ".") return null;
  if (!roots.includes(root ?? "")) {
    return `{{${name}}}: names start with ${roots.join(", ")}`;
  }
  return null;
}

/**
 * Renders as Mustache would (with the value hooks above: no escaping, non-strings as JSON) while counting:
 * past the section depth, iterations, tokens or output size it throws a TemplateLimitError. Names resolve
 * through own properties only, so nothing on a prototype (no method of an object or a list) is ever reached.
 */
export function renderTemplate(template: string, view: TemplateView): string {
  return new BoundedRenderer().render(parse(template), [view]);
}

// Mustache's own parse keeps every template it ever saw; plan prompts and many workflows would pile up.
const parser = new Mustache.Writer();
(parser as { templateCache?: unknown }).templateCache = undefined;
const parse = (template: string) => parser.parse(template) as unknown as Token[];

class BoundedRenderer {
  private iterations = 0;
  private steps = 0;
  private size = 0;
  private readonly parts: string[] = [];

  render(tokens: Token[], stack: unknown[]): string {
    this.renderTokens(tokens, stack, 0);
    return this.parts.join("");
  }

  private renderTokens(tokens: Token[], stack: unknown[], depth: number) {
    this.steps += tokens.length;
    if (this.steps > templateLimits.steps) {
      throw new TemplateLimitError(`rendering went through more than ${templateLimits.steps} tokens`);
    }
    for (const [type, name, , , children] of tokens) {
      if (type === "text") this.write(name);
      else if (type === "name" || type === "&") this.writeValue(lookup(stack, name));
      else if (type === "#" || type === "^") {
        if (depth + 1 > templateLimits.sectionDepth) {
          throw new TemplateLimitError(`{{${type}${name}}}: sections nest at most ${templateLimits.sectionDepth} deep`);
        }
        const value = lookup(stack, name);
        if (type === "^") {
          if (!value || (Array.isArray(value) && value.length === 0)) this.renderTokens(children!, stack, depth + 1);
        } else if (!value) {
        } else if (Array.isArray(value)) {
          this.iterate(name, value.length);
          for (const item of value) this.renderTokens(children!, [...stack, item], depth + 1);
        } else if (typeof value === "object" || typeof value === "string" || typeof value === "number") {
          this.iterate(name, 1);
          this.renderTokens(children!, [...stack, value], depth + 1);
        } else {
          this.iterate(name, 1);
          this.renderTokens(children!, stack, depth + 1);
        }
      }
      // Partials (refused when a definition is saved), comments and delimiter changes render nothing.
    }
  }

  private iterate(name: string, count: number) {
    this.iterations += count;
    if (this.iterations > templateLimits.iterations) {
      throw new TemplateLimitError(
        `{{#${name}}}: sections iterated more than ${templateLimits.iterations} times in one rendering`,
      );
    }
  }

  private write(text: string) {
    this.size += text.length;
    if (this.size > templateLimits.outputSize) {
      throw new TemplateLimitError(`the rendered text is longer than ${templateLimits.outputSize} characters`);
    }
    this.parts.push(text);
  }

  private writeValue(value: unknown) {
    if (value === null || value === undefined) return;
    if (typeof value === "string") return this.write(value);
    // Measured before it is serialised, so a huge value costs no more than the room left.
    if (jsonSizeOver(value, templateLimits.outputSize - this.size)) {
      throw new TemplateLimitError(`the rendered text is longer than ${templateLimits.outputSize} characters`);
    }
    this.write(JSON.stringify(value) ?? "");
  }
}

const hasOwn = (value: unknown, key: string) =>
  value !== null && value !== undefined && Object.hasOwn(Object(value), key);

/** Mustache's name lookup (dotted names, then the enclosing sections' items), over own properties only. */
function lookup(stack: unknown[], name: string): unknown {
  if (name === ".") return stack[stack.length - 1];
  for (let i = stack.length - 1; i >= 0; i--) {
    const view = stack[i];
    if (name.indexOf(".") > 0) {
      const names = name.split(".");
      let value = view;
      let hit = false;
      for (let index = 0; value !== null && value !== undefined && index < names.length; index++) {
        const key = names[index]!;
        const own = hasOwn(value, key);
        if (index === names.length - 1) hit = own;
        value = own ? (value as Record<string, unknown>)[key] : undefined;
      }
      if (hit) return value;
    } else if (view !== null && typeof view === "object" && Object.hasOwn(view, name)) {
      return (view as Record<string, unknown>)[name];
    }
  }
  return undefined;
}

/** Whether `value` as JSON is longer than `room` characters; walks at most about `room` values to say so. */
function jsonSizeOver(value: unknown, room: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") size += item.length + 2;
    else if (Array.isArray(item)) {
      size += item.length + 2;
      for (const child of item) stack.push(child);
    } else if (item !== null && typeof item === "object") {
      const entries = Object.entries(item);
      size += entries.length + 2;
      for (const [key, child] of entries) {
        size += key.length + 3;
        stack.push(child);
      }
    } else size += 1;
    if (size > room) return true;
  }
  return false;
}
