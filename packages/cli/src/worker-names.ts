// Workers are shown by the name a person gave them, not by id: the API's tasks and runs carry only the id,
// so the CLI looks the names up once per command.
import type { Worker } from "@garageswarm/protocol";
import type { Client } from "./client.ts";

/** A function from worker id to its machine name; an id this credential cannot see shows as its first 8 characters. */
export async function workerNames(client: Client): Promise<(workerId: string | null | undefined) => string> {
  const names = new Map<string, string>();
  try {
    const { items } = await client.request<{ items: Worker[] }>("GET", "/api/v1/workers");
    for (const worker of items) names.set(worker.worker_id, worker.machine_name);
  } catch {
    // A worker key may not list workers: ids it is.
  }
  return (workerId) => (workerId ? (names.get(workerId) ?? workerId.slice(0, 8)) : "-");
}
