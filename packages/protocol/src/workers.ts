import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";
import { Label } from "./tasks.ts";
import { storableText } from "./text.ts";
import { WorkerTool } from "./tools.ts";

/** How a user may use a worker: `owner` manages it, `operator` may run tasks on it, `viewer` may only see it. */
export const WorkerRole = z.enum(["owner", "operator", "viewer"]);
export type WorkerRole = z.infer<typeof WorkerRole>;

/**
 * Whether the server hears from the worker: `online` since its registration, `hello` or heartbeat; `offline`
 * once silent for three heartbeat intervals, or when its owner is disabled. Draining is not a status but the
 * `draining` flag beside it (either status may drain), and a deleted worker has no status: it is gone, and
 * `worker.updated` says `deleted` (WorkerUpdateStatus).
 */
export const WorkerStatus = z.enum(["online", "offline"]);
export type WorkerStatus = z.infer<typeof WorkerStatus>;

/** The status a `worker.updated` event carries: the worker's status after the change, or `deleted`. */
export const WorkerUpdateStatus = z.enum([...WorkerStatus.options, "deleted"]);
export type WorkerUpdateStatus = z.infer<typeof WorkerUpdateStatus>;

export const WorkerCapacity = z
  .object({
    cpu_cores: z.number().int().nonnegative().max(10_000).optional(),
    memory_gb: z.number().nonnegative().max(100_000).optional(),
    disk_gb: z.number().nonnegative().max(10_000_000).optional(),
  })
  .strict();
export type WorkerCapacity = z.infer<typeof WorkerCapacity>;

export const WorkerRegister = z
  .object({
    /** Generated once and kept in the worker's state dir; re-registering the same one updates the worker. */
    machine_id: storableText(200).pipe(z.string().min(1, "is required")),
    machine_name: storableText(200).pipe(z.string().min(1, "is required")),
    platform: storableText(100).pipe(z.string().min(1, "is required")),
    tools: z.array(WorkerTool).max(50),
    /** How many tasks the worker runs at once. */
    slots: z.number().int().min(1).max(256).default(1),
    labels: z.array(Label).max(50).default([]),
    capacity: WorkerCapacity.default({}),
    version: storableText(100).optional(),
  })
  .strict();
export type WorkerRegister = z.infer<typeof WorkerRegister>;

const Percent = z.number().min(0).max(100);

/** A phone's battery, from the Battery Status API where the browser has it. */
export const WorkerBattery = z
  .object({
    level_percent: Percent,
    charging: z.boolean(),
  })
  .strict();
export type WorkerBattery = z.infer<typeof WorkerBattery>;

export const Worker = z.object({
  worker_id: Uuid,
  owner_user_id: Uuid,
  /** Whose machine it is: the registering owner's username. */
  owner_username: z.string(),
  machine_id: z.string(),
  machine_name: z.string(),
  platform: z.string(),
  status: WorkerStatus,
  /** A draining worker finishes what it holds and takes nothing new. */
  draining: z.boolean(),
  tools: z.array(WorkerTool),
  labels: z.array(z.string()),
  capacity: WorkerCapacity,
  slots: z.number().int(),
  /** Tasks assigned to or running on the worker now. */
  running_tasks: z.number().int(),
  cpu_percent: z.number().nullable(),
  memory_percent: z.number().nullable(),
  disk_percent: z.number().nullable(),
  /** The battery at the last heartbeat that carried one; null for machines that report none. */
  battery: WorkerBattery.nullable(),
  version: z.string().nullable(),
  last_heartbeat_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  /** The caller's role on this worker. */
  role: WorkerRole,
});
export type Worker = z.infer<typeof Worker>;

/** Answer to register: the worker, and how often the server expects to hear from it. */
export const WorkerRegistered = Worker.extend({ heartbeat_interval_seconds: z.number() });
export type WorkerRegistered = z.infer<typeof WorkerRegistered>;

const resourceFields = ["cpu_percent", "memory_percent", "disk_percent"] as const;

