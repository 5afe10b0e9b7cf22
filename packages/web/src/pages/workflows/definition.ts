// A workflow definition <-> the editor's graph, and <-> its JSON/YAML text. The definition is the truth;
// a node's optional `position` is where the editor drew it (layout only); nodes without one are laid out.
import type { EdgeDefinition, NodeDefinition, NodeType, Workflow, WorkflowDefinition } from "@garageswarm/protocol";
import { parse, stringify } from "yaml";

export interface Position {
  x: number;
  y: number;
}

export interface GraphNode {
  id: string;
  position: Position;
  definition: NodeDefinition;
}

export interface GraphEdge {
  id: string;
  definition: EdgeDefinition;
}

export type TextFormat = "yaml" | "json";

export function edgeId(edge: Pick<EdgeDefinition, "from" | "to">, index: number): string {
  return `${edge.from}->${edge.to}#${index}`;
}

/** Layered layout: each node one row below its deepest upstream (loop edges ignored), spread across. */
export function layout(definition: WorkflowDefinition): Map<string, Position> {
  const depth = new Map<string, number>(definition.nodes.map((node) => [node.id, 0]));
  const forward = definition.edges.filter((edge) => !edge.loop);
  // Longest-path depths; bounded by the node count so a (invalid) cycle cannot spin forever.
  for (let round = 0; round < definition.nodes.length; round++) {
    let changed = false;
    for (const edge of forward) {
      const next = (depth.get(edge.from) ?? 0) + 1;
      if (depth.has(edge.to) && next > (depth.get(edge.to) ?? 0)) {
        depth.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, string[]>();
  for (const node of definition.nodes) {
    const row = depth.get(node.id) ?? 0;
    rows.set(row, [...(rows.get(row) ?? []), node.id]);
  }
  const positions = new Map<string, Position>();
  for (const [row, ids] of rows) {
    ids.forEach((id, column) => {
      positions.set(id, { x: (column - (ids.length - 1) / 2) * 260, y: row * 150 });
    });
  }
  return positions;
}

export function toGraph(definition: WorkflowDefinition): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const positions = layout(definition);
  return {
    nodes: definition.nodes.map((node) => ({
      id: node.id,
      position: node.position ?? positions.get(node.id) ?? { x: 0, y: 0 },
      definition: node,
    })),
    edges: definition.edges.map((edge, index) => ({ id: edgeId(edge, index), definition: edge })),
  };
}

export function toDefinition(nodes: GraphNode[], edges: GraphEdge[]): WorkflowDefinition {
  return {
    nodes: nodes.map((node) => node.definition),
    edges: edges.map((edge) => edge.definition),
  };
}

/** The definition without the editor's positions: what the text view shows, so the text stays about the work. */
export function withoutPositions(definition: WorkflowDefinition): WorkflowDefinition {
  return {
    ...definition,
    nodes: definition.nodes.map(({ position: _position, ...node }) => node as NodeDefinition),
  };
}

/** Each node with the position it has on the canvas (whole canvas units). */
export function withPositions(definition: WorkflowDefinition, positions: ReadonlyMap<string, Position>) {
  return {
    ...definition,
    nodes: definition.nodes.map((node) => {
      const at = positions.get(node.id);
      return at ? { ...node, position: { x: Math.round(at.x), y: Math.round(at.y) } } : node;
    }),
  };
}

export function formatDefinition(definition: WorkflowDefinition, format: TextFormat): string {
  const shown = withoutPositions(definition);
  // No YAML anchors: a pasted copy shares objects with its original, and `&a1`/`*a1` would puzzle a reader.
  return format === "json" ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown, { aliasDuplicateObjects: false });
}

/** The fields of a whole workflow file (docs/workflows.md) besides its definition. */
export type WorkflowFields = Partial<
  Pick<Workflow, "name" | "description" | "workflow_type" | "input" | "context" | "schedule" | "timeout_seconds">
>;

/** Reads a YAML or JSON text (YAML is a superset of JSON: one parser reads both). */
export function parseText(text: string, format: TextFormat): unknown {
  try {
    return format === "json" ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new Error(`Not valid ${format.toUpperCase()}: ${(error as Error).message}`);
  }
}

/**
 * A whole workflow file (`name`, `workflow_type`, `input`, `schedule`, …, `definition`) or a bare definition
 * (`nodes`, `edges`): its definition (outline checked) and the other fields it carries, as written.
 */
export function parseWorkflowDocument(
  text: string,
  format: TextFormat,
): { definition: WorkflowDefinition; fields: WorkflowFields } {
  const value = parseText(text, format);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("Expected a workflow (name, definition, …) or a definition (nodes, edges).");
  }
  if (!("definition" in value)) return { definition: checkOutline(value), fields: {} };
  const { definition, ...rest } = value as { definition: unknown } & Record<string, unknown>;
  const fields: WorkflowFields = {};
  const known = ["name", "description", "workflow_type", "input", "context", "schedule", "timeout_seconds"] as const;
  for (const key of known) if (key in rest) Object.assign(fields, { [key]: rest[key] });
  const unknown = Object.keys(rest).filter((key) => !(known as readonly string[]).includes(key));
  if (unknown.length) throw new Error(`Unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}.`);
  try {
    return { definition: checkOutline(definition), fields };
  } catch (error) {
    throw new Error(`definition: ${(error as Error).message}`);
  }
}

