// How a node looks on the canvas, in the editor and in the run view: type, id, tool, state, errors.
import type { EdgeDefinition, NodeDefinition } from "@garageswarm/protocol";
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { type NodeState, nodeStatusLabels, nodeTypeLabels, toolLabels } from "../../labels.ts";

export interface NodeData extends Record<string, unknown> {
  definition: NodeDefinition;
  errors?: string[];
  status?: NodeState;
}

export type WorkflowFlowNode = Node<NodeData, "workflow">;

export function WorkflowNode({ data, selected }: NodeProps<WorkflowFlowNode>) {
  const { definition, errors = [], status } = data;
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
      {errors.map((error) => (
        <div key={error} className="flow-node-error">
          {error}
        </div>
      ))}
      <Handle type="source" position={Position.Bottom} role="img" aria-label={`Output of ${definition.id}`} />
    </div>
  );
}

export const nodeTypes = { workflow: WorkflowNode };

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
