import { describe, expect, it } from "vitest";
import { documentedUrl, operationIdOf } from "./openapi.ts";

describe("OpenAPI operation ids", () => {
  it("are the method and the path's words, parameters as By…", () => {
    expect(operationIdOf("GET", "/api/v1/tasks/:id")).toBe("getTasksById");
    expect(operationIdOf("POST", "/api/v1/runs/:id/nodes/:node_id/approve")).toBe("postRunsByIdNodesByNodeIdApprove");
    expect(operationIdOf("GET", "/api/v1/enrolment-codes")).toBe("getEnrolmentCodes");
    expect(operationIdOf("GET", "/health/ready")).toBe("getHealthReady");
    expect(operationIdOf("GET", "/install.sh")).toBe("getInstallSh");
    expect(operationIdOf("PUT", "/api/v1/workflows/:id")).toBe("putWorkflowsById");
  });

  it("paths lose a trailing slash, the root keeps its one", () => {
    expect(documentedUrl("/api/v1/tasks/")).toBe("/api/v1/tasks");
    expect(documentedUrl("/")).toBe("/");
  });
});