/**
 * Parses text typed in the JSON/YAML view. Only the outline is checked here (nodes with an id and a
 * type, edges with from and to); the server validates the rest and its errors land on the nodes.
 */
export function parseDefinition(text: string, format: TextFormat): WorkflowDefinition {
  return parseWorkflowDocument(text, format).definition;
}

function checkOutline(value: unknown): WorkflowDefinition {
  if (typeof value !== "object" || value === null || !Array.isArray((value as { nodes?: unknown }).nodes)) {
    throw new Error("The definition needs a list of nodes (or paste a whole workflow with a definition: block).");
  }
  const { nodes, edges = [] } = value as { nodes: unknown[]; edges?: unknown };
  if (!Array.isArray(edges)) throw new Error("edges must be a list.");
  const ids = new Set<string>();
  nodes.forEach((node, index) => {
    const { id, type } = (node ?? {}) as { id?: unknown; type?: unknown };
    if (typeof id !== "string" || !id) throw new Error(`Node ${index + 1} needs an id.`);
    if (ids.has(id)) throw new Error(`Two nodes are called "${id}".`);
    if (typeof type !== "string") throw new Error(`Node "${id}" needs a type.`);
    ids.add(id);
  });
  edges.forEach((edge, index) => {
    const { from, to } = (edge ?? {}) as { from?: unknown; to?: unknown };
    if (typeof from !== "string" || typeof to !== "string") throw new Error(`Edge ${index + 1} needs from and to.`);
    if (!ids.has(from) || !ids.has(to)) throw new Error(`Edge ${from} → ${to} names a node that does not exist.`);
  });
  return { ...(value as WorkflowDefinition), edges: edges as WorkflowDefinition["edges"] };
}

/** A fresh node of a type with the fields it needs, under an id not yet taken. */
export function newNode(type: NodeType, taken: ReadonlySet<string>): NodeDefinition {
  let n = 1;
  while (taken.has(`${type}_${n}`)) n++;
  const id = `${type}_${n}`;
  switch (type) {
    case "task":
      return {
        id,
        type,
        tool: "claude_code",
        prompt: "Describe what to do. Upstream: {{upstream}}",
        retries: 0,
        timeout_seconds: 1800,
        requirements: {},
      };
    case "condition":
      return { id, type, expression: { "==": [1, 1] } };
    case "approval":
      return { id, type, message: "Approve to continue." };
    case "director":
      return {
        id,
        type,
        tool: "claude_code",
        prompt: "Plan the work as JSON tasks.",
        retries: 0,
        timeout_seconds: 1800,
        requirements: {},
        max_tasks: 20,
      };
    case "aggregator":
      return {
        id,
        type,
        tool: "claude_code",
        prompt: "Combine: {{upstream}}",
        retries: 0,
        timeout_seconds: 1800,
        requirements: {},
      };
  }
}

/**
 * Maps the server's field errors (`body.definition.nodes.2.prompt`) to the node or edge they name,
 * by position in the definition that was sent.
 */
export function errorsByElement(
  errors: { field: string; message: string }[],
  definition: WorkflowDefinition,
): { nodes: Map<string, string[]>; edges: Map<number, string[]>; other: string[] } {
  const nodes = new Map<string, string[]>();
  const edges = new Map<number, string[]>();
  const other: string[] = [];
  for (const { field, message } of errors) {
    // Schema errors say `nodes.2.prompt`, the definition checks `nodes[2].prompt`: the same place.
    const path = field.replace(/\[(\d+)\]/g, ".$1");
    const match = /(?:^|\.)definition\.(nodes|edges)\.(\d+)(?:\.(.+))?$/.exec(path);
    const index = match ? Number(match[2]) : -1;
    const text = match?.[3] && !message.includes(match[3]) ? `${match[3]}: ${message}` : message;
    if (match?.[1] === "nodes" && definition.nodes[index]) {
      const id = definition.nodes[index].id;
      nodes.set(id, [...(nodes.get(id) ?? []), text]);
    } else if (match?.[1] === "edges" && definition.edges[index]) {
      edges.set(index, [...(edges.get(index) ?? []), text]);
    } else {
      other.push(`${field.replace(/^body\./, "")}: ${message}`);
    }
  }
  return { nodes, edges, other };
}
