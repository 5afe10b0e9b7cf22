import type { User } from "@garageswarm/protocol";
import { useState } from "react";
import { useWorkers } from "../../api/workers.ts";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { AddWorker } from "./add-worker.tsx";
import { WorkerCard } from "./worker-card.tsx";

export function WorkersPage({ user }: { user: User }) {
  const workers = useWorkers();
  const [adding, setAdding] = useState(false);
  return (
    <Page
      title="Workers"
      actions={
        adding ? null : (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add worker
          </button>
        )
      }
    >
      {adding ? <AddWorker onClose={() => setAdding(false)} /> : null}
      {workers.isPending ? (
        <Loading what="workers" />
      ) : workers.isError ? (
        <ErrorState error={workers.error} what="workers" onRetry={() => workers.refetch()} />
      ) : workers.data.length === 0 ? (
        <EmptyState title="No workers yet.">
          <p>A worker is a machine that runs AI tools for you. Use "Add worker" to connect one.</p>
        </EmptyState>
      ) : (
        <ul className="cards" aria-label="Workers">
          {workers.data.map((worker) => (
            <li key={worker.worker_id}>
              <WorkerCard worker={worker} user={user} />
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
