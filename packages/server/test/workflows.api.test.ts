import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, type TestUser } from "../../../test/support/users.ts";
import { shipFeature } from "../src/workflows/engine/test-examples.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("workflows API", () => {
  const as = (who: TestUser) => ({ token: who.access_token });

  it("creates, reads, updates and deletes a workflow", async ({ api, user }) => {
    const created = await api.post("/api/v1/workflows", shipFeature, as(user));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "ship-feature",
      workflow_type: "graph",
      status: "active",
      input: { feature: "dark mode" },
      schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" },
    });
    expect(created.body.definition.nodes).toHaveLength(6);
    expect(created.body.definition.nodes[1]).toMatchObject({ id: "review", retries: 0, timeout_seconds: 1800 });
    expect(created.body.definition.edges[6]).toEqual({
      from: "fix",
      to: "generate",
      loop: true,
      max_iterations: 3,
      on: "success",
    });
    const id = created.body.workflow_id;

    const read = await api.get(`/api/v1/workflows/${id}`, as(user));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const renamed = await api.patch(
      `/api/v1/workflows/${id}`,
      { name: "ship it", status: "disabled", schedule: null },
      as(user),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "ship it", status: "disabled", schedule: null });
    expect(renamed.body.definition).toEqual(created.body.definition);

    // PUT answers as PATCH does: only the fields given change.
    const put = await api.put(`/api/v1/workflows/${id}`, { name: "ship it again" }, as(user));
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: "ship it again", status: "disabled" });
    expect(put.body.definition).toEqual(created.body.definition);
    const badPut = await api.put(`/api/v1/workflows/${id}`, { name: "" }, as(user));
    expect(badPut.status).toBe(400);
    expect(badPut.body.errors[0].field).toBe("body.name");

    const retyped = await api.patch(
      `/api/v1/workflows/${id}`,
      {
        workflow_type: "sequential",
        definition: {
          nodes: [{ id: "only", type: "task", tool: "ollama", model: "llama3", prompt: "Hi {{input.feature}}" }],
        },
      },
      as(user),
    );
    expect(retyped.status).toBe(200);
    expect(retyped.body.definition).toEqual({
      nodes: [
        {
          id: "only",
          type: "task",
          tool: "ollama",
          model: "llama3",
          prompt: "Hi {{input.feature}}",
          retries: 0,
          timeout_seconds: 1800,
          requirements: {},
        },
      ],
      edges: [],
    });

    expect((await api.delete(`/api/v1/workflows/${id}`, as(user))).status).toBe(204);
    expect((await api.get(`/api/v1/workflows/${id}`, as(user))).status).toBe(404);
    expect((await api.delete(`/api/v1/workflows/${id}`, as(user))).status).toBe(404);
  });

  it("keeps each node's editor position with the definition", async ({ api, user }) => {
    const placed = structuredClone(shipFeature) as typeof shipFeature & {
      definition: { nodes: Record<string, unknown>[] };
    };
    placed.definition.nodes[0]!.position = { x: 120, y: -80 };
    const created = await api.post("/api/v1/workflows", placed, as(user));
    expect(created.status).toBe(201);
    expect(created.body.definition.nodes[0].position).toEqual({ x: 120, y: -80 });
    expect(created.body.definition.nodes[1].position).toBeUndefined();
    const read = await api.get(`/api/v1/workflows/${created.body.workflow_id}`, as(user));
    expect(read.body.definition.nodes[0].position).toEqual({ x: 120, y: -80 });
  });

  it("keeps the node and edge index in step with the definition", async ({ server, api, user }) => {
    const created = await api.post("/api/v1/workflows", shipFeature, as(user));
    const { workflowNodes, workflowEdges } = await import("../src/db/schema.ts");
    const { eq } = await import("drizzle-orm");
    const db = server.resources.db;
    const nodes = await db.select().from(workflowNodes).where(eq(workflowNodes.workflow_id, created.body.workflow_id));
    expect(nodes.sort((a, b) => a.position - b.position).map((node) => [node.node_id, node.node_type])).toEqual([
      ["generate", "task"],
      ["review", "task"],
      ["test", "task"],
      ["passed", "condition"],
      ["deploy", "task"],
      ["fix", "task"],
    ]);
    const edges = await db.select().from(workflowEdges).where(eq(workflowEdges.workflow_id, created.body.workflow_id));
    expect(edges).toHaveLength(7);
    expect(edges.find((edge) => edge.from_node === "fix")?.config).toMatchObject({ loop: true, max_iterations: 3 });
  });

  it("lists only the caller's workflows, newest first, a page at a time", async ({ api }) => {
    const owner = await createUser(api);
    const other = await createUser(api);
    const names = ["one", "two", "three", "four", "five"];
    for (const name of names) {
      const created = await api.post("/api/v1/workflows", { ...shipFeature, name }, as(owner));
      expect(created.status).toBe(201);
    }
    await api.post("/api/v1/workflows", { ...shipFeature, name: "not yours" }, as(other));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const listed = await api.get(`/api/v1/workflows${query}`, as(owner));
      expect(listed.status).toBe(200);
      expect(listed.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...listed.body.items.map((item: { name: string }) => item.name));
      cursor = listed.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());
  });

  it("answers 404 for another user's workflow, whatever the verb, and leaves it untouched", async ({ api }) => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const created = await api.post("/api/v1/workflows", shipFeature, as(owner));
    const path = `/api/v1/workflows/${created.body.workflow_id}`;
    expect((await api.get(path, as(stranger))).status).toBe(404);
    const patched = await api.patch(path, { name: "mine now" }, as(stranger));
    expect(patched.status).toBe(404);
    expect(patched.headers.get("content-type")).toContain("application/problem+json");
    expect((await api.delete(path, as(stranger))).status).toBe(404);
    expect((await api.get(path, as(owner))).body.name).toBe("ship-feature");
  });

  it("is described in the OpenAPI document", async ({ api }) => {
    const docs = await api.get("/docs/json");
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/workflows", "/api/v1/workflows/{id}"]),
    );
    expect(Object.keys(docs.body.paths["/api/v1/workflows/{id}"])).toEqual(
      expect.arrayContaining(["get", "patch", "put", "delete"]),
    );
  });

  it("needs a signed-in user", async ({ api }) => {
    const response = await api.get("/api/v1/workflows");
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });
});
