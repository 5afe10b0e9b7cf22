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

describe.skipIf(postgresStackMissing())("metrics", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it("exposes Prometheus metrics including request durations and task counts", async () => {
    const api = apiClient(server.url);
    await api.get("/health");
    const response = await api.get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(response.body).toMatch(
      /garageswarm_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} 1/,
    );
    expect(response.body).toContain("# TYPE garageswarm_tasks gauge");
    expect(response.body).toContain("process_resident_memory_bytes");
  });
});
