import type { User, WorkerOffer } from "@garageswarm/protocol";
import { useState } from "react";
import { useAnswerOffer, useWorkerOffers, useWorkers } from "../../api/workers.ts";
import { FormError } from "../../components/form.tsx";
import { formatAgo } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { toolLabels, workerRoleLabels } from "../../labels.ts";
import { AddWorker } from "./add-worker.tsx";
import { WorkerCard } from "./worker-card.tsx";

export function WorkersPage({ user }: { user: User }) {
  const workers = useWorkers();
  // The Overview's "Add worker" links here with ?add=1, opening the form at once.
  const [adding, setAdding] = useState(() => new URLSearchParams(location.search).has("add"));
  const mine = workers.data?.filter((worker) => worker.owner_user_id === user.user_id) ?? [];
  const sharedWithMe = workers.data?.filter((worker) => worker.owner_user_id !== user.user_id) ?? [];
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
      <Offers />
      {workers.isPending ? (
        <Loading what="workers" />
      ) : workers.isError ? (
        <ErrorState error={workers.error} what="workers" onRetry={() => workers.refetch()} />
      ) : workers.data.length === 0 ? (
        <EmptyState title="No workers yet.">
          <p>A worker is a machine that runs AI tools for you. Use "Add worker" to connect one.</p>
        </EmptyState>
      ) : (
        <>
          {mine.length ? (
            <ul className="cards" aria-label="Workers">
              {mine.map((worker) => (
                <li key={worker.worker_id}>
                  <WorkerCard worker={worker} user={user} />
                </li>
              ))}
            </ul>
          ) : null}
          {sharedWithMe.length ? (
            <>
              <h2>Shared with you</h2>
              <p className="muted">
                Other people's machines you accepted. Those shared with you as operator run your tasks; their owner can
                see the prompts and results of what runs there. Leave one to stop that at once.
              </p>
              <ul className="cards" aria-label="Workers shared with you">
                {sharedWithMe.map((worker) => (
                  <li key={worker.worker_id}>
                    <WorkerCard worker={worker} user={user} />
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
    </Page>
  );
}

/** Offers addressed to me: nothing of mine runs on those machines until I accept. */
function Offers() {
  const offers = useWorkerOffers();
  const answer = useAnswerOffer();
  if (offers.isPending || !offers.data?.length) {
    return offers.isError ? <ErrorState error={offers.error} what="offers" onRetry={() => offers.refetch()} /> : null;
  }
  return (
    <Section title="Offered to you">
      <p className="muted">
        Accepting an operator role lets the machine's owner run your tasks on it, and so see their prompts and results;
        a viewer role only shows you the machine. Nothing of yours runs there until you accept, and you can leave at any
        time.
      </p>
      <ul className="offers" aria-label="Offers">
        {offers.data.map((offer) => (
          <OfferItem
            key={offer.worker_id}
            offer={offer}
            busy={answer.isPending}
            onAnswer={(reply) => answer.mutate({ workerId: offer.worker_id, answer: reply })}
          />
        ))}
      </ul>
      <FormError error={answer.error} />
    </Section>
  );
}

function OfferItem({
  offer,
  busy,
  onAnswer,
}: {
  offer: WorkerOffer;
  busy: boolean;
  onAnswer: (answer: "accept" | "decline") => void;
}) {
  const by = offer.offered_by_username && offer.offered_by_username !== offer.owner_username;
  return (
    <li aria-label={`Offer of ${offer.machine_name}`}>
      <strong>{offer.machine_name}</strong> · {offer.owner_username}'s machine ({offer.platform}) · offered{" "}
      {by ? `by ${offer.offered_by_username} ` : ""}
      {formatAgo(offer.offered_at)}
      <br />
      <span className="muted">
        Role: {workerRoleLabels[offer.role]}
        {offer.tools.length ? ` · tools: ${offer.tools.map((tool) => toolLabels[tool.name]).join(", ")}` : ""}
      </span>{" "}
      <button
        type="button"
        className="primary"
        aria-label={`Accept ${offer.machine_name}`}
        disabled={busy}
        onClick={() => onAnswer("accept")}
      >
        Accept
      </button>{" "}
      <button
        type="button"
        aria-label={`Decline ${offer.machine_name}`}
        disabled={busy}
        onClick={() => onAnswer("decline")}
      >
        Decline
      </button>
    </li>
  );
}
