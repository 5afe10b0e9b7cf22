import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";
import { ApiError, UnreachableError } from "./api/client.ts";
import { onReconnect } from "./api/connectivity.ts";
import { invalidateOnLiveMessages } from "./api/realtime.ts";
import { onUserChange, restoreSession, session } from "./api/session.ts";
import { App } from "./app.tsx";
import { registerServiceWorker } from "./pwa/service-worker.ts";
import { applyTheme, theme } from "./theme.ts";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A 4xx will not change by asking again; an unreachable server is retried by the reconnect below.
      retry: (count, error) =>
        !(error instanceof UnreachableError) && !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});
onUserChange(() => queryClient.clear());
// Back from an expired session as the same user: what failed meanwhile is fetched again.
let previousStatus = session.get().status;
session.subscribe(() => {
  const { status } = session.get();
  if (previousStatus === "expired" && status === "signed_in") void queryClient.invalidateQueries();
  previousStatus = status;
});
onReconnect(() => void queryClient.invalidateQueries());
invalidateOnLiveMessages(queryClient);
applyTheme(theme.get());
void restoreSession();
registerServiceWorker();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
