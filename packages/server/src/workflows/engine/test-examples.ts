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

/** Implement on a repository, review by a second agent, fix until the check passes (docs/code-tasks-workflows.md). */
export const implementReviewFix = {
  name: "implement-review-fix",
  workflow_type: "graph" as const,
  input: { feature: "dark mode", repo: "file:///srv/git/app.git" },
  context: {},
  definition: {
    nodes: [
      {
        id: "implement",
        type: "task" as const,
        tool: "claude_code" as const,
        prompt: "Implement {{input.feature}}.",
        repo: { url: "{{input.repo}}", ref: "main", check: "npm test" },
      },
      {
        id: "review",
        type: "task" as const,
        tool: "codex_cli" as const,
        prompt: "Review branch {{nodes.implement.branch}}:\n{{nodes.implement.diff}}",
      },
      {
        id: "fix",
        type: "task" as const,
        tool: "claude_code" as const,
        prompt:
          "Address the review:\n{{nodes.review.output}}\n{{#nodes.fix.check}}The check failed:\n{{nodes.fix.check.output}}{{/nodes.fix.check}}",
        workspace: { from: "implement" },
      },
      { id: "passed", type: "condition" as const, expression: { "==": [{ var: "nodes.fix.check.exit_code" }, 0] } },
    ],
    edges: [
      { from: "implement", to: "review" },
      { from: "review", to: "fix" },
      { from: "fix", to: "passed" },
      { from: "passed", to: "fix", when: false, loop: true, max_iterations: 3 },
    ],
  },
};