export const Heartbeat = z
  .object({
    /** Omitted by a worker that cannot measure them (a browser on a phone); the worker then shows none. */
    cpu_percent: Percent.optional(),
    memory_percent: Percent.optional(),
    disk_percent: Percent.optional(),
    /** Sent by a worker that runs on a battery it can read (the phone worker). */
    battery: WorkerBattery.optional(),
    /** Tasks the worker holds now; their leases are renewed. */
    running_task_ids: z.array(Uuid).max(1000).default([]),
    /** The tools as detected now (health changes); omitted means unchanged. */
    tools: z.array(WorkerTool).max(50).optional(),
  })
  .strict()
  .superRefine((beat, context) => {
    // The resources are one sample: all three, or none (a worker that cannot measure them).
    const given = resourceFields.filter((field) => beat[field] !== undefined);
    if (given.length === 0 || given.length === resourceFields.length) return;
    for (const field of resourceFields) {
      if (beat[field] === undefined) {
        context.addIssue({ code: "custom", path: [field], message: `is required with ${given.join(", ")}` });
      }
    }
  });
export type Heartbeat = z.infer<typeof Heartbeat>;

export const HeartbeatAnswer = z.object({
  heartbeat_interval_seconds: z.number(),
  /** Reported tasks this worker must stop: cancelled, or no longer its own (lease lost, deleted). */
  cancel_task_ids: z.array(Uuid),
});
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;

export const PullQuery = z
  .object({
    /** Seconds to wait for a task before answering 204 (long-poll). */
    wait: z.coerce.number().int().min(0).max(30).default(0),
  })
  .strict();
export type PullQuery = z.infer<typeof PullQuery>;

/**
 * Offers the worker to a user. The offer grants nothing until its recipient accepts it; the answer is the
 * same whether or not the user exists, so the sharer cannot probe for usernames.
 */
export const WorkerShare = z
  .object({
    username: z.string().trim().min(1).max(254).optional(),
    user_id: Uuid.optional(),
    role: WorkerRole,
  })
  .strict()
  .refine((value) => (value.username === undefined) !== (value.user_id === undefined), {
    message: "give exactly one of username or user_id",
    path: ["username"],
  });
export type WorkerShare = z.infer<typeof WorkerShare>;

/**
 * `offered`: an offer waits for the recipient (also the answer when no such user exists); `accepted`: an
 * accepted member's role was narrowed in place (narrowing needs no consent).
 */
export const WorkerShareAnswer = z.object({ status: z.enum(["offered", "accepted"]) });
export type WorkerShareAnswer = z.infer<typeof WorkerShareAnswer>;

/** A user who accepted a role on the worker (pending offers are shown to their recipient only). */
export const WorkerMember = z.object({
  user_id: Uuid,
  username: z.string(),
  role: WorkerRole,
  created_at: Timestamp,
  /** When the member accepted (the registering owner: when the worker was registered). */
  accepted_at: Timestamp.nullable(),
});
export type WorkerMember = z.infer<typeof WorkerMember>;

/** A worker offered to you: nothing of yours runs on it until you accept. */
export const WorkerOffer = z.object({
  worker_id: Uuid,
  machine_name: z.string(),
  platform: z.string(),
  tools: z.array(WorkerTool),
  /** The role you would get: `operator` runs your tasks on it; `owner` also lets your keys act as it. */
  role: WorkerRole,
  owner_user_id: Uuid,
  owner_username: z.string(),
  /** Who made the offer; null when that user was since deleted. */
  offered_by_user_id: Uuid.nullable(),
  offered_by_username: z.string().nullable(),
  offered_at: Timestamp,
});
export type WorkerOffer = z.infer<typeof WorkerOffer>;

/** The body may be omitted: draining is what the endpoint is for. */
export const WorkerDrain = z
  .object({ draining: z.boolean().default(true) })
  .strict()
  .nullish();
export type WorkerDrain = z.infer<typeof WorkerDrain>;

export const WorkerShareParams = z.object({ id: Uuid, user_id: Uuid });
