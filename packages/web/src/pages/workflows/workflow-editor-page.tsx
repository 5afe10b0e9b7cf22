// The workflow editor: drag node types from the palette onto the canvas, connect handles to make edges,
// edit the selection in the inspector, or edit the whole definition as YAML/JSON. Undo/redo, copy/paste and
// duplicate work on the canvas; node positions are saved in the definition. Saving sends the definition;
// the server's validation errors come back onto the nodes and edges they name.
import type { NodeDefinition, NodeType, Workflow, WorkflowDefinition, WorkflowType } from "@garageswarm/protocol";
import {
  Background,
  type Connection,
  Controls,
  type Edge,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import { type DragEvent, useEffect, useMemo, useRef, useState } from "react";
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
import { useCanvasHistory } from "./canvas-history.ts";
import { pasteCopies } from "./clipboard.ts";
import { ConnectForm } from "./connect-form.tsx";
import {
  edgeId,
  errorsByElement,
  type GraphEdge,
  type GraphNode,
  newNode,
  type Position,
  toGraph,
  type WorkflowFields,
  withoutPositions,
  withPositions,
} from "./definition.ts";
import { DefinitionText } from "./definition-text.tsx";
import { canRedo, canUndo, redo, undo } from "./history.ts";
import { EdgeInspector, NodeInspector } from "./inspector.tsx";
import { PhoneViewOnly } from "./phone-view-only.tsx";
import { freeSpot } from "./placement.ts";
import { RunsSection } from "./runs-section.tsx";
import { UnsavedChangesGuard } from "./unsaved-guard.tsx";
import { templateSuggestions } from "./variables.ts";
import { edgeLabel, nodeAriaLabel, nodeTypes, sourceHandleOf, type WorkflowFlowNode } from "./workflow-node.tsx";
import { WorkflowSettings, type WorkflowSettingsValue } from "./workflow-settings.tsx";

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

/** True when a key press belongs to a text field, not to the canvas's shortcuts. */
function typingIn(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
  );
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
  const [settings, setSettings] = useState<WorkflowSettingsValue>(() => ({
    input: workflow?.input ?? {},
    schedule: workflow?.schedule ?? null,
    enabled: (workflow?.status ?? "active") === "active",
  }));
  const initial = useMemo(() => toGraph(workflow?.definition ?? starter), [workflow]);
  const [nodes, setNodes, onNodesChange] = useNodesState<WorkflowFlowNode>(initial.nodes.map(toFlowNode));
  const [edges, setEdges, onEdgesChange] = useEdgesState<WorkflowFlowEdge>(initial.edges.map(toFlowEdge));
  const save = useSaveWorkflow(workflow?.workflow_id ?? null);
  const remove = useDeleteWorkflow();
  // What was last sent, so the server's indexed errors can be put on the right node and edge.
  const [sent, setSent] = useState<{ definition: WorkflowDefinition; edgeIds: string[] } | null>(null);
  const snapshotOf = (saved: Workflow) =>
    JSON.stringify([
      saved.name,
      saved.description,
      saved.workflow_type,
      withoutPositions(saved.definition),
      saved.timeout_seconds,
      saved.input,
      saved.schedule,
      saved.status === "active",
    ]);
  const [savedSnapshot, setSavedSnapshot] = useState(() => (workflow ? snapshotOf(workflow) : ""));
  const timeoutSeconds = runTimeout.trim() === "" ? null : Number(runTimeout);

  const definition = useMemo<WorkflowDefinition>(
    () => ({ nodes: nodes.map((node) => node.data.definition), edges: edges.map((edge) => edge.data!.definition) }),
    [nodes, edges],
  );
  // Moving a node is a change worth saving too: positions are part of the saved definition.
  const [savedPositions, setSavedPositions] = useState(() => positionsKey(initial.nodes));
  const dirty =
    JSON.stringify([
      name,
      description,
      workflowType,
      withoutPositions(definition),
      timeoutSeconds,
      settings.input,
      settings.schedule,
      settings.enabled,
    ]) !== savedSnapshot || positionsKey(nodes) !== savedPositions;

  const { history, travel } = useCanvasHistory(nodes, edges, setNodes, setEdges);
  const clipboard = useRef<{ nodes: WorkflowFlowNode[]; edges: WorkflowFlowEdge[] } | null>(null);
  const [clipboardFull, setClipboardFull] = useState(false);
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
      sourceHandle: sourceHandleOf(edge.data!.definition),
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

  function canvasCentre(): Position {
    const bounds = canvas.current?.getBoundingClientRect();
    return bounds
      ? flow.screenToFlowPosition({ x: bounds.left + bounds.width / 2, y: bounds.top + bounds.height / 2 })
      : { x: 0, y: 0 };
  }

  function addNode(type: NodeType, position?: Position) {
    const definition = newNode(type, takenIds);
    // A drop goes where it was dropped; a click finds free space near the middle of the view.
    const at =
      position ??
      freeSpot(
        nodes.map((node) => node.position),
        canvasCentre(),
      );
    setNodes((current) => [
      ...current.map((node) => ({ ...node, selected: false })),
      { ...toFlowNode({ id: definition.id, position: at, definition }), selected: true },
    ]);
    setEdges((current) => current.map((edge) => ({ ...edge, selected: false })));
  }

  function connect({
    source,
    target,
    sourceHandle,
  }: Pick<Connection, "source" | "target"> & { sourceHandle?: string | null }) {
    if (!source || !target) return;
    // A condition's true or false output makes the edge follow that branch.
    const branch = sourceHandle === "true" || sourceHandle === "false" ? { when: sourceHandle === "true" } : {};
    const edge = { from: source, to: target, ...branch, on: "success" as const, loop: source === target };
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

  /** Loads a definition from text: nodes already on the canvas keep their place, new ones are laid out. */
  function loadDefinition(next: WorkflowDefinition, fields: WorkflowFields = {}, keepPositions = true) {
    const kept = new Map(keepPositions ? nodes.map((node) => [node.id, node.position] as const) : []);
    const graph = toGraph(keepPositions ? withPositions(next, kept) : withoutPositions(next));
    setNodes(graph.nodes.map(toFlowNode));
    setEdges(graph.edges.map(toFlowEdge));
    if (fields.name !== undefined) setName(String(fields.name));
    if (fields.description !== undefined) setDescription(String(fields.description));
    if (fields.workflow_type !== undefined) setWorkflowType(fields.workflow_type);
    if (fields.timeout_seconds !== undefined) setRunTimeout(String(fields.timeout_seconds ?? ""));
    if (fields.input !== undefined || fields.schedule !== undefined) {
      setSettings((current) => ({
        ...current,
        ...(fields.input !== undefined ? { input: fields.input } : {}),
        ...(fields.schedule !== undefined ? { schedule: fields.schedule } : {}),
      }));
    }
    requestAnimationFrame(() => void flow.fitView());
  }

  function copySelection() {
    const picked = nodes.filter((node) => node.selected);
    if (picked.length === 0) return false;
    const ids = new Set(picked.map((node) => node.id));
    clipboard.current = {
      nodes: picked,
      edges: edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)),
    };
    setClipboardFull(true);
    return true;
  }

  /** Pastes copies under fresh ids, in free space beside the originals, with the edges among them. */
  function paste() {
    const copied = clipboard.current;
    if (!copied) return;
    const pasted = pasteCopies(
      {
        nodes: copied.nodes.map((node) => ({ position: node.position, definition: node.data.definition })),
        edges: copied.edges.map((edge) => edge.data!.definition),
      },
      nodes,
    );
    const added = pasted.nodes.map(({ position, definition }) => ({
      ...toFlowNode({ id: definition.id, position, definition }),
      selected: true,
    }));
    const addedEdges = pasted.edges.map((definition) =>
      toFlowEdge({ id: `${edgeId(definition, edges.length)}:${edgeCounter.current++}`, definition }),
    );
    setNodes((current) => [...current.map((node) => ({ ...node, selected: false })), ...added]);
    setEdges((current) => [...current.map((edge) => ({ ...edge, selected: false })), ...addedEdges]);
  }

  function duplicate() {
    if (copySelection()) paste();
  }

  function tidyUp() {
    loadDefinition(definition, {}, false);
  }

  // The canvas's shortcuts, whatever has focus, except while typing in a field.
  const shortcuts = useRef<(event: KeyboardEvent) => void>(() => {});
  shortcuts.current = (event: KeyboardEvent) => {
    if (!(event.ctrlKey || event.metaKey) || typingIn(event.target)) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) travel(undo);
    else if ((key === "z" && event.shiftKey) || key === "y") travel(redo);
    else if (key === "c") {
      // Text selected on the page is the user's to copy.
      if (window.getSelection()?.toString()) return;
      if (!copySelection()) return;
    } else if (key === "v") {
      if (!clipboard.current) return;
      paste();
    } else if (key === "d") duplicate();
    else return;
    event.preventDefault();
  };
  useEffect(() => {
    const listener = (event: KeyboardEvent) => shortcuts.current(event);
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, []);

  function onDrop(event: DragEvent) {
    const type = event.dataTransfer.getData(dragType) as NodeType;
    if (!allNodeTypes.includes(type)) return;
    event.preventDefault();
    addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }

  function saveWorkflow() {
    const placed = withPositions(definition, new Map(nodes.map((node) => [node.id, node.position] as const)));
    setSent({ definition: placed, edgeIds: edges.map((edge) => edge.id) });
    const draft = {
      name,
      description,
      workflow_type: workflowType,
      definition: placed,
      timeout_seconds: timeoutSeconds,
      input: settings.input,
      schedule: settings.schedule,
      // A new workflow starts active (the create body has no status); disabling it is an update.
      ...(workflow ? { status: settings.enabled ? ("active" as const) : ("disabled" as const) } : {}),
    };
    const positionsSent = positionsKey(nodes);
    save.mutate(draft, {
      onSuccess: (saved) => {
        setSavedSnapshot(snapshotOf(saved));
        setSavedPositions(positionsSent);
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
      <UnsavedChangesGuard dirty={dirty && !save.isPending} />
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
      <FormError
        error={save.error}
        fields={["name", "workflow_type", "timeout_seconds", "input", "schedule", "schedule.cron", "schedule.timezone"]}
      />
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
            <MiniMap pannable zoomable ariaLabel="Minimap of the workflow" />
            {phone ? null : (
              <Panel position="top-left">
                <div className="canvas-toolbar" role="toolbar" aria-label="Canvas">
                  <button type="button" onClick={() => travel(undo)} disabled={!canUndo(history)} title="Ctrl+Z">
                    Undo
                  </button>
                  <button type="button" onClick={() => travel(redo)} disabled={!canRedo(history)} title="Ctrl+Shift+Z">
                    Redo
                  </button>
                  <button type="button" onClick={copySelection} disabled={!selectedNode} title="Ctrl+C">
                    Copy
                  </button>
                  <button type="button" onClick={paste} disabled={!clipboardFull} title="Ctrl+V">
                    Paste
                  </button>
                  <button type="button" onClick={duplicate} disabled={!selectedNode} title="Ctrl+D">
                    Duplicate
                  </button>
                  <button type="button" onClick={tidyUp} title="Lay the graph out again, top to bottom">
                    Tidy up
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={deleteSelection}
                    disabled={!selectedNode && !selectedEdge}
                  >
                    Delete selected
                  </button>
                </div>
              </Panel>
            )}
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
              suggestions={templateSuggestions(definition, selectedNode.id, {
                input: settings.input,
                context: workflow?.context ?? {},
              })}
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

      {/* Settings are edits too, and a phone has no Save button (phone-view-only.tsx). */}
      {phone ? null : (
        <WorkflowSettings
          value={settings}
          onChange={setSettings}
          definition={definition}
          errors={fields}
          isNew={!workflow}
        />
      )}
      <DefinitionText definition={definition} onApply={(next, fields) => loadDefinition(next, fields)} />
      {workflow ? (
        <>
          {/* Keyed by the save: the run form takes the defaults just saved. */}
          <RunsSection key={workflow.updated_at} workflow={workflow} dirty={dirty} />
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

function positionsKey(nodes: { id: string; position: Position }[]): string {
  return JSON.stringify(nodes.map((node) => [node.id, Math.round(node.position.x), Math.round(node.position.y)]));
}
