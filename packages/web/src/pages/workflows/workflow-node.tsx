// How a node looks on the canvas, in the editor and in the run view: type, id, tool, state, errors.
import type { EdgeDefinition, NodeDefinition } from "@garageswarm/protocol";
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { type NodeState, nodeStatusLabels, nodeTypeLabels, toolLabels } from "../../labels.ts";

export interface NodeData extends Record<string, unknown> {
  definition: NodeDefinition;
  errors?: string[];
  status?: NodeState;
  /** Why the node's task waits in the queue (its waiting reason), on a run's canvas. */
  waiting?: string;
}

export type WorkflowFlowNode = Node<NodeData, "workflow">;

// Handles are drawn connection points (role img, so their names are allowed); the keyboard way to connect
// is the editor's "Connect nodes" form.
export function WorkflowNode({ data, selected }: NodeProps<WorkflowFlowNode>) {
  const { definition, errors = [], status, waiting } = data;
  const tool = "tool" in definition ? toolLabels[definition.tool] : null;
  return (
    <div
      className={`flow-node type-${definition.type}${status ? ` status-${status}` : ""}${errors.length ? " has-errors" : ""}${selected ? " selected" : ""}`}
    >
      {/* role="img": a named connection point (axe refuses aria-label on a role-less div); dragged, not pressed. */}
      <Handle type="target" position={Position.Top} role="img" aria-label={`Input of ${definition.id}`} />
      <div className="flow-node-type">{nodeTypeLabels[definition.type]}</div>
      <div className="flow-node-id">{definition.name || definition.id}</div>
      {tool ? (
        <div className="flow-node-detail">
          {tool}
          {"model" in definition && definition.model ? ` · ${definition.model}` : ""}
        </div>
      ) : null}
      {status ? <div className="flow-node-status">{nodeStatusLabels[status]}</div> : null}
      {waiting ? <div className="flow-node-waiting">{waiting}</div> : null}
      {errors.map((error) => (
        <div key={error} className="flow-node-error">
          {error}
        </div>
      ))}
      {definition.type === "condition" ? (
        <>
          <Handle
            type="source"
            id="true"
            position={Position.Bottom}
            className="handle-true"
            role="img"
            style={{ left: "30%" }}
            aria-label={`True output of ${definition.id}`}
          />
          <Handle
            type="source"
            id="false"
            position={Position.Bottom}
            className="handle-false"
            role="img"
            style={{ left: "70%" }}
            aria-label={`False output of ${definition.id}`}
          />
          <div className="flow-node-branches" aria-hidden="true">
            <span>true</span>
            <span>false</span>
          </div>
        </>
      ) : (
        <Handle type="source" position={Position.Bottom} role="img" aria-label={`Output of ${definition.id}`} />
      )}
    </div>
  );
}

export const nodeTypes = { workflow: WorkflowNode };

/** The source handle an edge leaves from: a condition's true or false output, or the node's one output. */
export function sourceHandleOf(edge: EdgeDefinition): string | null {
  return edge.when === undefined ? null : String(edge.when);
}

/** The short text on an edge: what makes it followed. */
export function edgeLabel(edge: EdgeDefinition): string {
  const parts: string[] = [];
  if (edge.on === "failure") parts.push("on failure");
  if (edge.when !== undefined) parts.push(edge.when ? "if true" : "if false");
  if (edge.condition !== undefined) parts.push("if condition");
  if (edge.loop) parts.push(`loop ≤ ${edge.max_iterations ?? "∞"}`);
  return parts.join(", ");
}

/** A node's accessible name on the canvas, so a screen reader hears more than "group". */
export function nodeAriaLabel(definition: NodeDefinition, status?: NodeState): string {
  const base = `${nodeTypeLabels[definition.type]} node ${definition.id}`;
  return status ? `${base}: ${nodeStatusLabels[status]}` : base;
}
