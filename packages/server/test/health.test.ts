import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";

const it = serverTest();
// The metrics test counts requests: a server of its own, that nothing else has asked.
const metricsIt = serverTest();

describe.skipIf(postgresStackMissing())("health", () => {
  it("answers liveness", async ({ api }) => {
    const response = await api.get("/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok" });
  });

  it("answers readiness with the store and bus in use", async ({ server, api }) => {
    const response = await api.get("/health/ready");
    expect(response.status).toBe(200);
    expect(response.body.store).toBe(server.resources.store.kind);
    expect(response.body.bus).toBe(server.resources.bus.kind);
  });

  it("answers unknown routes with a problem document", async ({ api }) => {
    const response = await api.get("/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toMatchObject({ status: 404, title: "Not Found" });
  });

  it("serves the OpenAPI document", async ({ api }) => {
    const response = await api.get("/docs/json");
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
  });
});

describe.skipIf(postgresStackMissing())("metrics", () => {
  metricsIt("exposes Prometheus metrics including request durations and task counts", async ({ api }) => {
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
