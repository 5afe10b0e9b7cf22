// The contract shared by server, worker, CLI and dashboard. Types come from these schemas, never beside them.

export * from "./admin.ts";
export * from "./attempts.ts";
export * from "./auth.ts";
export * from "./code.ts";
export * from "./common.ts";
export * from "./enrolment.ts";
export * from "./keys.ts";
export * from "./output-events.ts";
export * from "./push.ts";
export * from "./realtime.ts";
export * from "./run-details.ts";
export * from "./settings.ts";
export * from "./tasks.ts";
export * from "./text.ts";
export * from "./tools.ts";
export * from "./workers.ts";
export * from "./workflow-edges.ts";
export * from "./workflows.ts";
