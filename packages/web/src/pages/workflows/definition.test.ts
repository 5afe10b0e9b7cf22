import type { WorkflowDefinition } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import {
  errorsByElement,
  formatDefinition,
  layout,
  newNode,
  parseDefinition,
  parseWorkflowDocument,
  toDefinition,
  toGraph,
  withoutPositions,
  withPositions,
} from "./definition.ts";

const review: WorkflowDefinition = {
  nodes: [
    {
      id: "draft",
      type: "task",
      tool: "claude_code",
      prompt: "Write {{input.topic}}",
      retries: 1,
      timeout_seconds: 600,
      requirements: {},
    },
    { id: "check", type: "condition", expression: { ">": [{ var: "nodes.draft.output.length" }, 10] } },
    { id: "approve", type: "approval", message: "Ship it?" },
    {
      id: "fix",
      type: "task",
      tool: "ollama",
      model: "llama3",
      prompt: "Fix {{upstream}}",
      retries: 0,
      timeout_seconds: 60,
      requirements: {},
    },
  ],
  edges: [
    { from: "draft", to: "check", on: "success", loop: false },
    { from: "check", to: "approve", when: true, on: "success", loop: false },
    { from: "check", to: "fix", when: false, on: "success", loop: false },
    { from: "fix", to: "draft", on: "success", loop: true, max_iterations: 3 },
  ],
};

describe("workflow definition <-> editor graph and text", () => {
  it("round-trips a definition through the graph unchanged", () => {
    const { nodes, edges } = toGraph(review);
    expect(toDefinition(nodes, edges)).toEqual(review);
  });

  it("round-trips through YAML and JSON text unchanged", () => {
    for (const format of ["yaml", "json"] as const) {
      expect(parseDefinition(formatDefinition(review, format), format)).toEqual(review);
    }
  });

  it("lays nodes out one row below their deepest upstream, ignoring loop edges", () => {
    const positions = layout(review);
    expect(positions.get("draft")?.y).toBe(0);
    expect(positions.get("check")?.y).toBe(150);
    expect(positions.get("approve")?.y).toBe(300);
    expect(positions.get("fix")?.y).toBe(300);
    expect(positions.get("approve")?.x).not.toBe(positions.get("fix")?.x);
  });

  it("says what is wrong with typed text instead of loading it", () => {
    expect(() => parseDefinition("nodes: [", "yaml")).toThrow(/Not valid YAML/);
    expect(() => parseDefinition("{}", "json")).toThrow(/list of nodes/);
    expect(() => parseDefinition("nodes: [{id: a, type: task}, {id: a, type: task}]", "yaml")).toThrow(/Two nodes/);
    expect(() => parseDefinition("nodes: [{id: a, type: task}]\nedges: [{from: a, to: b}]", "yaml")).toThrow(
      /does not exist/,
    );
  });

  it("names new nodes by type without clashing", () => {
    expect(newNode("task", new Set(["task_1", "task_2"])).id).toBe("task_3");
    expect(newNode("approval", new Set()).type).toBe("approval");
  });

  it("puts the server's field errors on the node or edge they name", () => {
    const placed = errorsByElement(
      [
        { field: "body.definition.nodes.3.prompt", message: "is required" },
        { field: "body.definition.edges[1]", message: "creates a cycle" },
        { field: "body.definition.nodes[0].tool", message: 'node "draft": tool must be one of …' },
        { field: "body.name", message: "is required" },
      ],
      review,
    );
    expect(placed.nodes.get("fix")).toEqual(["prompt: is required"]);
    expect(placed.edges.get(1)).toEqual(["creates a cycle"]);
    expect(placed.nodes.get("draft")).toEqual(['node "draft": tool must be one of …']);
    expect(placed.other).toEqual(["name: is required"]);
  });
});

describe("positions and whole workflow files", () => {
  it("draws a node where its saved position says, and lays out the rest", () => {
    const placed: WorkflowDefinition = {
      ...review,
      nodes: review.nodes.map((node, index) => (index === 0 ? { ...node, position: { x: 500, y: -40 } } : node)),
    };
    const graph = toGraph(placed);
    expect(graph.nodes[0]!.position).toEqual({ x: 500, y: -40 });
    expect(graph.nodes[1]!.position).toEqual(toGraph(review).nodes[1]!.position);
  });

  it("keeps positions out of the text view and rounds them when saving", () => {
    const placed = withPositions(review, new Map([["draft", { x: 10.4, y: 20.6 }]]));
    expect(placed.nodes[0]!.position).toEqual({ x: 10, y: 21 });
    expect(formatDefinition(placed, "yaml")).toBe(formatDefinition(review, "yaml"));
    expect(withoutPositions(placed)).toEqual(review);
  });

  it("reads the whole workflow file of docs/workflows.md, not only its definition", () => {
    const text = [
      "name: ship-feature",
      "workflow_type: graph",
      "input: { feature: dark mode }",
      "schedule: { cron: '0 9 * * 1', timezone: UTC }",
      "definition:",
      "  nodes:",
      "    - { id: generate, type: task, tool: claude_code, prompt: 'Write {{input.feature}}' }",
      "  edges: []",
    ].join("\n");
    const { definition, fields } = parseWorkflowDocument(text, "yaml");
    expect(definition.nodes.map((node) => node.id)).toEqual(["generate"]);
    expect(fields).toEqual({
      name: "ship-feature",
      workflow_type: "graph",
      input: { feature: "dark mode" },
      schedule: { cron: "0 9 * * 1", timezone: "UTC" },
    });
    expect(() => parseWorkflowDocument("name: x\ndefinition: {}", "yaml")).toThrow(/^definition: .*list of nodes/);
    expect(() => parseWorkflowDocument("name: x\ncolour: red\ndefinition: {nodes: []}", "yaml")).toThrow(
      /Unknown field: colour/,
    );
  });
});
