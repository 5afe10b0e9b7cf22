// The diffs templates and conditions show (`{{nodes.ID.diff}}`): a code task's stored patch, cut to
// DIFF_TEMPLATE_CHARS so that a prompt naming a few stays well under the template's output limit (1M
// characters). The engine does no I/O, so a step reads them first, for the nodes some template or condition
// names as `nodes.ID.diff`, and hands them in (EngineOptions.diffOf). A stored patch never changes, so the
// process keeps the last ones it read.
import { inArray, sql } from "drizzle-orm";
import { taskPatches } from "../../db/schema.ts";
import type { Db } from "../../db/store.ts";
import type { RunState } from "../engine/state.ts";
import type { DiffOf } from "../engine/view.ts";
import type { RunGraph } from "../graph.ts";
import type { NodeOutcome } from "./queries.ts";

/** The most of a patch a template shows; past it the diff ends with a line saying where the whole one is. */
export const DIFF_TEMPLATE_CHARS = 100_000;

const KEPT_DIFFS = 64;
const kept = new Map<string, string>();
const namedByGraph = new WeakMap<RunGraph, ReadonlySet<string>>();

/** The node ids some template or condition of the run reads the diff of (replicas by their definition id). */
export function nodesReadingDiffs(graph: RunGraph): ReadonlySet<string> {
  let named = namedByGraph.get(graph);
  if (!named) {
    const texts = [
      ...graph.nodes.flatMap((node) => [
        node.prompt ?? "",
        node.message ?? "",
        JSON.stringify(node.expression ?? null),
      ]),
      ...graph.edges.map((edge) => JSON.stringify(edge.condition ?? null)),
    ];
    named = new Set(texts.flatMap((text) => [...text.matchAll(/nodes\.([A-Za-z0-9_-]+)\.diff\b/g)].map((m) => m[1]!)));
    namedByGraph.set(graph, named);
  }
  return named;
}

/**
 * The diffs a step may show: of the named nodes' latest changes, and of the changes the step's outcomes
 * bring. Undefined when no template names a diff.
 */
export async function readStepDiffs(
  db: Db,
  graph: RunGraph,
  state: RunState,
  outcomes: readonly NodeOutcome[],
): Promise<DiffOf | undefined> {
  const named = nodesReadingDiffs(graph);
  if (named.size === 0) return undefined;
  const isNamed = (nodeId: string) => named.has(nodeId) || named.has(nodeId.split("/")[0]!);
  const taskIds = new Set<string>();
  for (const [nodeId, node] of Object.entries(state.nodes)) {
    if (node.code && isNamed(nodeId)) taskIds.add(node.code.task_id);
  }
  for (const outcome of outcomes) {
    if (outcome.status === "completed" && outcome.repo && isNamed(outcome.node_id)) taskIds.add(outcome.task_id);
  }
  const diffs = await readDiffs(db, [...taskIds]);
  return (taskId) => diffs.get(taskId) ?? null;
}

/** The cut diffs of the tasks that have a stored patch. */
export async function readDiffs(db: Db, taskIds: readonly string[]): Promise<Map<string, string>> {
  const diffs = new Map<string, string>();
  const missing = taskIds.filter((taskId) => {
    const diff = kept.get(taskId);
    if (diff !== undefined) diffs.set(taskId, diff);
    return diff === undefined;
  });
  if (missing.length === 0) return diffs;
  const rows = await db
    .select({
      task_id: taskPatches.task_id,
      head: sql<string>`substring(${taskPatches.patch} from 1 for ${DIFF_TEMPLATE_CHARS + 1})`,
      bytes: taskPatches.bytes,
    })
    .from(taskPatches)
    .where(inArray(taskPatches.task_id, missing));
  for (const row of rows) {
    const diff =
      row.head.length <= DIFF_TEMPLATE_CHARS
        ? row.head
        : `${cut(row.head, DIFF_TEMPLATE_CHARS)}\n[the diff is cut at ${DIFF_TEMPLATE_CHARS} characters of ${row.bytes} bytes; the whole patch: GET /api/v1/tasks/${row.task_id}/patch]\n`;
    diffs.set(row.task_id, diff);
    if (kept.size >= KEPT_DIFFS) kept.delete(kept.keys().next().value!);
    kept.set(row.task_id, diff);
  }
  return diffs;
}

/** The first `length` UTF-16 units, one less when the last would split a surrogate pair. */
function cut(text: string, length: number): string {
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
