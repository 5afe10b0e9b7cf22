// The editor's undo history over the canvas: every settled state of nodes and edges is a step (a drag
// records once, when it ends); selection alone is not a step.
import type { Node } from "@xyflow/react";
import { type Dispatch, type SetStateAction, useEffect, useState } from "react";
import { type History, record, startHistory, type undo } from "./history.ts";

interface CanvasState<N, E> {
  /** Definitions, positions and edge ids, without selection: what tells two steps apart. */
  key: string;
  nodes: N[];
  edges: E[];
}

type DefinedNode = Node<{ definition: unknown }>;
type DefinedEdge = { id: string; data?: { definition: unknown } };

function canvasState<N extends DefinedNode, E extends DefinedEdge>(nodes: N[], edges: E[]): CanvasState<N, E> {
  const key = JSON.stringify([
    nodes.map((node) => [node.data.definition, Math.round(node.position.x), Math.round(node.position.y)]),
    edges.map((edge) => [edge.id, edge.data?.definition]),
  ]);
  return { key, nodes, edges };
}

export function useCanvasHistory<N extends DefinedNode, E extends DefinedEdge>(
  nodes: N[],
  edges: E[],
  setNodes: Dispatch<SetStateAction<N[]>>,
  setEdges: Dispatch<SetStateAction<E[]>>,
) {
  const [history, setHistory] = useState<History<CanvasState<N, E>>>(() => startHistory(canvasState(nodes, edges)));
  const dragging = nodes.some((node) => node.dragging);
  useEffect(() => {
    if (!dragging) setHistory((current) => record(current, canvasState(nodes, edges), (a, b) => a.key === b.key));
  }, [nodes, edges, dragging]);
  /** Moves one step (undo or redo); the restored state is then the present, not a new step. */
  function travel(step: typeof undo) {
    const next = step(history);
    if (next === history) return;
    setHistory(next);
    setNodes(next.present.nodes);
    setEdges(next.present.edges);
  }
  return { history, travel };
}
