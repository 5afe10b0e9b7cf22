// The nav's count of nodes waiting for the user's approval; nothing when none wait.
import { useApprovals } from "../../api/run-details.ts";

export function ApprovalsBadge() {
  const count = useApprovals().data?.length ?? 0;
  if (count === 0) return null;
  return (
    <span className="nav-badge">
      {count}
      <span className="visually-hidden"> waiting</span>
    </span>
  );
}
