// Which occurrence of a schedule is due. Policy for occurrences missed while no server ran (docs/workflow-schedules.md):
// only the latest one that passed fires, once; older ones are skipped; none from before the schedule was set.
import type { Schedule } from "@garageswarm/protocol";
import { Cron } from "croner";

/** The latest occurrence at or before `now` and after `since`, or null. */
export function dueOccurrence(schedule: Schedule, now: Date, since: Date): Date | null {
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  // previousRuns counts back from just before `reference`: a step past `now` lets an occurrence at `now` count.
  const [latest] = cron.previousRuns(1, new Date(now.getTime() + 1));
  cron.stop();
  if (!latest || latest.getTime() <= since.getTime()) return null;
  return latest;
}

/** The key that makes an occurrence fire once across replicas (unique per workflow in workflow_runs). */
export function occurrenceKey(occurrence: Date): string {
  return occurrence.toISOString();
}
