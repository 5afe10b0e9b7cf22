// A worker's `hello` on its socket: record what it says it is, renew the leases of the tasks it still
// runs, release the offers it never got (their session closed), and name those it must stop.
import type { WorkerToServer } from "@garageswarm/protocol";
import { findTasksToStop } from "../queue/queries.ts";
import { releaseUndeliveredOffers } from "../queue/service.ts";
import { leaseExpiresAt } from "../queue/timing.ts";
import { renewLeases } from "../queue/transitions/leases.ts";
import type { Resources } from "../resources.ts";
import { publishWorkerUpdated } from "../workers/service.ts";
import { updateWorkerFromHello } from "./queries.ts";

type Hello = Extract<WorkerToServer, { type: "hello" }>["data"];

export interface Greeting {
  /** The tasks it runs that are still its own. */
  held: string[];
  /** The tasks it runs that are not its own any more (cancelled, re-queued, gone): it must stop them. */
  stop: string[];
}

/** Null when the machine id is not this worker's (a misconfigured copy): it must register first. */
export async function greetWorker(resources: Resources, workerId: string, hello: Hello): Promise<Greeting | null> {
  const { db, clock, config } = resources;
  const updated = await updateWorkerFromHello(db, workerId, hello, clock.now());
  if (!updated) return null;
  // The dashboards hear of a worker coming back as they do when a heartbeat brings it back.
  if (updated.was_offline) await publishWorkerUpdated(resources, updated);
  const now = clock.now();
  const running = hello.running.map((entry) => entry.task_id);
  await renewLeases(db, workerId, running, leaseExpiresAt(config, now));
  await releaseUndeliveredOffers(resources, workerId, running);
  const stop = await findTasksToStop(db, workerId, running);
  return { held: running.filter((taskId) => !stop.includes(taskId)), stop };
}
