// Pasting copied nodes: fresh ids (`ID_copy`, `ID_copy_2`, …), free spots beside the originals, and the
// edges among the copied nodes carried over to the copies.
import type { EdgeDefinition, NodeDefinition } from "@garageswarm/protocol";
import type { Position } from "./definition.ts";
import { freeSpot, nodeBox } from "./placement.ts";

export interface CopiedNode {
  position: Position;
  definition: NodeDefinition;
}

export function pasteCopies(
  copied: { nodes: CopiedNode[]; edges: EdgeDefinition[] },
  existing: { id: string; position: Position }[],
): { nodes: CopiedNode[]; edges: EdgeDefinition[] } {
  const taken = new Set(existing.map((node) => node.id));
  const occupied = existing.map((node) => node.position);
  const renamed = new Map<string, string>();
  const left = Math.min(...copied.nodes.map((node) => node.position.x));
  const right = Math.max(...copied.nodes.map((node) => node.position.x));
  // To the right of the whole copied group, so a copied chain keeps its shape.
  const shift = { x: right - left + nodeBox.width, y: 40 };
  const nodes = copied.nodes.map(({ position, definition }) => {
    const base = definition.id.replace(/_copy(_\d+)?$/, "");
    let n = 1;
    const idFor = (k: number) => (k === 1 ? `${base}_copy` : `${base}_copy_${k}`);
    while (taken.has(idFor(n))) n++;
    const id = idFor(n);
    taken.add(id);
    renamed.set(definition.id, id);
    const at = freeSpot(occupied, { x: position.x + shift.x, y: position.y + shift.y });
    occupied.push(at);
    // A deep copy: editing the copy must never reach into the original's objects.
    return { position: at, definition: { ...structuredClone(definition), id } };
  });
  const edges = copied.edges
    .filter((edge) => renamed.has(edge.from) && renamed.has(edge.to))
    .map((edge) => ({ ...edge, from: renamed.get(edge.from)!, to: renamed.get(edge.to)! }));
  return { nodes, edges };
}
