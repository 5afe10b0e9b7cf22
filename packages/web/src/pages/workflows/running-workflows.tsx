import { Section } from "../../components/page.tsx";

export function RunningWorkflows() {
  return (
    <Section title="Running workflows">
      <p className="muted">No workflow is running.</p>
    </Section>
  );
}
