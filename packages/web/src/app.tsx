// Which screen shows: a splash while the session is restored, the sign-in pages when signed out,
// otherwise the dashboard (with the sign-in dialog over it when the session has expired).
import { lazy, Suspense, useEffect } from "react";
import { Redirect, Route, Switch } from "wouter";
import { startLive } from "./api/realtime.ts";
import { session } from "./api/session.ts";
import { useStore } from "./api/store.ts";
import { AuthPages } from "./auth/auth-pages.tsx";
import { SessionExpiredDialog } from "./auth/session-expired-dialog.tsx";
import { ConnectionBanner } from "./components/connection-banner.tsx";
import { Page } from "./components/page.tsx";
import { Shell } from "./components/shell.tsx";
import { Loading } from "./components/states.tsx";
import { ApprovalsPage } from "./pages/approvals/approvals-page.tsx";
import { OverviewPage } from "./pages/overview-page.tsx";
import { ReposPage } from "./pages/repos/repos-page.tsx";
import { SettingsPage } from "./pages/settings/settings-page.tsx";
import { TaskDetailPage } from "./pages/tasks/task-detail-page.tsx";
import { TasksPage } from "./pages/tasks/tasks-page.tsx";
import { UsersPage } from "./pages/users/users-page.tsx";
import { WorkerPage } from "./pages/workers/worker-page.tsx";
import { WorkersPage } from "./pages/workers/workers-page.tsx";
import { WorkflowsPage } from "./pages/workflows/workflows-page.tsx";

// The editor and run view carry React Flow and YAML: loaded only when a workflow is opened.
const WorkflowEditorPage = lazy(() =>
  import("./pages/workflows/workflow-editor-page.tsx").then((module) => ({ default: module.WorkflowEditorPage })),
);
// The phone worker carries the vendor SDKs and the price table: loaded only on its page.
const PhoneWorkerPage = lazy(() =>
  import("./pages/phone-worker/phone-worker-page.tsx").then((module) => ({ default: module.PhoneWorkerPage })),
);
const RunPage = lazy(() => import("./pages/workflows/run-page.tsx").then((module) => ({ default: module.RunPage })));

export function App() {
  const current = useStore(session);
  const userId = current.status === "signed_in" || current.status === "expired" ? current.user.user_id : null;
  useEffect(() => (userId ? startLive(userId) : undefined), [userId]);

  if (current.status === "loading") {
    return (
      <>
        <ConnectionBanner />
        <p className="splash" role="status">
          Loading GarageSwarm…
        </p>
      </>
    );
  }
  if (current.status === "signed_out") {
    return (
      <>
        <ConnectionBanner />
        <AuthPages />
      </>
    );
  }
  const { user } = current;
  return (
    <>
      <ConnectionBanner />
      <Shell user={user}>
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/">
              <OverviewPage />
            </Route>
            <Route path="/tasks">
              <TasksPage />
            </Route>
            <Route path="/tasks/:id">{(params) => <TaskDetailPage taskId={params.id} />}</Route>
            <Route path="/repositories">
              <ReposPage />
            </Route>
            <Route path="/workflows">
              <WorkflowsPage />
            </Route>
            <Route path="/workflows/new">
              <WorkflowEditorPage workflowId={null} />
            </Route>
            <Route path="/workflows/:id">{(params) => <WorkflowEditorPage workflowId={params.id} />}</Route>
            <Route path="/workflows/:id/runs/:runId">
              {(params) => <RunPage workflowId={params.id} runId={params.runId} />}
            </Route>
            <Route path="/approvals">
              <ApprovalsPage />
            </Route>
            <Route path="/workers">
              <WorkersPage user={user} />
            </Route>
            <Route path="/workers/:id">{(params) => <WorkerPage workerId={params.id} user={user} />}</Route>
            <Route path="/phone">
              <PhoneWorkerPage user={user} />
            </Route>
            <Route path="/settings">
              <SettingsPage user={user} />
            </Route>
            <Route path="/users">{user.is_admin ? <UsersPage user={user} /> : <NotFound />}</Route>
            <Route path="/login">
              <Redirect to="/" replace />
            </Route>
            <Route path="/register">
              <Redirect to="/" replace />
            </Route>
            <Route>
              <NotFound />
            </Route>
          </Switch>
        </Suspense>
      </Shell>
      {current.status === "expired" ? <SessionExpiredDialog user={user} /> : null}
    </>
  );
}

function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address.</p>
    </Page>
  );
}
