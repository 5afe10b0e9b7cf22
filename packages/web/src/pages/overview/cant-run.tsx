// "2 tasks can't run: no online worker offers Ollama": the queued tasks that wait for something only a person
// can fix (a worker, a tool, a model, a label), grouped by reason, with the way out. Tasks that wait for a
// retry, a usage limit's reset or a free slot are left out: those resolve by themselves.
import type { Task, WaitingReason } from "@garageswarm/protocol";
import { Link } from "wouter";
import { useTasks } from "../../api/tasks.ts";
import { useReasonsFollowWorkers } from "../../components/waiting-reason.tsx";

const stuckCodes = new Set<WaitingReason["code"]>([
  "no_online_worker",
  "no_worker_with_tool",
  "model_not_offered",
  "requirements_unmet",
  "pinned_worker_unavailable",
]);

const queued = { status: "queued", limit: 200 } as const;

interface Stuck {
  message: string;
  code: WaitingReason["code"];
  tools: Task["tools"];
  count: number;
}

/** One group per reason as worded (the wording names the tools, model or labels), largest first. */
export function stuckGroups(tasks: readonly Task[]): Stuck[] {
  const groups = new Map<string, Stuck>();
  for (const task of tasks) {
    const reason = task.status === "queued" ? task.waiting_reason : null;
    if (!reason || !stuckCodes.has(reason.code)) continue;
    const group = groups.get(reason.message);
    if (group) group.count += 1;
    else groups.set(reason.message, { message: reason.message, code: reason.code, tools: task.tools, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export function CantRunPanel() {
  const tasks = useTasks(queued);
  useReasonsFollowWorkers(["tasks", queued]);
  const groups = stuckGroups(tasks.data?.items ?? []);
  if (groups.length === 0) return null;
  return (
    <section className="callout cant-run" aria-label="Tasks that can't run">
      <ul className="plain-list cant-run-list">
        {groups.map((group) => (
          <li key={group.message}>
            <strong>
              {group.count} {group.count === 1 ? "task can't" : "tasks can't"} run:
            </strong>{" "}
            {group.message}
            {" · "}
            <Link href={tasksHref(group)}>See {group.count === 1 ? "it" : "them"}</Link>
            {" · "}
            <Link href="/workers?add=1">Add worker</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function tasksHref(group: Stuck): string {
  const query = new URLSearchParams({ status: "queued" });
  if (group.tools.length === 1 && group.tools[0]) query.set("tool", group.tools[0]);
  return `/tasks?${query}`;
}
