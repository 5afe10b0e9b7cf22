import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { implementReviewFix, shipFeature } from "./engine/test-examples.ts";
import { parseWorkflow, validateWorkflow } from "./validate.ts";

const clone = () => structuredClone(shipFeature) as any;
const firstIssue = (body: unknown) => {
  const result = validateWorkflow(body);
  expect(result.ok).toBe(false);
  return result.issues[0]!;
};

describe("validateWorkflow", () => {
  it("accepts the ship-feature example and fills defaults", () => {
    const workflow = parseWorkflow(shipFeature);
    expect(workflow.definition.nodes[1]).toMatchObject({ retries: 0, timeout_seconds: 1800, requirements: {} });
    expect(workflow.definition.edges[0]).toMatchObject({ on: "success", loop: false });
    expect(workflow.description).toBe("");
  });

  it("names the node in schema errors, with bracketed paths", () => {
    const body = clone();
    delete body.definition.nodes[4].tool;
    expect(firstIssue(body)).toEqual({ path: "definition.nodes[4].tool", message: 'node "deploy": tool is required' });
    body.definition.nodes[4].tool = "hammer";
    expect(firstIssue(body).message).toMatch(/^node "deploy": tool must be one of claude_code, gemini_cli/);
    body.definition.nodes[4] = { id: "deploy", type: "robot" };
    expect(firstIssue(body)).toEqual({
      path: "definition.nodes[4].type",
      message: 'node "deploy": type must be one of task, condition, approval, director, aggregator',
    });
  });

  it("rejects duplicate node ids", () => {
    const body = clone();
    body.definition.nodes[2].id = "review";
    expect(firstIssue(body)).toEqual({
      path: "definition.nodes[2].id",
      message: 'duplicate node id "review" (also nodes[1])',
    });
  });

  it("rejects edges to unknown nodes", () => {
    const body = clone();
    body.definition.edges[1].to = "tset";
    expect(firstIssue(body)).toEqual({
      path: "definition.edges[1].to",
      message: 'edge "generate->tset": unknown node "tset"',
    });
  });

  it("rejects a cycle that is not marked loop, naming the edge that closes it", () => {
    const body = clone();
    body.definition.edges[6] = { from: "fix", to: "generate" };
    expect(firstIssue(body)).toEqual({
      path: "definition.edges[6]",
      message:
        'edge "fix->generate" closes a cycle (generate -> review -> passed -> fix -> generate); a cycle needs one edge marked loop: true with max_iterations',
    });
  });

  it("rejects a loop without max_iterations, and a loop edge that closes no cycle", () => {
    const body = clone();
    delete body.definition.edges[6].max_iterations;
    expect(firstIssue(body)).toEqual({
      path: "definition.edges[6].max_iterations",
      message: 'loop edge "fix->generate" needs max_iterations',
    });
    const forward = clone();
    forward.definition.edges[6] = { from: "generate", to: "deploy", loop: true, max_iterations: 2 };
    expect(firstIssue(forward).message).toBe(
      'loop edge "generate->deploy" closes no cycle: "deploy" is not upstream of "generate"',
    );
  });

  it("rejects a when edge that does not follow a condition node", () => {
    const body = clone();
    body.definition.edges.push({ from: "deploy", to: "fix", when: true });
    expect(firstIssue(body)).toEqual({
      path: "definition.edges[7].when",
      message: 'edge "deploy->fix": when follows a condition node, and "deploy" is a task node',
    });
  });

  it("rejects nodes no start node reaches", () => {
    const body = {
      name: "w",
      definition: {
        nodes: ["a", "b", "c"].map((id) => ({ id, type: "task", tool: "shell", prompt: id })),
        edges: [
          { from: "b", to: "c" },
          { from: "c", to: "b" },
        ],
      },
    };
    expect(validateWorkflow(body).issues).toEqual([
      expect.objectContaining({ path: "definition.edges[1]" }),
      { path: "definition.nodes[1]", message: 'node "b" is unreachable from every start node' },
      { path: "definition.nodes[2]", message: 'node "c" is unreachable from every start node' },
    ]);
    // Marking the way back as a loop makes b a start node: its only input is the loop edge.
    body.definition.edges[1] = { from: "c", to: "b", loop: true, max_iterations: 2 } as any;
    expect(validateWorkflow(body).ok).toBe(true);
  });

  it("rejects templates that do not parse or reach outside the node's upstream", () => {
    const body = clone();
    body.definition.nodes[1].prompt = "Review {{#nodes.generate.output}}";
    expect(firstIssue(body)).toEqual({
      path: "definition.nodes[1].prompt",
      message: 'node "review": prompt cannot be parsed: Unclosed section "nodes.generate.output" at 33',
    });
    body.definition.nodes[1].prompt = "Review {{nodes.deploy.output}}";
    expect(firstIssue(body).message).toBe(
      'node "review": prompt {{nodes.deploy.output}} refers to node "deploy", which is not upstream of this node',
    );
    body.definition.nodes[1].prompt = "Review {{nodes.nope.output}}";
    expect(firstIssue(body).message).toBe('node "review": prompt {{nodes.nope.output}} refers to unknown node "nope"');
    // Loop edges count as upstream: generate may read fix's latest output.
    const loop = clone();
    loop.definition.nodes[0].prompt = "Write {{input.feature}} {{nodes.fix.output}}";
    expect(validateWorkflow(loop).ok).toBe(true);
  });

  it("rejects conditions with unknown operators", () => {
    const body = clone();
    body.definition.nodes[3].expression = { contains: ["PASS", { var: "nodes.test.output" }] };
    expect(firstIssue(body)).toEqual({
      path: "definition.nodes[3].expression",
      message: 'node "passed": expression unknown operator "contains"',
    });
    const edge = clone();
    edge.definition.edges[0].condition = { regex: "x" };
    expect(firstIssue(edge)).toEqual({
      path: "definition.edges[0].condition",
      message: 'edge "generate->review": condition: unknown operator "regex"',
    });
  });

  it("checks the schedule's cron and time zone", () => {
    const body = clone();
    body.schedule = { cron: "0 9 * * 1-5", timezone: "Mars/Olympus" };
    expect(firstIssue(body)).toEqual({
      path: "schedule.timezone",
      message: 'schedule: unknown time zone "Mars/Olympus"',
    });
    body.schedule = { cron: "every day", timezone: "UTC" };
    expect(firstIssue(body).path).toBe("schedule.cron");
  });

  it.each([
    [
      "sequential",
      [{ id: "c", type: "condition", expression: true }],
      [],
      'node "c": a sequential workflow has no condition nodes',
    ],
    [
      "concurrent",
      [{ id: "t", type: "task", tool: "shell", prompt: "x" }],
      [],
      'node "t": replicas is required in a concurrent workflow (a number or "all")',
    ],
    [
      "mixture",
      [
        { id: "t", type: "task", tool: "shell", prompt: "x" },
        { id: "a", type: "aggregator", tool: "shell", prompt: "x" },
      ],
      [],
      "a mixture workflow needs at least two expert task nodes (found 1)",
    ],
    [
      "hierarchical",
      [{ id: "a", type: "aggregator", tool: "shell", prompt: "x" }],
      [],
      "a hierarchical workflow has exactly one director (found 0)",
    ],
    [
      "graph",
      [{ id: "t", type: "task", tool: "shell", prompt: "x", replicas: 2 }],
      [],
      'node "t": replicas is for concurrent workflows only',
    ],
    [
      "sequential",
      [
        { id: "a", type: "task", tool: "shell", prompt: "x" },
        { id: "b", type: "task", tool: "shell", prompt: "y" },
      ],
      [{ from: "b", to: "a" }],
      'edge "b->a": a sequential workflow takes its edges from its nodes (a->b); use workflow_type graph to draw others',
    ],
  ])("enforces the %s shape", (workflow_type, nodes, edges, message) => {
    expect(firstIssue({ name: "w", workflow_type, definition: { nodes, edges } }).message).toBe(message);
  });

  it("parseWorkflow throws InvalidInputError with a body field for the first issue", () => {
    const body = clone();
    body.definition.nodes[1].prompt = "";
    try {
      parseWorkflow(body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe("body.definition.nodes[1].prompt");
      expect((error as InvalidInputError).message).toBe('node "review": prompt is required');
    }
  });
});

describe("bounds checked when a workflow is saved (review A3, A4, A8)", () => {
  const graph = (nodes: unknown[]) => ({ name: "w", workflow_type: "graph", definition: { nodes } });

  it("refuses sections nested past two levels, naming the prompt", () => {
    const prompt = "{{#input.a}}{{#input.a}}{{#input.a}}{{#input.a}}{{/input.a}}{{/input.a}}{{/input.a}}{{/input.a}}";
    expect(firstIssue(graph([{ id: "n1", type: "task", tool: "ollama", prompt }]))).toEqual({
      path: "definition.nodes[0].prompt",
      message: 'node "n1": prompt {{#input.a}}: sections nest at most 2 deep (this one is inside 2)',
    });
  });

  it("refuses a condition nested too deep, naming the expression", () => {
    let expression: unknown = true;
    for (let i = 0; i < 40; i++) expression = { "!": [expression] };
    expect(firstIssue(graph([{ id: "c", type: "condition", expression }]))).toEqual({
      path: "definition.nodes[0].expression",
      message: 'node "c": expression nests deeper than 32 levels',
    });
  });

  it("checks a director's allowed_tools", () => {
    const director = { id: "d", type: "director", prompt: "Plan" };
    expect(firstIssue(graph([{ ...director, tool: "shell" }]))).toEqual({
      path: "definition.nodes[0].allowed_tools",
      message:
        'node "d": a director whose tool is shell must list allowed_tools (a plan gets shell only when it is listed)',
    });
    expect(firstIssue(graph([{ ...director, tool: "ollama", allowed_tools: ["ollama", "hammer"] }])).path).toBe(
      "definition.nodes[0].allowed_tools[1]",
    );
    expect(firstIssue(graph([{ ...director, tool: "ollama", allowed_tools: ["ollama", "ollama"] }]))).toEqual({
      path: "definition.nodes[0].allowed_tools",
      message: 'node "d": allowed_tools lists a tool twice',
    });
    const workflow = parseWorkflow(
      graph([{ ...director, tool: "shell", allowed_tools: ["shell"], render_plan_prompts: true }]),
    );
    expect(workflow.definition.nodes[0]).toMatchObject({ allowed_tools: ["shell"], render_plan_prompts: true });
  });
});

describe("nodes that work on a repository", () => {
  const code = () => structuredClone(implementReviewFix) as any;

  it("accepts repo (templates over input and context) and a workspace continuing an upstream node", () => {
    const workflow = parseWorkflow(code());
    expect(workflow.definition.nodes[0]).toMatchObject({ repo: { url: "{{input.repo}}", ref: "main", push: false } });
    expect(workflow.definition.nodes[2]).toMatchObject({ workspace: { from: "implement" } });
  });

  it("refuses repo and workspace on one node", () => {
    const body = code();
    body.definition.nodes[2].repo = { url: "file:///srv/git/app.git" };
    expect(firstIssue(body)).toEqual({
      path: "definition.nodes[2].workspace",
      message:
        'node "fix": a node works on a new repository (repo) or continues an upstream change (workspace), not both',
    });
  });

  it("refuses a tool that does not edit files", () => {
    const body = code();
    body.definition.nodes[2].tool = "ollama";
    expect(firstIssue(body)).toMatchObject({
      path: "definition.nodes[2].tool",
      message: expect.stringMatching(/^node "fix": a node with workspace needs a tool that edits files \(claude_code/),
    });
  });

  it.each([
    ["url", "ext::sh%20-c%20touch", "repo.url must not use a git remote helper"],
    ["url", "https://user:token@git.example/app.git", "repo.url must not contain a password"],
    ["url", "{{nodes.review.output}}", "repo.url {{nodes.review.output}}: names start with input, context here"],
    ["ref", "--upload-pack=evil", "repo.ref must not start with '-'"],
    ["ref", "main..dev", "repo.ref must not contain '..'"],
    ["ref", "{{secret}}", "repo.ref {{secret}}: names start with input, context here"],
  ])("refuses a repo %s of %s, naming the field", (field, value, message) => {
    const body = code();
    body.definition.nodes[0].repo[field] = value;
    const issue = firstIssue(body);
    expect(issue.path).toBe(`definition.nodes[0].repo.${field}`);
    expect(issue.message).toContain(`node "implement": ${message}`);
  });

  it("refuses a workspace.from that is unknown, itself, not upstream, or makes no change", () => {
    const from = (id: string) => {
      const body = code();
      body.definition.nodes[2].workspace.from = id;
      return firstIssue(body);
    };
    expect(from("ghost")).toEqual({
      path: "definition.nodes[2].workspace.from",
      message: 'node "fix": workspace.from names unknown node "ghost"',
    });
    expect(from("fix").message).toMatch(/workspace.from names the node itself/);
    expect(from("passed")).toEqual({
      path: "definition.nodes[2].workspace.from",
      message: 'node "fix": workspace.from: node "passed" is not upstream of this node',
    });
    expect(from("review")).toEqual({
      path: "definition.nodes[2].workspace.from",
      message: 'node "fix": workspace.from: node "review" makes no change to continue (it has no repo or workspace)',
    });
  });

  it("refuses repo and workspace on nodes other than tasks and aggregators", () => {
    const body = code();
    body.definition.nodes.push({
      id: "plan",
      type: "director",
      tool: "claude_code",
      prompt: "Plan",
      repo: body.definition.nodes[0].repo,
    });
    body.definition.edges.push({ from: "implement", to: "plan" });
    expect(firstIssue(body)).toEqual({ path: "definition.nodes[4]", message: 'node "plan": unknown field "repo"' });
  });
});
