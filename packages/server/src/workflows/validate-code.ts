// The checks of nodes that work on a repository (`repo`) or continue an upstream node's change
// (`workspace: {from}`): one of the two, a tool that edits files, a URL and ref git may be given (or
// templates over input and context, checked once rendered), and a `from` that is upstream and makes a change.
import {
  CODE_TOOLS,
  gitRefProblem,
  type NodeDefinition,
  repoUrlProblem,
  type WorkflowDefinition,
} from "@garageswarm/protocol";
import { templateProblems } from "./template.ts";

export interface CodeIssue {
  /** Relative to the node: `repo.url`, `workspace.from`. */
  field: string;
  message: string;
}

type CodeNode = Extract<NodeDefinition, { type: "task" | "aggregator" }>;

const isCodeNode = (node: NodeDefinition): node is CodeNode =>
  (node.type === "task" || node.type === "aggregator") && (node.repo !== undefined || node.workspace !== undefined);

/** A repository's url and ref may name the run's input and context, nothing a node produced. */
const repoTemplateScope = { nodeIds: new Set<string>(), upstream: new Set<string>(), roots: ["input", "context"] };

/** What is wrong with a node's repo fields and tool, before the graph is looked at. */
export function codeShapeIssues(node: NodeDefinition): CodeIssue[] {
  if (!isCodeNode(node)) return [];
  const issues: CodeIssue[] = [];
  if (node.repo !== undefined && node.workspace !== undefined) {
    issues.push({
      field: "workspace",
      message: "a node works on a new repository (repo) or continues an upstream change (workspace), not both",
    });
  }
  if (!CODE_TOOLS.includes(node.tool)) {
    issues.push({
      field: "tool",
      message: `a node with ${node.repo ? "repo" : "workspace"} needs a tool that edits files (${CODE_TOOLS.join(", ")}), not ${node.tool}`,
    });
  }
  if (node.repo) {
    const url = valueProblems(node.repo.url, repoUrlProblem);
    issues.push(...url.map((problem) => ({ field: "repo.url", message: `repo.url ${problem}` })));
    if (node.repo.ref !== undefined) {
      const ref = valueProblems(node.repo.ref, (value) =>
        value.length > 250 ? "must be at most 250 characters" : gitRefProblem(value),
      );
      issues.push(...ref.map((problem) => ({ field: "repo.ref", message: `repo.ref ${problem}` })));
    }
  }
  return issues;
}

/** A literal value is checked now; a template's names now and its rendered value at dispatch. */
function valueProblems(value: string, problemOf: (value: string) => string | null): string[] {
  if (value.includes("{{")) return templateProblems(value, repoTemplateScope);
  const problem = problemOf(value);
  return problem ? [problem] : [];
}

/**
 * `workspace.from`: a node upstream of this one (by edges that are not loops, so it has run the first time
 * this one does) that makes a change itself, and a single node (not a fan-out of replicas).
 */
export function workspaceIssues(
  node: NodeDefinition,
  definition: WorkflowDefinition,
  upstream: ReadonlySet<string>,
): CodeIssue[] {
  if (!isCodeNode(node) || node.workspace === undefined) return [];
  const from = node.workspace.from;
  const field = "workspace.from";
  const source = definition.nodes.find((candidate) => candidate.id === from);
  if (!source) return [{ field, message: `workspace.from names unknown node "${from}"` }];
  if (from === node.id) {
    return [{ field, message: "workspace.from names the node itself; a loop continues a node's own change anyway" }];
  }
  if (!upstream.has(from)) return [{ field, message: `workspace.from: node "${from}" is not upstream of this node` }];
  if (!isCodeNode(source)) {
    return [
      { field, message: `workspace.from: node "${from}" makes no change to continue (it has no repo or workspace)` },
    ];
  }
  if (source.type === "task" && source.replicas !== undefined) {
    return [{ field, message: `workspace.from: node "${from}" runs as several replicas, each with its own change` }];
  }
  return [];
}
