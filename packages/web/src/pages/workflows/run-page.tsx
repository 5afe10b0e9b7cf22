import { Page } from "../../components/page.tsx";

export function RunPage(_props: { workflowId?: string | null; runId?: string }) {
  return (
    <Page title="Workflows">
      <p className="muted">Workflows are coming soon.</p>
    </Page>
  );
}
