// The task state machine. The queue is the tasks table; every transition is one guarded statement that
// also appends the task's `status` event, in transitions/ (one file per verb), built from statements.ts.
//
//   insert ──▶ queued ──claim (attempt + 1)──▶ assigned ──start──▶ running ──complete──▶ completed
//   (API and   ▲ ▲ ▲                            │  │                 │
//   workflow)  │ │ └──at once, attempt − 1 ◀────┘  │                 │   offer unanswered or refused in time, or
//              │ │                                 │                 │   lost when the worker reconnected without it
//              │ │                                 ├─────────────────┼──fail (retryable, attempts left)──┐
//              │ │                                 ├─────────────────┼──lease expired (attempts left)────┤
//              │ └──available_at = now + backoff ◀─┴─────────────────┴───────────────────────────────────┘
//              │                                   ├─────────────────┼──park (the tool hit a usage limit)──┐
//              └──available_at = the reset (wait) or now (failover) ◀┴─────────────────────────────────────┘
//                                                  ├──fail (final) / lease expired (no attempts left) ──▶ failed
//                                                  └──timeout_seconds passed while running ───────────▶ timed_out
//   queued | assigned | running ──cancel (its user, or its workflow run)──▶ cancelled
//   assigned | running ──the member's share of the worker ended──▶ queued at once (assigned: attempt − 1;
//                                                                  running with no attempts left: failed)
//   assigned | running ──a lease held across a store outage ran out──▶ queued at once, the attempt not counted
//   `pending` is in the protocol's TaskStatus for clients that read it, but nothing produces it: a workflow
//   node's task is inserted `queued` when the engine dispatches the node.
//
// Transitions, and where each is written:
//   insert                    insertTasks                                        transitions/insert.ts
//   claim                     claimTask, writeScores                             transitions/claim.ts
//   start, progress           startAttempt, recordProgress                       transitions/report.ts
//   complete, fail, park      completeAttempt, failAttempt, parkAttempt          transitions/report.ts
//   complete (a code task)    completeCodeAttempt (with its patch, one transaction) transitions/report.ts
//   offer take-back           takeBackOffer, releaseUndeliveredOffers            transitions/offers.ts
//   share ended               handBackTasksOfMember                              transitions/offers.ts
//   cancel                    cancelTask                                         transitions/cancel.ts
//   lease renewal             renewLeases, renewLeasesStatement (heartbeat)      transitions/leases.ts
//   lease cut short           expireLeasesOfWorker, markSilentWorkersOffline     transitions/leases.ts
//   lease grace               extendHeldLeases (after a restart or an outage)    restart-grace.ts
//   lease expiry, timeout     expireLeases, timeOutOverdueTasks                  transitions/expire.ts
//
// Invariants:
// - claim: `WHERE status = 'queued' AND available_at <= now`, row locked FOR UPDATE SKIP LOCKED, so one
//   task goes to exactly one worker; it sets attempt + 1, a fresh `lease_token` and `lease_expires_at`, and
//   `tool` to the first of the task's `tools` the worker can run now (allocator/tool-choice.ts).
// - start, progress, complete, fail, park: `WHERE status IN HELD AND lease_token = <token>` (statements.ts
//   `fenced`): the token is the fence, so a presumed-dead worker's late report changes nothing (409).
// - an offer (assigned, not yet started) is not an attempt: taking it back returns the attempt count, and
//   the next claim's fresh token fences the old one off.
// - attempts used = attempt - limited_attempts - excused_attempts: a park adds 1 to limited_attempts, and a
//   lease held across a store outage that runs out adds 1 to excused_attempts (queue/reaper.ts), so neither
//   counts against max_attempts, while attempt numbers stay unique.
// - park marks the worker's tool limited (workers.tools[].limited_until, the later of the old and the new)
//   in the same statement, so no claim can pick that tool there before the reset; it stores `resume` (the
//   worker, the tool and the agent session) only when the worker reported a session.
// - a failure or a lost lease clears `parked` and `resume`: the retry starts a fresh session.
// - claim considers only users who own the worker or accepted a share of it (workers/membership.ts), and
//   records whose machine it is (worker_owner_user_id) beside worker_id.
// - re-queue clears worker_id (and its owner), lease_token and lease_expires_at: the old token can never
//   match again; `tool` goes back to the first of `tools` (the next claim chooses again).
// - a cancelled held task keeps its worker_id, so its worker can be told to stop.
// - the reaper's UPDATEs carry the same guards, so any number of replicas may run it at once.
// - a code task (one with `repo`) completes with its patch in task_patches in the same transaction; its
//   review (unreviewed → changes_requested | accepted) is a column of its own, not a task status
//   (code/queries.ts), and a review round is a new task that follows it (code/service.ts).
// Every transition appends a `status` row to task_events in the same statement.
import type { TaskStatus } from "@garageswarm/protocol";

/** Statuses a worker holds the task in: under a lease, and not to be edited or deleted by its user. */
export const HELD_STATUSES = ["assigned", "running"] as const satisfies TaskStatus[];
/** Statuses that can still be cancelled. */
export const LIVE_STATUSES = ["queued", ...HELD_STATUSES] as const satisfies TaskStatus[];
/** Statuses no transition leaves. */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "timed_out"] as const satisfies TaskStatus[];
