// The per-account login limit. The route's per-IP limit cannot see accounts, and a second limiter hook on
// the same request never counts (the plugin runs one per request), so this one is called from the handler.
// The account is its user id when the login names one, so its username and email share one budget; the
// counters sit in the rate-limit plugin's store (Redis when configured), shared by every replica.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/store.ts";
import { findUserByLogin } from "./queries.ts";

export class TooManyAttemptsError extends Error {
  readonly statusCode = 429;
}

export function loginLimiter(app: FastifyInstance, db: Db, perMinute: number) {
  const accountOf = new WeakMap<FastifyRequest, string>();
  const limit = app.createRateLimit({
    max: perMinute,
    timeWindow: "1 minute",
    keyGenerator: (request) => accountOf.get(request) ?? "login-account:?",
  });
  /** Counts one attempt on the account `login` names; throws a 429 once the account's budget is spent. */
  return async (request: FastifyRequest, reply: FastifyReply, login: string): Promise<void> => {
    const user = await findUserByLogin(db, login.trim());
    accountOf.set(request, `login-account:${user ? user.user_id : login.trim().toLowerCase()}`);
    const result = await limit(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header("retry-after", result.ttlInSeconds);
    throw new TooManyAttemptsError(`too many sign-in attempts for this account: retry in ${result.ttlInSeconds} s`);
  };
}
