// Where a new node goes: the free spot nearest the point asked for, so an added node never lands on
// (or hides under) one already on the canvas.
import type { Position } from "./definition.ts";

/** A node's footprint on the canvas plus a margin (canvas units); nodes are at most 15rem wide. */
export const nodeBox = { width: 260, height: 110 };

function overlaps(a: Position, b: Position): boolean {
  return Math.abs(a.x - b.x) < nodeBox.width && Math.abs(a.y - b.y) < nodeBox.height;
}

/**
 * The first spot around `near`, in rings of growing distance on a node-sized grid, that overlaps no
 * taken position. Bounded: after 30 rings it gives the spot below everything.
 */
export function freeSpot(taken: readonly Position[], near: Position): Position {
  const free = (spot: Position) => !taken.some((other) => overlaps(spot, other));
  if (free(near)) return near;
  for (let ring = 1; ring <= 30; ring++) {
    const candidates: Position[] = [];
    for (let dy = -ring; dy <= ring; dy++) {
      for (let dx = -ring; dx <= ring; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        candidates.push({ x: near.x + dx * nodeBox.width, y: near.y + dy * nodeBox.height });
      }
    }
    // Nearest first; ties prefer below, then right: the direction a graph grows.
    candidates.sort(
      (a, b) =>
        Math.hypot(a.x - near.x, a.y - near.y) - Math.hypot(b.x - near.x, b.y - near.y) || b.y - a.y || b.x - a.x,
    );
    const spot = candidates.find(free);
    if (spot) return spot;
  }
  const lowest = Math.max(near.y, ...taken.map((position) => position.y));
  return { x: near.x, y: lowest + nodeBox.height };
}
