// The workflow editor: drag node types from the palette onto the canvas, connect handles to make edges,
// edit the selection in the inspector, or edit the whole definition as YAML/JSON. Saving sends the
// definition; the server's validation errors come back onto the nodes and edges they name.
import type { NodeDefinition, NodeType, Workflow, WorkflowDefinition, WorkflowType } from "@garageswarm/protocol";
import {
  Background,
  type Connection,
  Controls,
  type Edge,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import { type DragEvent, useMemo, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import { ApiError } from "../../api/client.ts";
import { useStore } from "../../api/store.ts";
import { useDeleteWorkflow, useSaveWorkflow, useWorkflow } from "../../api/workflows.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { Field, FormError, fieldErrorsOf, SelectField } from "../../components/form.tsx";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { usePhone } from "../../components/use-media.ts";
import { nodeTypes as allNodeTypes, nodeTypeLabels } from "../../labels.ts";
import { effectiveTheme, theme } from "../../theme.ts";
import { edgeId, errorsByElement, type GraphEdge, type GraphNode, newNode, toGraph } from "./definition.ts";
import { DefinitionText } from "./definition-text.tsx";
import { EdgeInspector, NodeInspector } from "./inspector.tsx";
import { PhoneViewOnly } from "./phone-view-only.tsx";
import { RunsSection } from "./runs-section.tsx";
import { edgeLabel, nodeAriaLabel, nodeTypes, type WorkflowFlowNode } from "./workflow-node.tsx";

export type WorkflowFlowEdge = Edge<{ definition: GraphEdge["definition"] }>;

const workflowTypes: WorkflowType[] = ["graph", "sequential", "concurrent", "hierarchical", "mixture"];
const dragType = "application/x-garageswarm-node";

const nodeHelp: Record<NodeType, string> = {
  task: "runs a tool",
  condition: "branches on a JSON Logic rule",
  approval: "waits for a person",
  director: "an AI plans sub-tasks",
  aggregator: "combines upstream outputs",
};

const starter: WorkflowDefinition = {
  nodes: [newNode("task", new Set())],
  edges: [],
};

export function WorkflowEditorPage({ workflowId }: { workflowId: string | null }) {
  const workflow = useWorkflow(workflowId);
  if (workflowId && workflow.isPending) return <Loading what="the workflow" />;
  if (workflowId && workflow.isError) {
    return (
      <Page title="Workflow">
        <ErrorState error={workflow.error} what="workflows" onRetry={() => workflow.refetch()} />
      </Page>
    );
  }
  return (
    <ReactFlowProvider>
      <Editor key={workflowId ?? "new"} workflow={workflow.data ?? null} />
    </ReactFlowProvider>
  );
}

export function toFlowNode(node: GraphNode): WorkflowFlowNode {
  return { id: node.id, type: "workflow", position: node.position, data: { definition: node.definition } };
}

export function toFlowEdge(edge: GraphEdge): WorkflowFlowEdge {
  return {
    id: edge.id,
    source: edge.definition.from,
    target: edge.definition.to,
    data: { definition: edge.definition },
  };
}

function Editor({ workflow }: { workflow: Workflow | null }) {
  const [, navigate] = useLocation();
  const flow = useReactFlow<WorkflowFlowNode, WorkflowFlowEdge>();
  const colorMode = effectiveTheme(useStore(theme));
  const phone = usePhone();
  const canvas = useRef<HTMLDivElement>(null);
  const edgeCounter = useRef(0);
  const [name, setName] = useState(workflow?.name ?? "");
  const [description, setDescription] = useState(workflow?.description ?? "");
  const [workflowType, setWorkflowType] = useState<WorkflowType>(workflow?.workflow_type ?? "graph");
  // Kept as typed: "" is no timeout; the server names a bad value (body.timeout_seconds).
  const [runTimeout, setRunTimeout] = useState(String(workflow?.timeout_seconds ?? ""));
  const initial = useMemo(() => toGraph(workflow?.definition ?? starter), [workflow]);
  const [nodes, setNodes, onNodesChange] = useNodesState<WorkflowFlowNode>(initial.nodes.map(toFlowNode));
  const [edges, setEdges, onEdgesChange] = useEdgesState<WorkflowFlowEdge>(initial.edges.map(toFlowEdge));
  const save = useSaveWorkflow(workflow?.workflow_id ?? null);
  const remove = useDeleteWorkflow();
  // What was last sent, so the server's indexed errors can be put on the right node and edge.
  const [sent, setSent] = useState<{ definition: WorkflowDefinition; edgeIds: string[] } | null>(null);
  const snapshotOf = (saved: Workflow) =>
    JSON.stringify([saved.name, saved.description, saved.workflow_type, saved.definition, saved.timeout_seconds]);
  const [savedSnapshot, setSavedSnapshot] = useState(() => (workflow ? snapshotOf(workflow) : ""));
  const timeoutSeconds = runTimeout.trim() === "" ? null : Number(runTimeout);

  const definition = useMemo<WorkflowDefinition>(
    () => ({ nodes: nodes.map((node) => node.data.definition), edges: edges.map((edge) => edge.data!.definition) }),
    [nodes, edges],
  );
  const dirty = JSON.stringify([name, description, workflowType, definition, timeoutSeconds]) !== savedSnapshot;
  const placed = useMemo(() => {
    if (!(save.error instanceof ApiError) || !sent) return null;
    return errorsByElement(save.error.problem?.errors ?? [], sent.definition);
  }, [save.error, sent]);
  const edgeErrors = (id: string) => {
    const index = sent?.edgeIds.indexOf(id) ?? -1;
    return index >= 0 ? (placed?.edges.get(index) ?? []) : [];
  };

  const shownNodes = nodes.map((node) => ({
    ...node,
    ariaLabel: nodeAriaLabel(node.data.definition),
    data: { ...node.data, errors: placed?.nodes.get(node.id) ?? [] },
  }));
  const shownEdges = edges.map((edge) => {
    const errors = edgeErrors(edge.id);
    const label = [edgeLabel(edge.data!.definition), ...errors].filter(Boolean).join(" · ");
    return {
      ...edge,
      label,
      ariaLabel: `Edge from ${edge.source} to ${edge.target}${label ? `, ${label}` : ""}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      className: errors.length ? "edge-error" : edge.data!.definition.loop ? "edge-loop" : undefined,
      animated: edge.data!.definition.loop,
    };
  });

  const selectedNode = nodes.find((node) => node.selected);
  const selectedEdge = selectedNode ? undefined : edges.find((edge) => edge.selected);
  const takenIds = new Set(nodes.map((node) => node.id));

  function addNode(type: NodeType, position?: { x: number; y: number }) {
    const definition = newNode(type, takenIds);
    const bounds = canvas.current?.getBoundingClientRect();
    const at =
      position ??
      (bounds
        ? flow.screenToFlowPosition({ x: bounds.left + bounds.width / 2, y: bounds.top + bounds.height / 2 })
        : { x: 0, y: 0 });
    setNodes((current) => [
      ...current.map((node) => ({ ...node, selected: false })),
      { ...toFlowNode({ id: definition.id, position: at, definition }), selected: true },
    ]);
    setEdges((current) => current.map((edge) => ({ ...edge, selected: false })));
  }

  function connect({ source, target }: Pick<Connection, "source" | "target">) {
    if (!source || !target) return;
    const edge = { from: source, to: target, on: "success" as const, loop: source === target };
    const id = `${edgeId(edge, edges.length)}:${edgeCounter.current++}`;
    setEdges((current) => [
      ...current,
      toFlowEdge({ id, definition: source === target ? { ...edge, max_iterations: 3 } : edge }),
    ]);
  }

  function updateNode(id: string, next: NodeDefinition) {
    setNodes((current) =>
      current.map((node) => (node.id === id ? { ...node, data: { ...node.data, definition: next } } : node)),
    );
  }

  function renameNode(from: string, to: string) {
    setNodes((current) =>
      current.map((node) =>
        node.id === from
          ? { ...node, id: to, data: { ...node.data, definition: { ...node.data.definition, id: to } } }
          : node,
      ),
    );
    setEdges((current) =>
      current.map((edge) => {
        const definition = { ...edge.data!.definition };
        if (definition.from === from) definition.from = to;
        if (definition.to === from) definition.to = to;
        return { ...edge, source: definition.from, target: definition.to, data: { definition } };
      }),
    );
  }

  function deleteSelection() {
    const removed = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
    setNodes((current) => current.filter((node) => !node.selected));
    setEdges((current) =>
      current.filter((edge) => !edge.selected && !removed.has(edge.source) && !removed.has(edge.target)),
    );
  }

  function loadDefinition(next: WorkflowDefinition) {
    const graph = toGraph(next);
    setNodes(graph.nodes.map(toFlowNode));
    setEdges(graph.edges.map(toFlowEdge));
    requestAnimationFrame(() => void flow.fitView());
  }

  function onDrop(event: DragEvent) {
    const type = event.dataTransfer.getData(dragType) as NodeType;
    if (!allNodeTypes.includes(type)) return;
    event.preventDefault();
    addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }

  function saveWorkflow() {
    setSent({ definition, edgeIds: edges.map((edge) => edge.id) });
    const draft = { name, description, workflow_type: workflowType, definition, timeout_seconds: timeoutSeconds };
    save.mutate(draft, {
      onSuccess: (saved) => {
        setSavedSnapshot(snapshotOf(saved));
        if (!workflow) navigate(`/workflows/${saved.workflow_id}`, { replace: true });
      },
    });
  }

  const fields = fieldErrorsOf(save.error);
  return (
    <Page
      title={workflow ? workflow.name : "New workflow"}
      actions={
        <>
          <span className="muted" role="status">
            {save.isPending ? "Saving…" : dirty ? "Unsaved changes" : workflow ? "Saved" : ""}
          </span>
          <button type="button" className="primary" onClick={saveWorkflow} disabled={save.isPending}>
            Save workflow
          </button>
        </>
      }
    >
      <p>
        <Link href="/workflows">← All workflows</Link>
      </p>
      {phone ? <PhoneViewOnly /> : null}
      <div className="grid three">
        <Field
          label="Name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          error={fields.name}
        />
        <SelectField
          label="Workflow type"
          value={workflowType}
          onChange={(event) => setWorkflowType(event.target.value as WorkflowType)}
          options={workflowTypes}
          error={fields.workflow_type}
        />
        <Field label="Description" value={description} onChange={(event) => setDescription(event.target.value)} />
        <Field
          label="Run timeout (seconds)"
          type="number"
          min={1}
          step={1}
          placeholder="none"
          value={runTimeout}
          onChange={(event) => setRunTimeout(event.target.value)}
          error={fields.timeout_seconds}
          hint="A run still going this long after it was created fails, and its running tasks are cancelled."
        />
      </div>
      <FormError error={save.error} fields={["name", "workflow_type", "timeout_seconds"]} />
      {placed?.other.length ? (
        <ul className="form-error" role="alert">
          {placed.other.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      ) : null}
      {placed && (placed.nodes.size > 0 || placed.edges.size > 0) ? (
        <p className="form-error" role="alert">
          The workflow has problems; they are shown on the nodes and edges they concern.
        </p>
      ) : null}

      <div className="editor">
        <div className="palette" role="toolbar" aria-label="Node palette">
          <p className="muted">Drag onto the canvas, or press to add:</p>
          {allNodeTypes.map((type) => (
            <button
              key={type}
              type="button"
              draggable
              className={`palette-item type-${type}`}
              onDragStart={(event) => {
                event.dataTransfer.setData(dragType, type);
                event.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => addNode(type)}
              title={nodeHelp[type]}
            >
              Add {nodeTypeLabels[type].toLowerCase()} node
            </button>
          ))}
          <button type="button" className="danger" onClick={deleteSelection} disabled={!selectedNode && !selectedEdge}>
            Delete selected
          </button>
        </div>
        <div
          ref={canvas}
          className="canvas"
          role="application"
          aria-label="Workflow canvas"
          onDragOver={(event) => {
            event.preventDefault();
            event.dataTransfer.dropEffect = "move";
          }}
          onDrop={onDrop}
        >
          <ReactFlow<WorkflowFlowNode, WorkflowFlowEdge>
            nodes={shownNodes}
            edges={shownEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={connect}
            fitView
            fitViewOptions={{ maxZoom: 1 }}
            proOptions={{ hideAttribution: true }}
            colorMode={colorMode}
            deleteKeyCode={phone ? null : ["Backspace", "Delete"]}
            nodesDraggable={!phone}
            nodesConnectable={!phone}
            elementsSelectable={!phone}
          >
            <Background />
            <Controls showInteractive={!phone} />
          </ReactFlow>
        </div>
        <div className="side">
          {selectedNode ? (
            <NodeInspector
              node={selectedNode.data.definition}
              takenIds={takenIds}
              onChange={(next) => updateNode(selectedNode.id, next)}
              onRename={(next) => renameNode(selectedNode.id, next)}
              errors={placed?.nodes.get(selectedNode.id) ?? []}
            />
          ) : selectedEdge ? (
            <EdgeInspector
              edge={selectedEdge.data!.definition}
              errors={edgeErrors(selectedEdge.id)}
              onChange={(definition) =>
                setEdges((current) =>
                  current.map((edge) => (edge.id === selectedEdge.id ? { ...edge, data: { definition } } : edge)),
                )
              }
            />
          ) : (
            <p className="muted">
              Select a node or an edge to edit it. Connect nodes by dragging from a node's bottom handle to another's
              top.
            </p>
          )}
          <ConnectForm
            nodeIds={nodes.map((node) => node.id)}
            onConnect={(source, target) => connect({ source, target })}
          />
        </div>
      </div>

      <DefinitionText definition={definition} onApply={loadDefinition} />
      {workflow ? (
        <>
          <RunsSection workflow={workflow} dirty={dirty} />
          <Section title="Danger zone">
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={async () => {
                const yes = await confirmAction({
                  title: `Delete the workflow "${workflow.name}" and its run history?`,
                  confirm: "Delete workflow",
                  danger: true,
                });
                if (yes) remove.mutate(workflow.workflow_id, { onSuccess: () => navigate("/workflows") });
              }}
            >
              Delete workflow
            </button>
            <FormError error={remove.error} />
          </Section>
        </>
      ) : null}
    </Page>
  );
}

/** Connecting without a mouse: pick both ends. */
function ConnectForm({
  nodeIds,
  onConnect,
}: {
  nodeIds: string[];
  onConnect: (source: string, target: string) => void;
}) {
  const [source, setSource] = useState("");
  const [target, setTarget] = useState("");
  const options = [{ value: "", label: "choose a node" }, ...nodeIds.map((id) => ({ value: id, label: id }))];
  return (
    <form
      className="connect-form"
      aria-label="Connect nodes"
      onSubmit={(event) => {
        event.preventDefault();
        if (source && target) onConnect(source, target);
      }}
    >
      <h3>Connect nodes</h3>
      <SelectField
        label="From node"
        value={source}
        onChange={(event) => setSource(event.target.value)}
        options={options}
      />
      <SelectField
        label="To node"
        value={target}
        onChange={(event) => setTarget(event.target.value)}
        options={options}
      />
      <button type="submit" disabled={!source || !target}>
        Add edge
      </button>
    </form>
  );
}
