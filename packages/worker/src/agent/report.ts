// What a finished attempt reports: the body the server takes (TaskComplete, TaskFail) with its task and
// kind. Apart from the outbox that keeps reports on disk, so that the browser worker can send them too.
import { TaskComplete, TaskFail, TaskResult } from "@garageswarm/protocol";
import { z } from "zod";

/** A report is the body the server takes (TaskComplete, TaskFail), with its task and kind. */
export const Report = z.discriminatedUnion("kind", [
  z.object({ ...TaskComplete.shape, kind: z.literal("complete"), task_id: z.string() }),
  z.object({
    ...TaskFail.shape,
    kind: z.literal("fail"),
    task_id: z.string(),
    retryable: z.boolean(),
    /** What the run produced before it failed; only the WebSocket's task.fail carries it. */
    result: TaskResult.optional(),
  }),
]);
export type Report = z.infer<typeof Report>;
