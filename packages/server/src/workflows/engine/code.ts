// Code nodes in the engine. A node whose task worked on a repository keeps what its latest completed
// attempt reported (NodeCode: branch, SHAs, changed paths, the check) in its state, for templates,
// conditions and the nodes that continue its change. Dispatching a code node renders its repository's
// `url` and `ref` and checks them as a task's, or builds the workspace that continues an upstream change.
// Pure: the patch itself is read by the run driver (runs/diffs.ts) and handed in as `diffOf`.
import { type CodeResult, TaskRepo, type TaskWorkspace } from "@garageswarm/protocol";
import type { RunNode } from "../graph.ts";
import { renderTemplate, type TemplateView } from "../template.ts";

export interface NodeCode {
  /** The task that made the change: its patch is the node's `diff`. */
  task_id: string;
  repo: TaskRepo;
  revision: number;
  /** The first task of the change's chain (a workspace continues it, as a review's follow-up does). */
  root_task_id: string;
  branch: string;
  base_sha: string;
  head_sha: string;
  pushed: boolean;
  /** The changed paths. */
  files: string[];
  check: { exit_code: number | null; output: string } | null;
}

/** What a dispatched code node's task carries: the tasks table wants a revision with every repo. */
export interface DispatchCode {
  repo: TaskRepo;
  workspace: TaskWorkspace | null;
  revision: number;
}

/** The finished code task of a node, as the run keeps it; null when the task reported no change. */
export function nodeCodeOf(task: {
  task_id: string;
  repo: TaskRepo | null;
  revision: number | null;
  workspace: TaskWorkspace | null;
  code: CodeResult | null | undefined;
}): NodeCode | null {
  const { repo, code } = task;
  if (!repo || !code) return null;
  return {
    task_id: task.task_id,
    repo,
    revision: task.revision ?? 1,
    root_task_id: task.workspace?.root_task_id ?? task.task_id,
    branch: code.branch,
    base_sha: code.base_sha,
    head_sha: code.head_sha,
    pushed: code.pushed,
    files: code.files.map((file) => file.path),
    check: code.check ? { exit_code: code.check.exit_code, output: code.check.output } : null,
  };
}

export type CodeDispatch = { ok: true; code: DispatchCode | null } | { ok: false; error: string };

/**
 * The repository and workspace of a node's next task. `own` is the node's own latest change (a loop
 * re-entry), `upstream` that of its `workspace.from`: the later revision of one chain is continued, and a
 * new chain upstream (it started afresh) is continued from its start.
 */
export function codeDispatch(
  node: RunNode,
  view: TemplateView,
  own: NodeCode | null,
  upstream: NodeCode | null,
): CodeDispatch {
  if (node.repo) return renderRepo(node.repo, view);
  if (node.workspace_from === undefined) return { ok: true, code: null };
  if (!upstream) {
    return {
      ok: false,
      error: `workspace.from: node "${node.workspace_from}" has no change to continue (its latest attempt did not complete a code task)`,
    };
  }
  const continuesOwn = own && own.root_task_id === upstream.root_task_id && own.revision > upstream.revision;
  const base = continuesOwn ? own : upstream;
  return {
    ok: true,
    code: {
      repo: base.repo,
      workspace: {
        from_task_id: base.task_id,
        root_task_id: base.root_task_id,
        branch: base.branch,
        base_sha: base.base_sha,
        head_sha: base.head_sha,
        pushed: base.pushed,
      },
      revision: base.revision + 1,
    },
  };
}

function renderRepo(repo: NonNullable<RunNode["repo"]>, view: TemplateView): CodeDispatch {
  const rendered: Record<string, unknown> = { ...repo, url: renderTemplate(repo.url, view) };
  if (repo.ref !== undefined) rendered.ref = renderTemplate(repo.ref, view);
  const parsed = TaskRepo.safeParse(rendered);
  if (parsed.success) return { ok: true, code: { repo: parsed.data, workspace: null, revision: 1 } };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join(".");
  const value = rendered[String(issue.path[0])];
  const shown = typeof value === "string" ? ` ("${value.slice(0, 200)}")` : "";
  return { ok: false, error: `repo.${field}${shown} ${issue.message}` };
}
