// The one place where errors become HTTP: every error answer is application/problem+json.
import type { Problem } from "@garageswarm/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isRedisUnavailable } from "../bus/redis-client.ts";
import { isStoreUnavailable } from "../db/unavailable.ts";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  StaleTokenError,
  UnauthorizedError,
  UpstreamError,
} from "../errors.ts";

const statusByError = new Map<new (...args: never[]) => DomainError, number>([
  [InvalidInputError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [StaleTokenError, 409],
  [UpstreamError, 502],
]);

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, "type" | "title"> & { title?: string }) {
  const body: Problem = { type: "about:blank", title: titles[problem.status] ?? "Error", ...problem };
  if (problem.status === 401) reply.header("www-authenticate", 'Bearer realm="garageswarm"');
  return reply.status(problem.status).type("application/problem+json").send(body);
}

/** What a client is told to wait after a 503: a store or Redis restart usually takes a few seconds. */
export const RETRY_AFTER_SECONDS = 5;
/** One log line per this long while the store or Redis is down, not one per failed request. */
const UNAVAILABLE_LOG_EVERY_MS = 10_000;
const contextNames: Record<string, string> = { querystring: "query", params: "path" };

export function registerProblemHandlers(app: FastifyInstance) {
  let lastUnavailableLogAt = Number.NEGATIVE_INFINITY;
  /** The store or Redis cannot be reached: nothing is wrong with the request, so try again shortly. */
  function sendUnavailable(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    const now = Date.now();
    if (now - lastUnavailableLogAt >= UNAVAILABLE_LOG_EVERY_MS) {
      lastUnavailableLogAt = now;
      request.log.warn({ err: error }, "store or redis unreachable: answering 503");
    }
    reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    return sendProblem(reply, {
      status: 503,
      detail: "A service this server depends on (database or Redis) is unreachable right now; retry shortly.",
    });
  }

  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      const status = [...statusByError].find(([type]) => error instanceof type)?.[1] ?? 400;
      return sendProblem(reply, {
        status,
        detail: error.message,
        ...(error.issues.length > 0 ? { errors: error.issues } : {}),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = contextNames[error.validationContext ?? "body"] ?? error.validationContext ?? "body";
      const errors = error.validation.flatMap((issue) =>
        explainIssue(
          issue.instancePath.split("/").filter(Boolean),
          issue.keyword,
          issue.message ?? "invalid",
          (issue.params as { errors?: unknown } | undefined)?.errors,
        ).map((found) => ({ field: fieldName(context, found.path), message: found.message })),
      );
      const first = errors[0];
      return sendProblem(reply, {
        status: 400,
        detail: first ? `${first.field}: ${first.message}` : "Invalid request",
        errors,
      });
    }
    // Fastify's own client errors: malformed JSON, body too large, wrong content type, rate limit.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const field = error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || status === 413 ? "body" : undefined;
      return sendProblem(reply, {
        status,
        detail: error.message,
        ...(field ? { errors: [{ field, message: error.message }] } : {}),
      });
    }
    if (isStoreUnavailable(error) || isRedisUnavailable(error)) return sendUnavailable(request, reply, error);
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, { status: 500, detail: "The server failed to handle this request; it has been logged." });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { status: 404, detail: `No route ${request.method} ${request.url.split("?")[0]}` }),
  );
}

interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: unknown;
}

/**
 * A union's failure told by the branch the input's shape chose: branches that refused only the input's
 * type (an array given to the object branch) are dropped, and when one branch is left, its own issues are
 * named (`body[3].prompt`) instead of the union's "Invalid input".
 */
function explainIssue(
  path: string[],
  code: string,
  message: string,
  branches: unknown,
): Array<{ path: string[]; message: string }> {
  if (code === "invalid_union" && Array.isArray(branches)) {
    const shaped = (branches as SchemaIssue[][]).filter(
      (branch) => !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0),
    );
    if (shaped.length === 1 && shaped[0]) {
      return shaped[0].flatMap((issue) =>
        explainIssue([...path, ...issue.path.map(String)], issue.code, issue.message, issue.errors),
      );
    }
  }
  return [{ path, message }];
}

/** `body.requirements.labels[0]`: names with dots, array positions in brackets. */
function fieldName(context: string, path: string[]): string {
  return path.reduce(
    (field, segment) => (/^\d+$/.test(segment) ? `${field}[${segment}]` : `${field}.${segment}`),
    context,
  );
}
