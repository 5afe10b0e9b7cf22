// The wire against the contract: every JSON answer the test client gets from a route with a protocol schema is
// parsed with that schema, deeply strict (a field the contract does not name fails too), so a test fails the
// moment the server's answers drift from packages/protocol. Problem documents are checked on every route.
import {
  AcceptedChange,
  AllocatorSettingsView,
  ApiKey,
  ApiKeyCreated,
  ClaimedTask,
  EnrolmentCode,
  EnrolmentCodeCreated,
  EnrolResult,
  HeartbeatAnswer,
  Invite,
  InviteCreated,
  Problem,
  PushDevice,
  page,
  RegistrationInfo,
  ReviewComment,
  SavedRepo,
  Task,
  TaskListPage,
  TokenPair,
  User,
  VapidPublicKey,
  Worker,
  WorkerBundle,
  WorkerMember,
  WorkerOffer,
  WorkerRegistered,
  WorkerShareAnswer,
  Workflow,
  WorkflowRun,
  WsTicket,
} from "@garageswarm/protocol";
import { z } from "zod";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** `[method, path pattern, {status: schema}]`; `:name` matches one path segment. */
type Route = readonly [Method, string, Readonly<Record<number, z.ZodType>>];

const items = (item: z.ZodType) => z.object({ items: z.array(item), next_cursor: z.null() });
const runs = z.object({ items: z.array(WorkflowRun) });

const routes: readonly Route[] = [
  ["POST", "/api/v1/auth/register", { 201: User }],
  ["GET", "/api/v1/auth/registration", { 200: RegistrationInfo }],
  ["POST", "/api/v1/auth/login", { 200: TokenPair }],
  ["POST", "/api/v1/auth/refresh", { 200: TokenPair }],
  ["GET", "/api/v1/auth/me", { 200: User }],
  ["POST", "/api/v1/auth/ws-ticket", { 200: WsTicket }],
  ["GET", "/api/v1/admin/users", { 200: z.object({ items: z.array(User) }) }],
  ["POST", "/api/v1/admin/users", { 201: User }],
  ["POST", "/api/v1/admin/users/:id/disable", { 200: User }],
  ["POST", "/api/v1/admin/users/:id/enable", { 200: User }],
  ["GET", "/api/v1/admin/invites", { 200: z.object({ items: z.array(Invite) }) }],
  ["POST", "/api/v1/admin/invites", { 201: InviteCreated }],
  ["POST", "/api/v1/keys", { 201: ApiKeyCreated }],
  ["GET", "/api/v1/keys", { 200: items(ApiKey) }],
  ["GET", "/api/v1/tasks", { 200: TaskListPage }],
  // One task, or an array of them (bulk create) in the order given.
  ["POST", "/api/v1/tasks", { 201: z.union([Task, z.array(Task)]) }],
  ["GET", "/api/v1/tasks/:id", { 200: Task }],
  ["PATCH", "/api/v1/tasks/:id", { 200: Task }],
  ["POST", "/api/v1/tasks/:id/cancel", { 200: Task }],
  ["POST", "/api/v1/tasks/:id/start", { 200: Task }],
  ["POST", "/api/v1/tasks/:id/progress", { 200: Task }],
  ["POST", "/api/v1/tasks/:id/complete", { 200: Task }],
  ["POST", "/api/v1/tasks/:id/fail", { 200: Task }],
  ["GET", "/api/v1/tasks/:id/revisions", { 200: items(Task) }],
  ["GET", "/api/v1/tasks/:id/comments", { 200: items(ReviewComment) }],
  ["POST", "/api/v1/tasks/:id/comments", { 201: ReviewComment }],
  ["POST", "/api/v1/tasks/:id/request-changes", { 201: Task }],
  ["POST", "/api/v1/tasks/:id/accept", { 200: AcceptedChange }],
  ["GET", "/api/v1/repos", { 200: items(SavedRepo) }],
  ["POST", "/api/v1/repos", { 201: SavedRepo }],
  ["GET", "/api/v1/repos/:id", { 200: SavedRepo }],
  ["PATCH", "/api/v1/repos/:id", { 200: SavedRepo }],
  ["GET", "/api/v1/workers", { 200: items(Worker) }],
  ["POST", "/api/v1/workers/register", { 200: WorkerRegistered, 201: WorkerRegistered }],
  ["GET", "/api/v1/workers/offers", { 200: items(WorkerOffer) }],
  ["GET", "/api/v1/workers/:id", { 200: Worker }],
  ["POST", "/api/v1/workers/:id/heartbeat", { 200: HeartbeatAnswer }],
  ["GET", "/api/v1/workers/:id/pull-task", { 200: ClaimedTask }],
  ["POST", "/api/v1/workers/:id/drain", { 200: Worker }],
  ["GET", "/api/v1/workers/:id/share", { 200: items(WorkerMember) }],
  ["POST", "/api/v1/workers/:id/share", { 200: WorkerShareAnswer, 202: WorkerShareAnswer }],
  ["POST", "/api/v1/workers/:id/share/accept", { 200: Worker }],
  ["POST", "/api/v1/workflows", { 201: Workflow }],
  ["GET", "/api/v1/workflows", { 200: page(Workflow) }],
  ["GET", "/api/v1/workflows/:id", { 200: Workflow }],
  ["PATCH", "/api/v1/workflows/:id", { 200: Workflow }],
  ["POST", "/api/v1/workflows/:id/execute", { 201: WorkflowRun }],
  ["POST", "/api/v1/workflows/:id/runs", { 201: WorkflowRun }],
  ["GET", "/api/v1/workflows/:id/runs", { 200: page(WorkflowRun) }],
  ["POST", "/api/v1/workflows/:id/pause", { 200: runs }],
  ["POST", "/api/v1/workflows/:id/resume", { 200: runs }],
  ["GET", "/api/v1/workflows/:id/runs/:run_id", { 200: WorkflowRun }],
  ["POST", "/api/v1/workflows/:id/runs/:run_id/:control", { 200: WorkflowRun }],
  ["POST", "/api/v1/workflows/:id/runs/:run_id/nodes/:node_id/approval", { 200: WorkflowRun }],
  ["GET", "/api/v1/runs/:run_id", { 200: WorkflowRun }],
  ["POST", "/api/v1/runs/:run_id/:control", { 200: WorkflowRun }],
  ["POST", "/api/v1/runs/:run_id/nodes/:node_id/approval", { 200: WorkflowRun }],
  ["GET", "/api/v1/settings/allocator", { 200: AllocatorSettingsView }],
  ["PUT", "/api/v1/settings/allocator", { 200: AllocatorSettingsView }],
  ["GET", "/api/v1/push/vapid-public-key", { 200: VapidPublicKey }],
  ["POST", "/api/v1/push/subscriptions", { 201: PushDevice }],
  ["GET", "/api/v1/push/subscriptions", { 200: items(PushDevice) }],
  ["POST", "/api/v1/enrolment-codes", { 201: EnrolmentCodeCreated }],
  ["GET", "/api/v1/enrolment-codes", { 200: items(EnrolmentCode) }],
  ["POST", "/api/v1/enrol", { 201: EnrolResult }],
  ["GET", "/api/v1/worker-bundle", { 200: WorkerBundle }],
];

