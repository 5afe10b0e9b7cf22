import { describe, expect, it } from "vitest";
import { freeSpot, nodeBox } from "./placement.ts";

const overlapping = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < nodeBox.width && Math.abs(a.y - b.y) < nodeBox.height;

describe("free-space placement", () => {
  it("takes the spot asked for when it is free", () => {
    expect(freeSpot([{ x: 1000, y: 1000 }], { x: 0, y: 0 })).toEqual({ x: 0, y: 0 });
  });

  it("never lands on a node, and stays near the spot asked for", () => {
    const taken = [{ x: 0, y: 0 }];
    const spot = freeSpot(taken, { x: 10, y: 10 });
    expect(overlapping(spot, taken[0]!)).toBe(false);
    expect(Math.hypot(spot.x - 10, spot.y - 10)).toBeLessThanOrEqual(nodeBox.width + 1);
  });

  it("places node after node without stacking them", () => {
    const taken: { x: number; y: number }[] = [];
    for (let n = 0; n < 12; n++) taken.push(freeSpot(taken, { x: 0, y: 0 }));
    for (const [i, a] of taken.entries()) {
      for (const b of taken.slice(i + 1)) expect(overlapping(a, b)).toBe(false);
    }
  });

  it("prefers below to above at the same distance", () => {
    const spot = freeSpot([{ x: 0, y: 0 }], { x: 0, y: 0 });
    expect(spot).toEqual({ x: 0, y: nodeBox.height });
  });
});
