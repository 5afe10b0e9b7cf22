// A run as it happens: the graph with each node coloured by its state (click one for its drawer), run controls,
// approvals, the input, a timeline of node durations, loop iterations to browse, outputs.
import type { NodeAttempt, NodeRun, TaskStatus, Workflow, WorkflowRun } from "@garageswarm/protocol";
// The subpath, not the package: its index would bring every zod schema into the bundle.
import { effectiveEdges } from "@garageswarm/protocol/workflow-edges";
import { Background, Controls, MarkerType, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useCallback, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import { useRerun, useRunAttempts } from "../../api/run-details.ts";
import { useStore } from "../../api/store.ts";
import { useApproval, useRun, useRunControl, useWorkflow } from "../../api/workflows.ts";
import { FormError } from "../../components/form.tsx";
import { formatDate, formatSeconds } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { useReasonsFollowWorkers, WaitingReasonText } from "../../components/waiting-reason.tsx";
import { nodeState, nodeStatusLabels, runStatusLabels } from "../../labels.ts";
import { effectiveTheme, theme } from "../../theme.ts";
import { ApprovalForm } from "./approval-request.tsx";
import { layout } from "./definition.ts";
import { RunNodeDrawer } from "./run-drawer.tsx";
import { type FailurePoint, failurePoint } from "./run-failure.ts";
import { RunTimeline } from "./run-timeline.tsx";
import { edgeLabel, nodeAriaLabel, nodeTypes, sourceHandleOf, type WorkflowFlowNode } from "./workflow-node.tsx";

const finished = new Set<string>(["completed", "failed", "cancelled"]);

export function RunPage({ workflowId, runId }: { workflowId: string; runId: string }) {
  const workflow = useWorkflow(workflowId);
  const run = useRun(workflowId, runId);
  useReasonsFollowWorkers(["run", runId]);

  if (workflow.isPending || run.isPending) return <Loading what="the run" />;
  if (workflow.isError || run.isError) {
    return (
      <Page title="Run">
        <ErrorState error={workflow.error ?? run.error} what="runs" />
      </Page>
    );
  }
  return <RunView workflow={workflow.data} run={run.data} />;
}

/** When the run was created, began, must end by (its timeout) and ended. */
function RunTimes({ run }: { run: WorkflowRun }) {
  return (
    <dl className="facts run-times" aria-label="Run times">
      <dt>Created</dt>
      <dd>
        <time dateTime={run.created_at}>{formatDate(run.created_at)}</time>
      </dd>
      <dt>Started</dt>
      <dd>
        {run.started_at ? (
          <time dateTime={run.started_at}>{formatDate(run.started_at)}</time>
        ) : finished.has(run.status) ? (
          "never: it ended before any work began"
        ) : (
          "not yet: waiting for a worker to pick up its first task"
        )}
      </dd>
      <dt>Deadline</dt>
      <dd>
        {run.deadline_at ? (
          <time dateTime={run.deadline_at}>
            {formatDate(run.deadline_at)} (timeout {formatSeconds(run.timeout_seconds ?? 0)})
          </time>
        ) : (
          "none: the run has no timeout"
        )}
      </dd>
      {run.finished_at ? (
        <>
          <dt>Finished</dt>
          <dd>
            <time dateTime={run.finished_at}>{formatDate(run.finished_at)}</time>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/** The latest state of each node (a loop re-enters a node: the highest iteration wins). */
function latestByNode(nodes: NodeRun[]): Map<string, NodeRun> {
  const latest = new Map<string, NodeRun>();
  for (const node of nodes) {
    const seen = latest.get(node.node_id);
    if (!seen || node.iteration >= seen.iteration) latest.set(node.node_id, node);
  }
  return latest;
}

const taskToNode: Record<TaskStatus, NodeRun["status"]> = {
  pending: "running",
  queued: "running",
  assigned: "running",
  running: "running",
  completed: "completed",
  failed: "failed",
  timed_out: "failed",
  cancelled: "cancelled",
};

/**
 * The nodes as they were in one loop iteration: the run keeps each node's latest state only, so an earlier
 * iteration is read from its task attempts (nodes that run no task show nothing there).
 */
function nodesInIteration(run: WorkflowRun, attempts: NodeAttempt[], iteration: number): NodeRun[] {
  return run.nodes.flatMap((node) => {
    if (node.iteration === iteration) return [node];
    const ran = attempts.filter((attempt) => attempt.node_id === node.node_id && attempt.iteration === iteration);
    const last = ran.at(-1);
    if (!last) return [];
    return [
      {
        ...node,
        status: taskToNode[last.status],
        output: last.output,
        error: last.error,
        attempts: last.attempt,
        iteration,
        task_id: last.task_id,
        task_status: last.status,
        worker_id: last.worker_id,
      },
    ];
  });
}

function RunView({ workflow, run }: { workflow: Workflow; run: WorkflowRun }) {
  const control = useRunControl(workflow.workflow_id, run.run_id);
  const rerun = useRerun(workflow.workflow_id, run.run_id);
  const approval = useApproval(workflow.workflow_id, run.run_id);
  const attemptsQuery = useRunAttempts(run.run_id);
  const attempts = attemptsQuery.data ?? [];
  const [, navigate] = useLocation();
  const colorMode = effectiveTheme(useStore(theme));
  const [selected, setSelected] = useState<string | null>(null);
  const closeDrawer = useCallback(() => setSelected(null), []);
  const lastIteration = Math.max(0, ...run.nodes.map((node) => node.iteration));
  // null: each node's latest state; a number: that loop iteration (0-based).
  const [iteration, setIteration] = useState<number | null>(null);
  const shown = iteration === null ? run.nodes : nodesInIteration(run, attempts, iteration);
  const states = latestByNode(shown);
  const failure = iteration === null ? failurePoint(run) : {};
  const { nodes, edges } = useMemo(
    () => runGraph(workflow, shown, failure, selected),
    [workflow, shown, failure, selected],
  );
  const waiting = [...latestByNode(run.nodes).values()].filter((node) => node.status === "waiting_approval");
  const definitionOf = (nodeId: string) => workflow.definition.nodes.find((candidate) => candidate.id === nodeId);
  const drawerNode = selected
    ? {
        nodeId: selected,
        definition: definitionOf(selected),
        state: states.get(selected) ?? null,
        attempts: attempts.filter(
          (attempt) =>
            attempt.node_id === selected &&
            attempt.iteration === (iteration ?? states.get(selected)?.iteration ?? attempt.iteration),
        ),
        iteration: iteration ?? states.get(selected)?.iteration ?? null,
      }
    : null;

  return (
    <Page
      title={`${workflow.name} #${run.run_number}`}
      actions={
        <>
          <span role="status" aria-label="Run status">
            <StatusBadge status={run.status} label={runStatusLabels[run.status]} />
          </span>
          {run.status === "pending" || run.status === "running" || run.status === "waiting_approval" ? (
            <button type="button" onClick={() => control.mutate("pause")} disabled={control.isPending}>
              Pause run
            </button>
          ) : null}
          {run.status === "paused" ? (
            <button type="button" onClick={() => control.mutate("resume")} disabled={control.isPending}>
              Resume run
            </button>
          ) : null}
          {finished.has(run.status) ? null : (
            <button
              type="button"
              className="danger"
              onClick={() => control.mutate("cancel")}
              disabled={control.isPending}
            >
              Cancel run
            </button>
          )}
          <button
            type="button"
            onClick={() =>
              rerun.mutate(undefined, {
                onSuccess: (next) => navigate(`/workflows/${workflow.workflow_id}/runs/${next.run_id}`),
              })
            }
            disabled={rerun.isPending}
          >
            Re-run (same input)
          </button>
        </>
      }
    >
      <p>
        <Link href={`/workflows/${workflow.workflow_id}`}>← {workflow.name}</Link>
      </p>
      <RunTimes run={run} />
      <FormError error={control.error ?? rerun.error} />
      {run.error ? (
        <p className="form-error" role="alert">
          {run.error}
        </p>
      ) : null}
      {waiting.map((node) => {
        const definition = definitionOf(node.node_id);
        return (
          <ApprovalForm
            key={node.node_id}
            nodeId={node.node_id}
            message={definition?.type === "approval" ? definition.message : undefined}
            pending={approval.isPending}
            error={approval.error}
            onDecide={(decision) => approval.mutate({ nodeId: node.node_id, ...decision })}
          />
        );
      })}
      {lastIteration > 0 ? (
        <div className="iteration-picker">
          <label htmlFor="run-iteration">Loop iteration</label>
          <select
            id="run-iteration"
            value={iteration === null ? "latest" : String(iteration)}
            onChange={(event) => setIteration(event.target.value === "latest" ? null : Number(event.target.value))}
          >
            <option value="latest">Latest of each node</option>
            {Array.from({ length: lastIteration + 1 }, (_, index) => index).map((number) => (
              <option key={number} value={number}>
                Iteration {number + 1}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className={`run-body${drawerNode ? " with-drawer" : ""}`}>
        {/* A figure, not an image: it holds controls and focusable nodes. Enter on a focused node opens it. */}
        <figure
          className="canvas run-canvas"
          aria-label={`Run graph: ${describe(states, failure)}`}
          onKeyDown={(event) => {
            const node = (event.target as HTMLElement).closest<HTMLElement>(".react-flow__node");
            if (event.key === "Enter" && node?.dataset.id) setSelected(node.dataset.id);
          }}
        >
          <ReactFlowProvider>
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              nodesDraggable={false}
              nodesConnectable={false}
              onNodeClick={(_event, node) => setSelected(node.id)}
              fitView
              fitViewOptions={{ maxZoom: 1 }}
              proOptions={{ hideAttribution: true }}
              colorMode={colorMode}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </ReactFlowProvider>
        </figure>
        {drawerNode ? (
          <RunNodeDrawer
            key={`${drawerNode.nodeId}:${drawerNode.iteration}`}
            node={drawerNode}
            onClose={closeDrawer}
            approval={{
              pending: approval.isPending,
              error: approval.error,
              decide: (decision) => approval.mutate({ nodeId: drawerNode.nodeId, ...decision }),
            }}
          />
        ) : null}
      </div>
      <Section title="Timeline">
        <RunTimeline
          run={run}
          attempts={iteration === null ? attempts : attempts.filter((attempt) => attempt.iteration === iteration)}
          order={run.nodes.map((node) => node.node_id)}
          onSelect={setSelected}
        />
      </Section>
      <Section title="Input">
        {Object.keys(run.input).length === 0 ? (
          <p className="muted">This run had no input.</p>
        ) : (
          <pre className="log">{JSON.stringify(run.input, null, 2)}</pre>
        )}
      </Section>
      <Section title="Nodes">
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Node states of this run</caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Task</th>
                <th scope="col">Output or error</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((node) => (
                <tr key={`${node.node_id}:${node.iteration}`}>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => setSelected(node.node_id)}>
                      {node.node_id}
                    </button>
                    {node.iteration ? <span className="muted"> (iteration {node.iteration + 1})</span> : null}
                  </th>
                  <td className="wrap" data-label="State">
                    <StatusBadge status={nodeState(node)} label={nodeStatusLabels[nodeState(node)]} />
                    {waitingOf(node) && node.waiting_reason ? (
                      <small className="muted waiting-reason">
                        <WaitingReasonText reason={node.waiting_reason} />
                      </small>
                    ) : null}
                  </td>
                  <td data-label="Attempts">{node.attempts}</td>
                  <td data-label="Task">
                    {node.task_id ? <Link href={`/tasks/${node.task_id}`}>Open task</Link> : "—"}
                  </td>
                  <td data-label="Output or error" className="wrap">
                    <div className={`clamp${node.error ? " error-text" : ""}`}>{node.error ?? node.output ?? "—"}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      {run.result ? (
        <Section title="Result">
          <pre className="log">{run.result.output ?? JSON.stringify(run.result.outputs, null, 2)}</pre>
        </Section>
      ) : null}
    </Page>
  );
}

/** Why the node's task still waits in the queue, when it does. */
function waitingOf(node: NodeRun): string | undefined {
  return node.task_status === "queued" && node.waiting_reason ? node.waiting_reason.message : undefined;
}

function describe(states: Map<string, NodeRun>, failure: FailurePoint): string {
  const nodes = [...states.values()].map(
    (node) =>
      `${node.node_id} ${nodeStatusLabels[nodeState(node)]}${failure.nodeId === node.node_id ? " (the run failed here)" : ""}`,
  );
  if (failure.edgeId) nodes.push(`the edge ${failure.edgeId} stopped the run`);
  return nodes.join(", ");
}

/** The saved graph plus the nodes a director's plan added at run time (ids `DIRECTOR/TASK`), under it. */
function runGraph(workflow: Workflow, shown: NodeRun[], failure: FailurePoint, selected: string | null) {
  const states = latestByNode(shown);
  // Drawn as the run goes: a sequential, concurrent, mixture or hierarchical workflow saves few or no edges.
  const drawnEdges = effectiveEdges(workflow.workflow_type, workflow.definition);
  const positions = layout({ ...workflow.definition, edges: drawnEdges });
  const flowing = new Set(
    [...states.values()].filter((node) => nodeState(node) === "running").map((node) => node.node_id),
  );
  const nodes: WorkflowFlowNode[] = workflow.definition.nodes.map((definition) => {
    const state = states.get(definition.id);
    const status = state ? nodeState(state) : undefined;
    const waiting = state ? waitingOf(state) : undefined;
    const failing = failure.nodeId === definition.id;
    return {
      id: definition.id,
      type: "workflow",
      position: definition.position ?? positions.get(definition.id) ?? { x: 0, y: 0 },
      ariaLabel: `${nodeAriaLabel(definition, status)}${waiting ? `: ${waiting}` : ""}${failing ? " (the run failed here)" : ""}`,
      className: failing ? "failing" : undefined,
      selected: selected === definition.id,
      data: { definition, ...(status ? { status } : {}), ...(waiting ? { waiting } : {}) },
    };
  });
  const edges = drawnEdges.map((edge, index) => {
    const failing = failure.edgeId === `${edge.from}->${edge.to}`;
    const label = edgeLabel(edge);
    return {
      id: `${edge.from}->${edge.to}#${index}`,
      source: edge.from,
      sourceHandle: sourceHandleOf(edge),
      target: edge.to,
      label: failing ? `${label ? `${label}: ` : ""}stopped the run` : label,
      markerEnd: { type: MarkerType.ArrowClosed, ...(failing ? { color: "var(--bad)" } : {}) },
      ...(failing
        ? {
            className: "failing",
            style: { stroke: "var(--bad)", strokeWidth: 2.5 },
            labelStyle: { fill: "var(--bad)" },
          }
        : {}),
      // Flowing only into a node that runs on a worker, not one whose task still waits in the queue.
      animated: states.get(edge.from)?.status === "completed" && flowing.has(edge.to),
    };
  });
  const children = [...states.values()].filter((node) => node.parent_id);
  children.forEach((child, index) => {
    const parent = nodes.find((node) => node.id === child.parent_id)?.position ?? { x: 0, y: 0 };
    nodes.push({
      id: child.node_id,
      type: "workflow",
      position: { x: parent.x + (index - (children.length - 1) / 2) * 220, y: parent.y + 120 },
      data: {
        definition: {
          id: child.node_id.replace(/[^A-Za-z0-9_-]/g, "_"),
          type: "task",
          tool: "claude_code",
          prompt: "",
          retries: 0,
          timeout_seconds: 1,
          requirements: {},
          name: child.node_id,
        },
        status: nodeState(child),
      },
    });
    edges.push({
      id: `${child.parent_id}->${child.node_id}`,
      source: child.parent_id ?? "",
      sourceHandle: null,
      target: child.node_id,
      label: "plan",
      markerEnd: { type: MarkerType.ArrowClosed },
      animated: false,
    });
  });
  return { nodes, edges };
}
