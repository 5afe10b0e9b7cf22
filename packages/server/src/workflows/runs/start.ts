// Starting a run: compile the workflow (fan-outs to "all" resolved against the workers eligible now),
// let the engine start it, and insert the run row with its first tasks in one transaction.

import type { Db } from "../../db/store.ts";
import { InvalidInputError } from "../../errors.ts";
import type { Resources } from "../../resources.ts";
import { compileWorkflow, resolveReplicas } from "../compile.ts";
import { type EngineOptions, start } from "../engine/state.ts";
import type { RunGraph } from "../graph.ts";
import { loadGraph, newRunId, runColumns, writeEffects } from "./advance.ts";
import { deadlineTimer, Effects } from "./effects.ts";
import { publishStep } from "./publish.ts";
import * as q from "./queries.ts";
import { keepRunState, writeRunStateChanges } from "./run-state.ts";

export interface RunRequest {
  workflow: q.WorkflowRow;
  userId: string;
  trigger: "manual" | "schedule" | "api";
  /** Merged over the workflow's own input. */
  input?: Record<string, unknown>;
  /** This run's timeout instead of the workflow's (`timeout_seconds`). */
  timeoutSeconds?: number;
  /** Scheduled runs: the occurrence, unique per workflow, so each fires once across replicas. */
  occurrenceKey?: string;
  /** A prepared graph instead of compiling the workflow's definition (benchmarks of graphs beyond the API's limits). */
  graph?: RunGraph;
  engine?: EngineOptions;
}

/** The new run's row; null when a scheduled occurrence was already fired (by another replica). */
export async function startRun(resources: Resources, request: RunRequest): Promise<q.RunRow | null> {
  const { db, clock } = resources;
  const { workflow } = request;
  let graph = request.graph ?? compileWorkflow(workflow.workflow_type, workflow.definition);
  graph = await resolveFanOuts(db, request.userId, graph);
  const input = { ...workflow.input, ...request.input };
  const now = clock.now();
  const effects = new Effects(graph, { nodes: {} } as never, [], now, request.engine);
  effects.take(start(graph, { input, context: workflow.context }, request.engine));
  const timeoutSeconds = request.timeoutSeconds ?? workflow.timeout_seconds;
  // A run that finished on the spot (conditions and skips only) has no deadline to keep.
  if (timeoutSeconds != null && !effects.finished) effects.timers.push(deadlineTimer(now, timeoutSeconds));

  const record = await db.transaction(async (tx) => {
    const row = await q.insertRun(tx as Db, {
      run_id: newRunId(),
      workflow_id: workflow.workflow_id,
      user_id: request.userId,
      trigger: request.trigger,
      occurrence_key: request.occurrenceKey ?? null,
      graph,
      input,
      version: 0,
      created_at: now,
      ...runColumns(effects, now, null),
    });
    if (!row) return null;
    await writeRunStateChanges(tx as Db, row.run_id, null, effects.state);
    const written = await writeEffects(tx as Db, row, graph, effects, now);
    const { state, changes } = effects;
    return { row, changed: true, previous: null, graph, state, changedNodes: changes.nodes, ...written };
  });
  if (!record) return null;
  keepRunState(record.row.run_id, record.row.version, record.state);
  await loadGraph(db, record.row.run_id, graph);
  await publishStep(resources, record);
  return record.row;
}

/** `replicas: "all"` becomes one node per worker the user may run the tool on, right now. */
async function resolveFanOuts(db: Db, userId: string, graph: RunGraph): Promise<RunGraph> {
  const fanned = graph.nodes.filter((node) => node.replicas === "all");
  if (fanned.length === 0) return graph;
  const tools = new Set(fanned.map((node) => node.tool!));
  if (tools.size > 1) {
    throw new InvalidInputError(`nodes fanning out to all workers must use one tool (found ${[...tools].join(", ")})`);
  }
  return resolveReplicas(graph, await q.findEligibleWorkerIds(db, userId, [...tools][0]!));
}
