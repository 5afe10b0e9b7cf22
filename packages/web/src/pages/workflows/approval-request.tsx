// A node waiting for approval: its message, a comment, Approve and Reject. Shown on the run page, in the
// node drawer and in the approvals inbox.
import { useId } from "react";
import { FormError, formValues, TextAreaField } from "../../components/form.tsx";

export function ApprovalForm({
  nodeId,
  message,
  pending,
  error,
  onDecide,
  label,
}: {
  nodeId: string;
  message?: string | null | undefined;
  pending: boolean;
  error: unknown;
  onDecide: (decision: { approved: boolean; comment: string }) => void;
  /** The section's accessible name; the default names the node. */
  label?: string;
}) {
  const id = useId();
  return (
    <section className="callout" aria-label={label ?? `Approval for ${nodeId}`}>
      <p id={id}>
        <strong>{nodeId} waits for your approval.</strong> {message}
      </p>
      <form
        aria-describedby={id}
        onSubmit={(event) => {
          event.preventDefault();
          const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
          const { comment = "" } = formValues(event.currentTarget);
          onDecide({ approved: submitter?.value === "approve", comment });
        }}
      >
        <TextAreaField label="Comment" name="comment" rows={2} />
        <div className="actions">
          <button type="submit" name="decision" value="approve" className="primary" disabled={pending}>
            Approve
          </button>
          <button type="submit" name="decision" value="reject" className="danger" disabled={pending}>
            Reject
          </button>
        </div>
      </form>
      <FormError error={error} />
    </section>
  );
}
