import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";

describe.skipIf(postgresStackMissing())("health", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it("answers liveness", async () => {
    const response = await apiClient(server.url).get("/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok" });
  });

  it("answers readiness with the store and bus in use", async () => {
    const response = await apiClient(server.url).get("/health/ready");
    expect(response.status).toBe(200);
    expect(response.body.store).toBe(server.resources.store.kind);
    expect(response.body.bus).toBe(server.resources.bus.kind);
  });

  it("answers unknown routes with a problem document", async () => {
    const response = await apiClient(server.url).get("/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toMatchObject({ status: 404, title: "Not Found" });
  });

  it("serves the OpenAPI document", async () => {
    const response = await apiClient(server.url).get("/docs/json");
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
  });
});
