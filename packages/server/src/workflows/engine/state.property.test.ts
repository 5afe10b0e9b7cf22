// Property: on any DAG, driven in any completion order (with pauses, resumes, pickups and stale replays mixed
// in), every node runs exactly once, never before all its dependencies completed, and the run finishes; it is
// pending exactly until a task is picked up or completes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../compile.ts";
import { parseWorkflow } from "../validate.ts";
import { RunHarness } from "./test-harness.ts";

const dag = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    // Edges only go from a lower to a higher index, so the graph is acyclic by construction.
    edges: fc.subarray(
      Array.from({ length: size }, (_, a) =>
        Array.from({ length: size - a - 1 }, (_, d) => [a, a + d + 1] as [number, number]),
      ).flat(),
    ),
    choices: fc.array(fc.nat(1000), { minLength: 200, maxLength: 200 }),
  }),
);

function build(size: number, edges: [number, number][], retries = 0) {
  const workflow = parseWorkflow({
    name: "random",
    workflow_type: "graph",
    definition: {
      nodes: Array.from({ length: size }, (_, i) => ({
        id: `n${i}`,
        type: "task",
        tool: "shell",
        prompt: `node ${i}`,
        retries,
      })),
      edges: edges.map(([a, b]) => ({ from: `n${a}`, to: `n${b}` })),
    },
  });
  return compileWorkflow("graph", workflow.definition);
}

describe("the run state machine on random DAGs", () => {
  it("runs every node exactly once, after its dependencies, and finishes", () => {
    fc.assert(
      fc.property(dag, ({ size, edges, choices }) => {
        const graph = build(size, edges);
        const run = new RunHarness(graph);
        const dependencies = (id: string) => graph.edges.filter((edge) => edge.to === id).map((edge) => edge.from);
        let seen = 0;
        const checkNewDispatches = () => {
          for (const action of run.dispatched.slice(seen)) {
            for (const dependency of dependencies(action.node_id)) {
              expect(run.state.nodes[dependency]!.status).toBe("completed");
            }
          }
          seen = run.dispatched.length;
        };
        checkNewDispatches();
        let begun = false;
        const done: { id: string; attempt: number }[] = [];
        for (const choice of choices) {
          if (run.finished()) break;
          const running = run.running();
          if (choice % 10 === 0) run.send({ type: run.state.status === "paused" ? "resume" : "pause" });
          else if (choice % 10 === 2 && running.length > 0) {
            const id = running[choice % running.length]!;
            expect(run.send({ type: "task_started", node_id: id, iteration: 0, attempt: 1 })).toEqual([]);
            begun = true;
          } else if (choice % 10 === 1 && done.length > 0) {
            // A duplicate of an old result must change nothing.
            const old = done[choice % done.length]!;
            const actions = run.send({
              type: "node_completed",
              node_id: old.id,
              iteration: 0,
              attempt: old.attempt,
              output: "dup",
            });
            expect(actions).toEqual([]);
          } else if (running.length > 0) {
            const id = running[choice % running.length]!;
            done.push({ id, attempt: run.state.nodes[id]!.attempt });
            run.complete(id, `out ${id}`);
            begun = true;
          } else if (run.state.status === "paused") {
            run.send({ type: "resume" });
          }
          checkNewDispatches();
          if (!run.finished() && run.state.status !== "paused") {
            expect(run.state.status).toBe(begun ? "running" : "pending");
          }
        }
        // Whatever is left (the choices ran out): resume and finish in definition order.
        if (run.state.status === "paused") run.send({ type: "resume" });
        for (let running = run.running(); running.length > 0; running = run.running()) {
          run.complete(running[0]!, `out ${running[0]}`);
          checkNewDispatches();
        }
        expect(run.finished()).toMatchObject({ status: "completed" });
        const counts = new Map<string, number>();
        for (const action of run.dispatched) counts.set(action.node_id, (counts.get(action.node_id) ?? 0) + 1);
        expect([...counts.keys()].sort()).toEqual(graph.nodes.map((node) => node.id).sort());
        expect([...counts.values()].every((count) => count === 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("with failing attempts: never more than retries + 1 attempts per node, and the run always finishes", () => {
    fc.assert(
      fc.property(dag, ({ size, edges, choices }) => {
        const graph = build(size, edges, 2);
        const run = new RunHarness(graph);
        let i = 0;
        const next = () => choices[i++ % choices.length]!;
        for (let step = 0; step < 500 && !run.finished(); step += 1) {
          const waiting = Object.entries(run.state.nodes).filter(([, node]) => node.status === "waiting_retry");
          const running = run.running();
          const choice = next();
          if (waiting.length > 0 && (running.length === 0 || choice % 2 === 0)) {
            run.retryDue(waiting[choice % waiting.length]![0]);
          } else if (running.length > 0) {
            const id = running[choice % running.length]!;
            if (choice % 3 === 0) run.fail(id, "flaky");
            else run.complete(id, "ok");
          }
        }
        const finished = run.finished();
        expect(finished).not.toBeNull();
        const attempts = new Map<string, number>();
        for (const action of run.dispatched)
          attempts.set(action.node_id, Math.max(attempts.get(action.node_id) ?? 0, action.attempt));
        expect([...attempts.values()].every((attempt) => attempt <= 3)).toBe(true);
        if (finished?.type === "run_finished" && finished.status === "completed") {
          expect(Object.values(run.state.nodes).every((node) => node.status === "completed")).toBe(true);
        } else {
          expect(run.state.error).toMatch(/^node "n\d+" failed: flaky$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