const patterns = routes.map(([method, path, answers]) => ({
  method,
  path: new RegExp(`^${path.replace(/:[a-z_]+/g, "[^/]+")}$`),
  answers,
}));

const strictCopies = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema with every object strict, all the way down: a response schema that is not `.strict()` lets the
 * server add a field silently, which is drift all the same. Records and unknown-typed fields stay open.
 */
function strictly(schema: z.ZodType): z.ZodType {
  const known = strictCopies.get(schema);
  if (known) return known;
  const def = (schema as z.ZodType & { _zod: { def: { type: string } } })._zod.def;
  let copy: z.ZodType = schema;
  if (schema instanceof z.ZodObject) {
    copy = z.strictObject(
      Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, strictly(field)])),
    );
  } else if (schema instanceof z.ZodArray) {
    copy = z.array(strictly(schema.element as z.ZodType));
  } else if (schema instanceof z.ZodNullable) {
    copy = strictly(schema.unwrap() as z.ZodType).nullable();
  } else if (schema instanceof z.ZodOptional) {
    copy = strictly(schema.unwrap() as z.ZodType).optional();
  } else if (schema instanceof z.ZodUnion && def.type === "union") {
    copy = z.union((schema.options as z.ZodType[]).map(strictly));
  }
  strictCopies.set(schema, copy);
  return copy;
}

/** The protocol schema of an answer, if the route and status have one. */
function schemaOf(method: string, pathname: string, status: number): z.ZodType | undefined {
  const route = patterns.find((candidate) => candidate.method === method && candidate.path.test(pathname));
  return route?.answers[status];
}

/** Throws when a JSON answer does not match its contract: the protocol schema (strictly), or Problem for errors. */
export function checkContract(method: string, url: URL, status: number, contentType: string, body: unknown): void {
  if (contentType.startsWith("application/problem+json")) {
    check(Problem, body, `${method} ${url.pathname} ${status}: not a problem document`);
    return;
  }
  if (!contentType.startsWith("application/json")) return;
  const schema = schemaOf(method, url.pathname, status);
  if (!schema) return;
  // The schema itself first (its refinements), then the strict copy (fields it does not name).
  check(schema, body, `${method} ${url.pathname} ${status}: the answer does not match the protocol schema`);
  check(strictly(schema), body, `${method} ${url.pathname} ${status}: the answer has fields the protocol lacks`);
}

function check(schema: z.ZodType, body: unknown, message: string): void {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`${message}\n${z.prettifyError(parsed.error)}\n${JSON.stringify(body)}`);
}
