// The one rule of sharing, written once: a user_workers row grants something only while it is active and
// its recipient has accepted it. An offer (status 'offered') grants nothing: not seeing the worker, not
// running tasks on it, not acting as it. The registering owner's own row is accepted at registration.
// Every query that reads a membership as a permission builds on these fragments.
import type { WorkerRole } from "@garageswarm/protocol";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { userWorkers } from "../db/schema.ts";

/** Roles whose holder's tasks may run on the worker. */
export const RUNNING_ROLES: readonly WorkerRole[] = ["owner", "operator"];

/** Condition on a user_workers row: an accepted, active membership. */
export const isAcceptedMembership: SQL = and(eq(userWorkers.is_active, true), eq(userWorkers.status, "accepted"))!;

const roleIn = (roles: readonly WorkerRole[]) =>
  sql`${userWorkers.role} in (${sql.join(
    roles.map((role) => sql`${role}`),
    sql`, `,
  )})`;

/** Whether `userId` holds an accepted membership on `workerId` with one of `roles` (both SQL expressions). */
export function hasAcceptedRole(userId: SQL, workerId: SQL, roles: readonly WorkerRole[]): SQL {
  return sql`exists (select 1 from ${userWorkers} where ${userWorkers.worker_id} = ${workerId}
    and ${userWorkers.user_id} = ${userId} and ${roleIn(roles)} and ${isAcceptedMembership})`;
}

/** Whether the user's tasks may run on the worker: its owner, or a member who accepted a running role. */
export const mayRunTasksOn = (userId: SQL, workerId: SQL): SQL => hasAcceptedRole(userId, workerId, RUNNING_ROLES);

/** Whether the user's credentials may act as the worker (heartbeat, pull, report): it sees others' prompts. */
export const actsAsWorker = (userId: SQL, workerId: SQL): SQL => hasAcceptedRole(userId, workerId, ["owner"]);

/** The users whose tasks may run on the worker, as a subquery. */
export function runnersOf(workerId: SQL): SQL {
  return sql`select ${userWorkers.user_id} from ${userWorkers}
    where ${userWorkers.worker_id} = ${workerId} and ${roleIn(RUNNING_ROLES)} and ${isAcceptedMembership}`;
}

/** A value as a typed SQL parameter, for the fragments above. */
export const uuidParam = (value: string): SQL => sql`${value}::uuid`;
