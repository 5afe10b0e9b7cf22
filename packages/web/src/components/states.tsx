// Loading, empty and error states, so every page says plainly what is going on.
import type { ReactNode } from "react";
import { ApiError, errorMessage } from "../api/client.ts";

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  const missing = error instanceof ApiError && error.routeMissing;
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>
          {missing ? `${capitalize(what)} are not available on this server yet.` : `Could not load ${what}.`}
        </strong>
      </p>
      {missing ? null : <p>{errorMessage(error)}</p>}
      {onRetry && !missing ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </div>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
