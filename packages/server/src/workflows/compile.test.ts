import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { compileWorkflow, resolveReplicas } from "./compile.ts";
import { shipFeature } from "./engine/test-examples.ts";
import { parseWorkflow } from "./validate.ts";

const task = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "task",
  tool: "shell",
  prompt: id,
  ...extra,
});
const compile = (body: Record<string, unknown>) => {
  const workflow = parseWorkflow({ name: "w", ...body });
  return compileWorkflow(workflow.workflow_type, workflow.definition);
};
const edgeIds = (graph: { edges: { id: string }[] }) => graph.edges.map((edge) => edge.id);

describe("compileWorkflow", () => {
  it("graph: nodes and edges as drawn, with resolved defaults and loop bounds", () => {
    const graph = compile(shipFeature);
    expect(graph.nodes.find((node) => node.id === "review")).toEqual({
      id: "review",
      type: "task",
      tool: "gemini_cli",
      prompt: "Review: {{nodes.generate.output}}",
      retries: 0,
      timeout_seconds: 1800,
      requirements: {},
    });
    expect(graph.edges.at(-1)).toEqual({
      id: "fix->generate",
      from: "fix",
      to: "generate",
      on: "success",
      loop: true,
      max_iterations: 3,
    });
    expect(graph.edges.find((edge) => edge.id === "passed->fix")).toMatchObject({ when: false, loop: false });
  });

  it("sequential: a chain in node order", () => {
    expect(
      edgeIds(compile({ workflow_type: "sequential", definition: { nodes: [task("a"), task("b"), task("c")] } })),
    ).toEqual(["a->b", "b->c"]);
  });

  it("concurrent: N replicas feeding the aggregator", () => {
    const graph = compile({
      workflow_type: "concurrent",
      definition: {
        nodes: [task("t", { replicas: 2 }), { id: "agg", type: "aggregator", tool: "shell", prompt: "{{upstream}}" }],
      },
    });
    expect(graph.nodes.map((node) => [node.id, node.replica_of])).toEqual([
      ["t/1", "t"],
      ["t/2", "t"],
      ["agg", undefined],
    ]);
    expect(edgeIds(graph)).toEqual(["t/1->agg", "t/2->agg"]);
  });

  it('concurrent "all": a marker the run resolves to one pinned node per eligible worker', () => {
    const graph = compile({
      workflow_type: "concurrent",
      definition: {
        nodes: [task("t", { replicas: "all" }), { id: "agg", type: "aggregator", tool: "shell", prompt: "x" }],
      },
    });
    expect(graph.nodes[0]).toMatchObject({ id: "t", replicas: "all" });
    const resolved = resolveReplicas(graph, ["w1", "w2", "w3"]);
    expect(resolved.nodes.map((node) => [node.id, node.pinned_worker_id, node.replicas])).toEqual([
      ["t/1", "w1", undefined],
      ["t/2", "w2", undefined],
      ["t/3", "w3", undefined],
      ["agg", undefined, undefined],
    ]);
    expect(edgeIds(resolved)).toEqual(["t/1->agg", "t/2->agg", "t/3->agg"]);
    expect(() => resolveReplicas(graph, [])).toThrow(InvalidInputError);
  });

  it("mixture: every expert feeds the aggregator", () => {
    const graph = compile({
      workflow_type: "mixture",
      definition: { nodes: [task("a"), task("b"), { id: "agg", type: "aggregator", tool: "shell", prompt: "x" }] },
    });
    expect(edgeIds(graph)).toEqual(["a->agg", "b->agg"]);
  });

  it("hierarchical: the director feeds the optional aggregator", () => {
    const director = { id: "d", type: "director", tool: "claude_code", prompt: "plan" };
    expect(compile({ workflow_type: "hierarchical", definition: { nodes: [director] } }).nodes[0]).toMatchObject({
      type: "director",
      max_tasks: 20,
    });
    const withSummary = compile({
      workflow_type: "hierarchical",
      definition: { nodes: [director, { id: "s", type: "aggregator", tool: "shell", prompt: "x" }] },
    });
    expect(edgeIds(withSummary)).toEqual(["d->s"]);
  });
});
