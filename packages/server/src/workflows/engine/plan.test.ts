// Plans get no more than their director allows (review A8): only allowed_tools, and prompts as written.
import { ToolId } from "@garageswarm/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunNode } from "../graph.ts";
import { defaultPlanTools, expandPlan, fillPlanOutputs, planInstructions, planTools } from "./plan.ts";

const director = (extra: Partial<RunNode> = {}): RunNode => ({
  id: "lead",
  type: "director",
  tool: "ollama",
  prompt: "Plan",
  retries: 0,
  timeout_seconds: 60,
  requirements: {},
  max_tasks: 20,
  ...extra,
});
const none = new Set<string>();

describe("plan tools", () => {
  it("defaults to the director's own tool, never shell", () => {
    expect(defaultPlanTools("ollama")).toEqual(["ollama"]);
    expect(defaultPlanTools("shell")).toEqual([]);
    // A run stored before allowed_tools existed gets the default too.
    expect(planTools(director())).toEqual(["ollama"]);
    expect(planInstructions(director(), planTools(director()))).toContain("TOOL is one of: ollama (");
  });

  it("expands a plan only when every task's tool is allowed", () => {
    const tools = fc.constantFrom(...ToolId.options);
    fc.assert(
      fc.property(
        fc.uniqueArray(tools, { minLength: 1 }),
        fc.array(tools, { minLength: 1, maxLength: 6 }),
        (allowed, used) => {
          const plan = { tasks: used.map((tool, i) => ({ id: `t${i}`, prompt: "p", tool })) };
          const result = expandPlan(director({ allowed_tools: allowed }), JSON.stringify(plan), null, none, none);
          const permitted = used.every((tool) => allowed.includes(tool));
          expect(result.ok).toBe(permitted);
          if (result.ok) expect(result.expansion.nodes.every((node) => allowed.includes(node.tool!))).toBe(true);
          else
            expect(result.error).toMatch(
              /^bad plan: task "t\d+" uses tool "\w+", which director "lead" does not allow/,
            );
        },
      ),
    );
  });
});

describe("plan prompts", () => {
  const node = (output: string) => ({
    output,
    json: null,
    status: "completed",
    exit_code: 0,
    error: null,
    branch: null,
    diff: null,
    check: null,
    files: [],
  });
  const view = {
    input: { x: 1 },
    context: { token: "s3cret" },
    nodes: { a: node("A"), graph: node("G") },
    upstream: [],
  };

  it("fills in only the outputs of the plan's own tasks; everything else stays as written", () => {
    const prompt =
      "{{nodes.a.output}}|{{ nodes.a.output }}|{{nodes.graph.output}}|{{context.token}}|{{#input.x}}y{{/input.x}}";
    expect(fillPlanOutputs(prompt, view, new Set(["a"]))).toBe(
      "A|A|{{nodes.graph.output}}|{{context.token}}|{{#input.x}}y{{/input.x}}",
    );
  });

  it("marks plan tasks literal unless the director renders plan prompts", () => {
    const plan = JSON.stringify({ tasks: [{ id: "a", prompt: "{{context.token}}", tool: "ollama" }] });
    const literal = expandPlan(director(), plan, null, none, none);
    expect(literal.ok && literal.expansion.nodes[0]!.literal_prompt).toBe(true);
    const rendered = expandPlan(director({ render_plan_prompts: true }), plan, null, none, none);
    expect(rendered.ok && rendered.expansion.nodes[0]!.literal_prompt).toBeUndefined();
  });
});
