// Review A4: `{{#input.a}}` nested k deep over an n-item input made n^k iterations on the server's one thread
// (130^4 stalled every request for seconds). Sections now nest at most two deep (refused when the workflow is
// saved, naming the prompt), and a rendering stops past 10 000 iterations or 1 000 000 characters, failing
// its node with a clear message while the server keeps answering.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";

const it = serverTest();
const nest = (depth: number, body = "x") => "{{#input.a}}".repeat(depth) + body + "{{/input.a}}".repeat(depth);
const a = Array.from({ length: 130 }, (_, i) => i);

describe.skipIf(postgresStackMissing())("security A4: template cost", () => {
  it("refuses the review's 4-deep nested sections when the workflow is saved", async ({ api, user }) => {
    const body = {
      name: "tpl-bomb",
      workflow_type: "graph",
      definition: { nodes: [{ id: "n1", type: "task", tool: "ollama", prompt: nest(4, "") }], edges: [] },
    };
    const response = await api.post("/api/v1/workflows", body, { token: user.access_token });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body.errors[0]).toEqual({
      field: "body.definition.nodes[0].prompt",
      message: 'node "n1": prompt {{#input.a}}: sections nest at most 2 deep (this one is inside 2)',
    });
    const list = await api.get("/api/v1/workflows", { token: user.access_token });
    expect(list.body.items.map((workflow: { name: string }) => workflow.name)).not.toContain("tpl-bomb");
  });

  it("fails a 2-deep rendering past its iterations or its size, and the server keeps answering", async ({
    api,
    user,
  }) => {
    const as = { token: user.access_token };
    let last = "";
    const create = async (prompt: string) => {
      const response = await api.post(
        "/api/v1/workflows",
        {
          name: "tpl",
          workflow_type: "graph",
          definition: { nodes: [{ id: "n1", type: "task", tool: "ollama", prompt }] },
        },
        as,
      );
      expect(response.status).toBe(201);
      return response.body.workflow_id as string;
    };
    const run = async (workflowId: string, input: Record<string, unknown>) => {
      last = workflowId;
      const response = await api.post(`/api/v1/workflows/${workflowId}/execute`, { input }, as);
      expect(response.status).toBe(201);
      return (await api.get(`/api/v1/runs/${response.body.run_id}`, as)).body;
    };

    const iterations = await run(await create(nest(2)), { a });
    expect(iterations.status).toBe("failed");
    expect(iterations.error).toBe(
      'node "n1" failed: template failed: {{#input.a}}: sections iterated more than 10000 times in one rendering',
    );
    expect((await api.get("/health")).status).toBe(200);

    const size = await run(await create(nest(1, "{{input.s}}")), { a, s: "y".repeat(10_000) });
    expect(size.status).toBe("failed");
    expect(size.error).toBe('node "n1" failed: template failed: the rendered text is longer than 1000000 characters');
    expect((await api.get("/health")).status).toBe(200);

    // Within the limits the same template renders as before.
    const fine = await run(await create(nest(2, "{{.}}")), { a: [1, 2] });
    expect(fine.status).toBe("pending");
    const tasks = await api.get(`/api/v1/tasks?workflow_id=${last}`, as);
    expect(tasks.body.items.map((task: { prompt: string }) => task.prompt)).toEqual(["1212"]);
  });
});
