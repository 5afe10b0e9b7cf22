// Bad definitions get a 400 problem document naming the node or edge at fault, and nothing is stored.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { shipFeature } from "../src/workflows/engine/test-examples.ts";

type Mutate = (body: any) => void;

const it = serverTest();

describe.skipIf(postgresStackMissing())("workflows API: bad input", () => {
  const cases: [string, Mutate, string, string | RegExp][] = [
    [
      "a task without a tool",
      (body) => delete body.definition.nodes[4].tool,
      "body.definition.nodes[4].tool",
      'node "deploy": tool is required',
    ],
    [
      "an unknown tool",
      (body) => {
        body.definition.nodes[2].tool = "hammer";
      },
      "body.definition.nodes[2].tool",
      /^node "test": tool must be one of claude_code/,
    ],
    [
      "an unknown node type",
      (body) => {
        body.definition.nodes[3] = { id: "passed", type: "oracle" };
      },
      "body.definition.nodes[3].type",
      /^node "passed": type must be one of task, condition/,
    ],
    [
      "an unknown field",
      (body) => {
        body.definition.nodes[0].priority = 5;
      },
      "body.definition.nodes[0]",
      'node "generate": unknown field "priority"',
    ],
    [
      "duplicate node ids",
      (body) => {
        body.definition.nodes[5].id = "deploy";
      },
      "body.definition.nodes[5].id",
      'duplicate node id "deploy" (also nodes[4])',
    ],
    [
      "an edge to an unknown node",
      (body) => {
        body.definition.edges[4].to = "prod";
      },
      "body.definition.edges[4].to",
      'edge "passed->prod": unknown node "prod"',
    ],
    [
      "a cycle not marked loop",
      (body) => {
        body.definition.edges[6] = { from: "fix", to: "generate" };
      },
      "body.definition.edges[6]",
      /^edge "fix->generate" closes a cycle \(generate -> review -> passed -> fix -> generate\)/,
    ],
    [
      "a loop without max_iterations",
      (body) => delete body.definition.edges[6].max_iterations,
      "body.definition.edges[6].max_iterations",
      'loop edge "fix->generate" needs max_iterations',
    ],
    [
      "a node position that is not a number",
      (body) => {
        body.definition.nodes[0].position = { x: "left", y: 0 };
      },
      "body.definition.nodes[0].position.x",
      'node "generate": x must be a number',
    ],
    [
      "an unparseable template",
      (body) => {
        body.definition.nodes[1].prompt = "Review {{nodes.generate.output";
      },
      "body.definition.nodes[1].prompt",
      /^node "review": prompt cannot be parsed: Unclosed tag/,
    ],
    [
      "a template naming a node that is not upstream",
      (body) => {
        body.definition.nodes[1].prompt = "Review {{nodes.deploy.output}}";
      },
      "body.definition.nodes[1].prompt",
      'node "review": prompt {{nodes.deploy.output}} refers to node "deploy", which is not upstream of this node',
    ],
    [
      "a condition with an unknown operator",
      (body) => {
        body.definition.nodes[3].expression = { matches: [{ var: "nodes.test.output" }, "PASS"] };
      },
      "body.definition.nodes[3].expression",
      'node "passed": expression unknown operator "matches"',
    ],
    [
      "a bad cron expression",
      (body) => {
        body.schedule.cron = "at nine";
      },
      "body.schedule.cron",
      /^schedule: cron "at nine" is not valid/,
    ],
    ["a missing name", (body) => delete body.name, "body.name", "name is required"],
  ];

  it.for(cases)("rejects %s", async ([, mutate, field, message], { api, user }) => {
    const body = structuredClone(shipFeature);
    mutate(body);
    const response = await api.post("/api/v1/workflows", body, { token: user.access_token });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    // Every issue is listed; the first is the one the detail names.
    expect(response.body.errors.length).toBeGreaterThanOrEqual(1);
    expect(response.body.errors[0].field).toBe(field);
    expect(response.body.errors[0].message).toMatch(message);
    expect(response.body.detail).toMatch(message);
  });

  it("stores nothing when the body is rejected", async ({ api }) => {
    const fresh = await createUser(api);
    const body = structuredClone(shipFeature) as any;
    body.definition.edges[0].from = "nowhere";
    expect((await api.post("/api/v1/workflows", body, { token: fresh.access_token })).status).toBe(400);
    expect((await api.get("/api/v1/workflows", { token: fresh.access_token })).body.items).toEqual([]);
  });

  it("validates an update against the whole workflow, and keeps the stored one on failure", async ({ api, user }) => {
    const created = await api.post("/api/v1/workflows", shipFeature, { token: user.access_token });
    const path = `/api/v1/workflows/${created.body.workflow_id}`;
    // Graph nodes with a condition are no sequential workflow.
    const retyped = await api.patch(path, { workflow_type: "sequential" }, { token: user.access_token });
    expect(retyped.status).toBe(400);
    expect(retyped.body.errors[0]).toEqual({
      field: "body.definition.nodes[3].type",
      message: 'node "passed": a sequential workflow has no condition nodes',
    });
    const badStatus = await api.patch(path, { status: "sleeping" }, { token: user.access_token });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors[0].field).toBe("body.status");
    const unknown = await api.patch(path, { colour: "red" }, { token: user.access_token });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].message).toBe('unknown field "colour"');
    expect((await api.get(path, { token: user.access_token })).body).toEqual(created.body);
  });

  it("answers malformed ids, JSON and cursors with 4xx, never 500", async ({ api, user }) => {
    const token = { token: user.access_token };
    expect((await api.get("/api/v1/workflows/not-a-uuid", token)).status).toBe(400);
    const patched = await api.patch("/api/v1/workflows/not-a-uuid", { name: "x" }, token);
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].field).toBe("path.id");
    expect((await api.request("POST", "/api/v1/workflows", { ...token, rawBody: "{nope" })).status).toBe(400);
    expect((await api.post("/api/v1/workflows", [1, 2], token)).status).toBe(400);
    expect((await api.get("/api/v1/workflows?cursor=garbage", token)).status).toBe(400);
    expect((await api.patch("/api/v1/workflows/00000000-0000-4000-8000-000000000000", [], token)).status).toBe(400);
    expect((await api.patch("/api/v1/workflows/00000000-0000-4000-8000-000000000000", {}, token)).status).toBe(404);
  });
});
