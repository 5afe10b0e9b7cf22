// The approvals inbox: every node waiting for the user's decision, across all their runs, with
// Approve/Reject right here and a link to the run.
import type { PendingApproval } from "@garageswarm/protocol";
import { Link } from "wouter";
import { useApprovals, useDecideApproval } from "../../api/run-details.ts";
import { formatAgo } from "../../components/format.ts";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { ApprovalForm } from "../workflows/approval-request.tsx";

export function ApprovalsPage() {
  const approvals = useApprovals();
  if (approvals.isPending) return <Loading what="approvals" />;
  if (approvals.isError) {
    return (
      <Page title="Approvals">
        <ErrorState error={approvals.error} what="approvals" />
      </Page>
    );
  }
  return (
    <Page title="Approvals">
      {approvals.data.length === 0 ? (
        <EmptyState title="Nothing waits for your approval.">
          <p>When a workflow reaches an approval node, it shows up here until you decide.</p>
        </EmptyState>
      ) : (
        <ul className="approval-list plain-list">
          {approvals.data.map((item) => (
            <ApprovalItem key={`${item.run_id}:${item.node_id}`} item={item} />
          ))}
        </ul>
      )}
    </Page>
  );
}

function ApprovalItem({ item }: { item: PendingApproval }) {
  const decide = useDecideApproval();
  return (
    <li className="card approval-item">
      <h2 className="approval-title">
        <Link href={`/workflows/${item.workflow_id}/runs/${item.run_id}`}>
          {item.workflow_name} #{item.run_number}
        </Link>
      </h2>
      <p className="muted">
        Waiting since <time dateTime={item.waiting_since}>{formatAgo(item.waiting_since)}</time>
      </p>
      <ApprovalForm
        nodeId={item.node_id}
        message={item.message}
        pending={decide.isPending}
        error={decide.error}
        label={`Approval for ${item.node_id} in ${item.workflow_name} #${item.run_number}`}
        onDecide={(decision) => decide.mutate({ runId: item.run_id, nodeId: item.node_id, ...decision })}
      />
    </li>
  );
}
