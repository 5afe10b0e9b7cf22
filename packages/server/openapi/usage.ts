// The typed client in use, compiled with the generated types: a path, body or answer field the API does not
// have fails the compile, so a change to a route's schema that breaks clients shows here.
import type { Task } from "@garageswarm/protocol";
import { createApiClient } from "./client.ts";

/** Creates a task, changes it with PUT, reads it back and asks for a missing one, as a client would. */
export async function exerciseTasks(baseUrl: string, token: string) {
  const client = createApiClient(baseUrl, token);
  const created = await client.POST("/api/v1/tasks", {
    body: { description: "typed", tool: "ollama", model: "llama3.2" },
  });
  const task = created.data as Task;
  const put = await client.PUT("/api/v1/tasks/{id}", { params: { path: { id: task.task_id } }, body: { priority: 3 } });
  const read = await client.GET("/api/v1/tasks/{id}", { params: { path: { id: task.task_id } } });
  // The generated answer type and the protocol's zod type agree on the fields a client reads.
  const priority: number | undefined = read.data?.priority;
  const missing = await client.GET("/api/v1/tasks/{id}", {
    params: { path: { id: "00000000-0000-4000-8000-000000000000" } },
  });
  return {
    createdStatus: created.response.status,
    taskId: task.task_id,
    putPriority: put.data?.priority,
    read: read.data,
    priority,
    missingStatus: missing.response.status,
    missingDetail: missing.error?.detail,
  };
}
