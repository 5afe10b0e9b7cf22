// Definitions the engine's tests share: the ship-feature example first.
export const shipFeature = {
  name: "ship-feature",
  workflow_type: "graph" as const,
  input: { feature: "dark mode" },
  context: {},
  schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" },
  definition: {
    nodes: [
      {
        id: "generate",
        type: "task" as const,
        tool: "claude_code" as const,
        prompt: "Write code for {{input.feature}}",
        retries: 2,
        timeout_seconds: 900,
      },
      { id: "review", type: "task" as const, tool: "gemini_cli" as const, prompt: "Review: {{nodes.generate.output}}" },
      { id: "test", type: "task" as const, tool: "claude_code" as const, prompt: "Run the tests" },
      { id: "passed", type: "condition" as const, expression: { in: ["PASS", { var: "nodes.test.output" }] } },
      { id: "deploy", type: "task" as const, tool: "claude_code" as const, prompt: "Deploy" },
      { id: "fix", type: "task" as const, tool: "claude_code" as const, prompt: "Fix: {{nodes.test.output}}" },
    ],
    edges: [
      { from: "generate", to: "review" },
      { from: "generate", to: "test" },
      { from: "review", to: "passed" },
      { from: "test", to: "passed" },
      { from: "passed", to: "deploy", when: true },
      { from: "passed", to: "fix", when: false },
      { from: "fix", to: "generate", loop: true, max_iterations: 3 },
    ],
  },
};
