// A run as it happens: the graph with each node coloured by its state, run controls, approvals, outputs.
import type { NodeRun, Workflow, WorkflowRun } from "@garageswarm/protocol";
// The subpath, not the package: its index would bring every zod schema into the bundle.
import { effectiveEdges } from "@garageswarm/protocol/workflow-edges";
import { Background, Controls, MarkerType, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useMemo } from "react";
import { Link } from "wouter";
import { useStore } from "../../api/store.ts";
import { useApproval, useRun, useRunControl, useWorkflow } from "../../api/workflows.ts";
import { FormError, formValues, TextAreaField } from "../../components/form.tsx";
import { formatDate, formatSeconds } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { nodeState, nodeStatusLabels, runStatusLabels } from "../../labels.ts";
import { effectiveTheme, theme } from "../../theme.ts";
import { layout } from "./definition.ts";
import { edgeLabel, nodeAriaLabel, nodeTypes, type WorkflowFlowNode } from "./workflow-node.tsx";

const finished = new Set<string>(["completed", "failed", "cancelled"]);

export function RunPage({ workflowId, runId }: { workflowId: string; runId: string }) {
  const workflow = useWorkflow(workflowId);
  const run = useRun(workflowId, runId);

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

function RunView({ workflow, run }: { workflow: Workflow; run: WorkflowRun }) {
  const control = useRunControl(workflow.workflow_id, run.run_id);
  const colorMode = effectiveTheme(useStore(theme));
  const states = latestByNode(run.nodes);
  const { nodes, edges } = useMemo(() => runGraph(workflow, run), [workflow, run]);
  const waiting = [...states.values()].filter((node) => node.status === "waiting_approval");

  return (
    <Page
      title={`${workflow.name}: run`}
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
        </>
      }
    >
      <p>
        <Link href={`/workflows/${workflow.workflow_id}`}>← {workflow.name}</Link>
      </p>
      <RunTimes run={run} />
      <FormError error={control.error} />
      {run.error ? (
        <p className="form-error" role="alert">
          {run.error}
        </p>
      ) : null}
      {waiting.map((node) => (
        <ApprovalRequest key={node.node_id} workflow={workflow} run={run} node={node} />
      ))}
      {/* A figure, not an image: its zoom controls and nodes take focus (axe nested-interactive). */}
      <figure className="canvas run-canvas" aria-label={`Run graph: ${describe(states)}`}>
        <ReactFlowProvider>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            nodesDraggable={false}
            nodesConnectable={false}
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
              {run.nodes.map((node) => (
                <tr key={`${node.node_id}:${node.iteration}`}>
                  <th scope="row">
                    {node.node_id}
                    {node.iteration ? <span className="muted"> (iteration {node.iteration + 1})</span> : null}
                  </th>
                  <td data-label="State">
                    <StatusBadge status={nodeState(node)} label={nodeStatusLabels[nodeState(node)]} />
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

function describe(states: Map<string, NodeRun>): string {
  return [...states.values()].map((node) => `${node.node_id} ${nodeStatusLabels[nodeState(node)]}`).join(", ");
}

/** The saved graph plus the nodes a director's plan added at run time (ids `DIRECTOR/TASK`), under it. */
function runGraph(workflow: Workflow, run: WorkflowRun) {
  const states = latestByNode(run.nodes);
  // Drawn as the run goes: a sequential, concurrent, mixture or hierarchical workflow saves few or no edges.
  const drawnEdges = effectiveEdges(workflow.workflow_type, workflow.definition);
  const positions = layout({ ...workflow.definition, edges: drawnEdges });
  const flowing = new Set(
    [...states.values()].filter((node) => nodeState(node) === "running").map((node) => node.node_id),
  );
  const nodes: WorkflowFlowNode[] = workflow.definition.nodes.map((definition) => {
    const state = states.get(definition.id);
    const status = state ? nodeState(state) : undefined;
    return {
      id: definition.id,
      type: "workflow",
      position: positions.get(definition.id) ?? { x: 0, y: 0 },
      ariaLabel: nodeAriaLabel(definition, status),
      data: { definition, ...(status ? { status } : {}) },
    };
  });
  const edges = drawnEdges.map((edge, index) => ({
    id: `${edge.from}->${edge.to}#${index}`,
    source: edge.from,
    target: edge.to,
    label: edgeLabel(edge),
    markerEnd: { type: MarkerType.ArrowClosed },
    // Flowing only into a node that runs on a worker, not one whose task still waits in the queue.
    animated: states.get(edge.from)?.status === "completed" && flowing.has(edge.to),
  }));
  const children = [...states.values()].filter((node) => node.parent_id);
  children.forEach((child, index) => {
    const parent = positions.get(child.parent_id ?? "") ?? { x: 0, y: 0 };
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
      target: child.node_id,
      label: "plan",
      markerEnd: { type: MarkerType.ArrowClosed },
      animated: false,
    });
  });
  return { nodes, edges };
}

function ApprovalRequest({ workflow, run, node }: { workflow: Workflow; run: WorkflowRun; node: NodeRun }) {
  const approval = useApproval(workflow.workflow_id, run.run_id);
  const definition = workflow.definition.nodes.find((candidate) => candidate.id === node.node_id);
  const message = definition?.type === "approval" ? definition.message : undefined;
  return (
    <section className="callout" aria-label={`Approval for ${node.node_id}`}>
      <p>
        <strong>{node.node_id} waits for your approval.</strong> {message}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
          const { comment = "" } = formValues(event.currentTarget);
          approval.mutate({ nodeId: node.node_id, approved: submitter?.value === "approve", comment });
        }}
      >
        <TextAreaField label="Comment" name="comment" rows={2} />
        <div className="actions">
          <button type="submit" name="decision" value="approve" className="primary" disabled={approval.isPending}>
            Approve
          </button>
          <button type="submit" name="decision" value="reject" className="danger" disabled={approval.isPending}>
            Reject
          </button>
        </div>
      </form>
      <FormError error={approval.error} />
    </section>
  );
}
