// applyAll (a batch of events in one transition, as the run driver feeds them) must reach what applying
// the same events one by one reaches, and on any DAG run every node once, after its dependencies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../compile.ts";
import type { RunGraph } from "../graph.ts";
import { parseWorkflow } from "../validate.ts";
import { apply, applyAll, type RunAction, type RunEvent, type RunState, start } from "./state.ts";
import { shipFeature } from "./test-examples.ts";

const options = { random: () => 0.5 };

function graphOf(body: unknown): RunGraph {
  const workflow = parseWorkflow(body);
  return compileWorkflow(workflow.workflow_type, workflow.definition);
}

/** Completes, in batches, whatever is running, feeding each batch to `feed`; returns the dispatch order. */
function drive(
  graph: RunGraph,
  feed: (state: RunState, events: RunEvent[]) => { state: RunState; actions: RunAction[] },
  output: (nodeId: string) => string,
) {
  const begun = start(graph, {}, options);
  let state = begun.state;
  const dispatched: string[] = [];
  let pending = begun.actions;
  for (let round = 0; round < 100 && pending.length > 0; round++) {
    const created: RunEvent[] = [];
    const finished: RunEvent[] = [];
    for (const action of pending) {
      if (action.type !== "dispatch") continue;
      dispatched.push(action.node_id);
      const ref = { node_id: action.node_id, iteration: action.iteration, attempt: action.attempt };
      created.push({ type: "task_created", ...ref, task_id: `${action.node_id}#${action.iteration}` });
      finished.push({ type: "node_completed", ...ref, output: output(action.node_id) });
    }
    const afterCreate = feed(state, created);
    const afterFinish = feed(afterCreate.state, finished);
    state = afterFinish.state;
    pending = [...afterCreate.actions, ...afterFinish.actions];
  }
  return { state, dispatched };
}

const oneByOne = (graph: RunGraph) => (state: RunState, events: RunEvent[]) => {
  const actions: RunAction[] = [];
  for (const event of events) {
    const transition = apply(graph, state, event, options);
    state = transition.state;
    actions.push(...transition.actions);
  }
  return { state, actions };
};
const batched = (graph: RunGraph) => (state: RunState, events: RunEvent[]) => applyAll(graph, state, events, options);

describe("applyAll", () => {
  it("reaches the same end as one event at a time on the ship-feature loop", () => {
    const graph = graphOf(shipFeature);
    let tests = 0;
    const output = (nodeId: string) => (nodeId === "test" ? (++tests >= 3 ? "PASS" : "FAIL") : `${nodeId} ok`);
    const single = drive(graph, oneByOne(graph), output);
    tests = 0;
    const batch = drive(graph, batched(graph), output);
    expect(batch.state).toEqual(single.state);
    expect(batch.dispatched.sort()).toEqual(single.dispatched.sort());
    expect(batch.state.status).toBe("completed");
    tests = 0;
    const handedOver = drive(graph, (state, events) => applyAll(graph, state, events, options, "hand over"), output);
    expect(handedOver.state).toEqual(single.state);
  });

  it("lists what it wrote with the states before, whether it copies the state or is handed it", () => {
    const graph = graphOf(shipFeature);
    const begun = start(graph, {}, options);
    const dispatch = begun.actions.find((action) => action.type === "dispatch")!;
    const ref = { node_id: dispatch.node_id, iteration: dispatch.iteration, attempt: dispatch.attempt };
    const events: RunEvent[] = [{ type: "node_completed", ...ref, output: "done" }];
    const copied = applyAll(graph, begun.state, events, options);
    const before = structuredClone(begun.state);
    const handedOver = applyAll(graph, structuredClone(begun.state), events, options, "hand over");
    expect(handedOver.state).toEqual(copied.state);
    expect([...handedOver.changes.nodes.keys()]).toEqual([...copied.changes.nodes.keys()]);
    expect(copied.changes.nodes.get(dispatch.node_id)).toEqual(before.nodes[dispatch.node_id]);
    expect(handedOver.changes.nodes.get(dispatch.node_id)).toEqual(before.nodes[dispatch.node_id]);
    for (const id of Object.keys(copied.state.nodes)) {
      if (!copied.changes.nodes.has(id)) expect(copied.state.nodes[id]).toBe(begun.state.nodes[id]);
    }
  });

  it("leaves the state it is given as it was, and shares every node and edge the step did not change", () => {
    const graph = graphOf(shipFeature);
    const begun = start(graph, {}, options);
    const before = structuredClone(begun.state);
    const dispatch = begun.actions.find((action) => action.type === "dispatch")!;
    const ref = { node_id: dispatch.node_id, iteration: dispatch.iteration, attempt: dispatch.attempt };
    const after = applyAll(graph, begun.state, [
      { type: "task_created", ...ref, task_id: "t1" },
      { type: "node_completed", ...ref, output: "done" },
    ]).state;
    expect(begun.state).toEqual(before);
    const changed = Object.keys(after.nodes).filter((id) => after.nodes[id] !== begun.state.nodes[id]);
    expect(changed).toContain(dispatch.node_id);
    for (const id of Object.keys(after.nodes)) {
      if (!changed.includes(id)) expect(after.nodes[id]).toEqual(before.nodes[id]);
    }
    // Only the finished node and what it made ready moved: the rest of the run is the same objects.
    expect(changed.length).toBeLessThan(Object.keys(after.nodes).length);
    const changedEdges = Object.keys(after.edges).filter((id) => after.edges[id] !== begun.state.edges[id]);
    for (const id of changedEdges) expect(id.startsWith(`${dispatch.node_id}->`)).toBe(true);
  });

  it("runs every node of a random DAG exactly once, after its dependencies, and finishes", () => {
    const dag = fc.integer({ min: 1, max: 30 }).chain((size) =>
      fc.record({
        size: fc.constant(size),
        edges: fc.subarray(
          Array.from({ length: size }, (_, a) =>
            Array.from({ length: size - a - 1 }, (_, d) => [a, a + d + 1] as [number, number]),
          ).flat(),
        ),
      }),
    );
    fc.assert(
      fc.property(dag, ({ size, edges }) => {
        const graph = graphOf({
          name: "random",
          workflow_type: "graph",
          definition: {
            nodes: Array.from({ length: size }, (_, i) => ({ id: `n${i}`, type: "task", tool: "shell", prompt: "x" })),
            edges: edges.map(([a, b]) => ({ from: `n${a}`, to: `n${b}` })),
          },
        });
        const { state, dispatched } = drive(graph, batched(graph), () => "ok");
        expect(state.status).toBe("completed");
        expect(dispatched.slice().sort()).toEqual(graph.nodes.map((node) => node.id).sort());
        const position = new Map(dispatched.map((id, index) => [id, index]));
        for (const edge of graph.edges) expect(position.get(edge.from)!).toBeLessThan(position.get(edge.to)!);
      }),
    );
  });
});
