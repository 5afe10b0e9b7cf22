// Runs in progress across the user's workflows (one small query per workflow; a home swarm has few).

import type { WorkflowRun } from "@garageswarm/protocol";
import { useQueries } from "@tanstack/react-query";
import { Link } from "wouter";
import { api } from "../../api/client.ts";
import { useWorkflows } from "../../api/workflows.ts";
import { formatAgo } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { runStatusLabels } from "../../labels.ts";

const shownWorkflows = 20;
const active = ["pending", "running", "paused", "waiting_approval"] as const;

export function RunningWorkflows() {
  const workflows = useWorkflows();
  const list = (workflows.data ?? []).slice(0, shownWorkflows);
  const runs = useQueries({
    queries: list.map((workflow) => ({
      queryKey: ["runs", workflow.workflow_id, "all"],
      queryFn: () =>
        api.get<{ items: WorkflowRun[] }>(`/workflows/${workflow.workflow_id}/runs`).then((page) => page.items),
    })),
  });
  const names = new Map(list.map((workflow) => [workflow.workflow_id, workflow.name]));
  const running = runs
    .flatMap((query) => query.data ?? [])
    .filter((run) => (active as readonly string[]).includes(run.status));

  return (
    <Section title="Running workflows">
      {workflows.isPending ? (
        <Loading what="workflows" />
      ) : workflows.isError ? (
        <ErrorState error={workflows.error} what="workflows" />
      ) : running.length === 0 ? (
        <p className="muted">No workflow is running.</p>
      ) : (
        <ul className="plain-list">
          {running.map((run) => (
            <li key={run.run_id}>
              <Link href={`/workflows/${run.workflow_id}/runs/${run.run_id}`}>{names.get(run.workflow_id)}</Link>{" "}
              <StatusBadge status={run.status} label={runStatusLabels[run.status]} />{" "}
              <span className="muted">
                {run.started_at ? `started ${formatAgo(run.started_at)}` : `created ${formatAgo(run.created_at)}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
