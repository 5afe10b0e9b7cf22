import { useState } from "react";
import { Link } from "wouter";
import { useWorkflows } from "../../api/workflows.ts";
import { formatAgo } from "../../components/format.ts";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { ImportWorkflow } from "./import-workflow.tsx";

export function WorkflowsPage() {
  const workflows = useWorkflows();
  const [importing, setImporting] = useState(false);
  return (
    <Page
      title="Workflows"
      actions={
        <>
          <button type="button" onClick={() => setImporting(true)} disabled={importing}>
            Import
          </button>
          <Link href="/workflows/new" className="button primary">
            New workflow
          </Link>
        </>
      }
    >
      {importing ? <ImportWorkflow onCancel={() => setImporting(false)} /> : null}
      {workflows.isPending ? (
        <Loading what="workflows" />
      ) : workflows.isError ? (
        <ErrorState error={workflows.error} what="workflows" onRetry={() => workflows.refetch()} />
      ) : workflows.data.length === 0 ? (
        <EmptyState title="No workflows yet.">
          <p>
            A workflow chains tasks, conditions and approvals into one run. Start with "New workflow", or import a YAML
            file.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Your workflows</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Nodes</th>
                <th scope="col">Status</th>
                <th scope="col">Schedule</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {workflows.data.map((workflow) => (
                <tr key={workflow.workflow_id}>
                  <td data-label="Name" className="wrap">
                    <Link href={`/workflows/${workflow.workflow_id}`}>{workflow.name}</Link>
                  </td>
                  <td data-label="Type">{workflow.workflow_type}</td>
                  <td data-label="Nodes">{workflow.definition.nodes.length}</td>
                  <td data-label="Status">
                    <StatusBadge status={workflow.status} />
                  </td>
                  <td data-label="Schedule" className="mono">
                    {workflow.schedule ? workflow.schedule.cron : "—"}
                  </td>
                  <td data-label="Updated">{formatAgo(workflow.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
