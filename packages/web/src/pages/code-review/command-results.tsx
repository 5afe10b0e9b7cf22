// The setup and check commands as they ran in the worktree: outcome, time, and the tail of their output.
import type { CodeResult, CommandResult } from "@garageswarm/protocol";
import { Section } from "../../components/page.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { commandOutcome, outputTail } from "./summary.ts";

export function CommandResults({ code }: { code: CodeResult }) {
  if (!code.setup && !code.check) return null;
  return (
    <Section title="Checks">
      {code.setup ? <CommandRun name="Setup" result={code.setup} /> : null}
      {code.check ? <CommandRun name="Check" result={code.check} /> : null}
    </Section>
  );
}

function CommandRun({ name, result }: { name: string; result: CommandResult }) {
  const outcome = commandOutcome(result);
  const tail = outputTail(result.output);
  return (
    <div className="command-run">
      <p>
        <strong>{name}</strong> <code className="wrap">{result.command}</code>{" "}
        <StatusBadge status={outcome.ok ? "completed" : "failed"} label={outcome.label} />{" "}
        <span className="muted">{(result.duration_ms / 1000).toFixed(1)} s</span>
      </p>
      {result.output ? (
        // Open when it failed: the output is then what the reader came for.
        <details open={!outcome.ok}>
          <summary>
            {name} output{tail.cut ? " (last lines)" : ""}
          </summary>
          <pre className="log">{tail.text}</pre>
        </details>
      ) : (
        <p className="muted">No output.</p>
      )}
    </div>
  );
}
