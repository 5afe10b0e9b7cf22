import type { NodeDefinition } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { pasteCopies } from "./clipboard.ts";
import { nodeBox } from "./placement.ts";

const approval = (id: string): NodeDefinition => ({ id, type: "approval" });

describe("pasting copied nodes", () => {
  it("gives copies fresh ids, free spots, and the edges among them", () => {
    const copied = {
      nodes: [
        { position: { x: 0, y: 0 }, definition: approval("a") },
        { position: { x: 0, y: 150 }, definition: approval("b") },
      ],
      edges: [
        { from: "a", to: "b", on: "success" as const, loop: false },
        { from: "a", to: "elsewhere", on: "success" as const, loop: false },
      ],
    };
    const existing = [
      { id: "a", position: { x: 0, y: 0 } },
      { id: "b", position: { x: 0, y: 150 } },
      { id: "a_copy", position: { x: 2000, y: 0 } },
    ];
    const pasted = pasteCopies(copied, existing);
    expect(pasted.nodes.map((node) => node.definition.id)).toEqual(["a_copy_2", "b_copy"]);
    expect(pasted.edges).toEqual([{ from: "a_copy_2", to: "b_copy", on: "success", loop: false }]);
    const all = [...existing.map((node) => node.position), ...pasted.nodes.map((node) => node.position)];
    for (const [i, p] of all.entries()) {
      for (const q of all.slice(i + 1)) {
        expect(Math.abs(p.x - q.x) < nodeBox.width && Math.abs(p.y - q.y) < nodeBox.height).toBe(false);
      }
    }
  });

  it("names a copy of a copy after the original", () => {
    const pasted = pasteCopies({ nodes: [{ position: { x: 0, y: 0 }, definition: approval("a_copy") }], edges: [] }, [
      { id: "a_copy", position: { x: 0, y: 0 } },
    ]);
    expect(pasted.nodes[0]!.definition.id).toBe("a_copy_2");
  });

  it("copies deeply: the copy shares no object with the original", () => {
    const task: NodeDefinition = {
      id: "t",
      type: "task",
      tool: "shell",
      prompt: "x",
      retries: 0,
      timeout_seconds: 60,
      requirements: { labels: ["gpu"] },
    };
    const [copy] = pasteCopies({ nodes: [{ position: { x: 0, y: 0 }, definition: task }], edges: [] }, []).nodes;
    expect(copy!.definition).toMatchObject({ id: "t_copy", requirements: { labels: ["gpu"] } });
    expect((copy!.definition as typeof task).requirements).not.toBe(task.requirements);
  });
});
