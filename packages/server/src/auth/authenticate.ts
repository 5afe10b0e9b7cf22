// Who is calling: a user's access token (JWT) or an API key (`gs_…`, for workers and the CLI), and
// whether that credential's scope may call the route. A route lists the scopes it admits in its config
// (`config: WORKER_ROUTE`); without that it admits only `full`, so a new route is closed to worker keys
// until someone decides otherwise.
import type { ApiKeyScope } from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import { findActiveKeyWithUser, keyUsage } from "../keys/queries.ts";
import type { Resources } from "../resources.ts";
import { verifyAccessToken } from "./access-tokens.ts";
import { findSessionUser } from "./queries.ts";
import { sha256 } from "./secrets.ts";

export const API_KEY_PREFIX = "gs_";

export interface Principal {
  user_id: string;
  username: string;
  is_admin: boolean;
  via: "access_token" | "api_key";
  /** What the credential may do: `full` for access tokens, the key's own scope for API keys. */
  scope: ApiKeyScope;
  /** Set when authenticated by API key. */
  key_id?: string;
  /** Set when authenticated by access token: the session, for logout and change-password. */
  session?: { jti: string; family_id: string; expires_at: Date };
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The credential scopes that may call this route; only `full` when absent. */
    scopes?: readonly ApiKeyScope[];
  }
}

/** The routes a worker key may call: register, heartbeat, pull, the attempt reports, the worker socket. */
export const WORKER_ROUTE = { scopes: ["full", "worker"] } as const;

/** Resolves a bearer credential to a principal, or throws UnauthorizedError. */
export async function authenticateCredential(resources: Resources, credential: string): Promise<Principal> {
  const { db, clock } = resources;
  if (credential.startsWith(API_KEY_PREFIX)) {
    // One statement on the hot path: every worker request is authenticated this way.
    const found = await findActiveKeyWithUser(db, sha256(credential));
    if (!found) throw new UnauthorizedError("invalid or revoked API key");
    if (!found.is_active) throw new UnauthorizedError("the key's user is disabled");
    await keyUsage.touch(db, found.key_id, clock.now());
    return {
      user_id: found.user_id,
      username: found.username,
      is_admin: found.is_admin,
      via: "api_key",
      scope: found.scope,
      key_id: found.key_id,
    };
  }
  const claims = await verifyAccessToken(resources.jwtSecret, credential, clock.now());
  const session = await findSessionUser(db, claims);
  // A revoked family (logout, refresh-token reuse, password change elsewhere) ends its access tokens too.
  if (!session || session.denied || session.family_revoked) throw new UnauthorizedError("access token revoked");
  if (!session.is_active) throw new UnauthorizedError("user disabled or deleted");
  return sessionPrincipal(session, { jti: claims.jti, family_id: claims.family_id, expires_at: claims.expires_at });
}

/** A signed-in session's principal (an access token, or a WebSocket ticket issued to one): always `full`. */
export function sessionPrincipal(
  user: Pick<Principal, "user_id" | "username" | "is_admin">,
  session: NonNullable<Principal["session"]>,
): Principal {
  return {
    user_id: user.user_id,
    username: user.username,
    is_admin: user.is_admin,
    via: "access_token",
    scope: "full",
    session,
  };
}

export function bearerCredential(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * The route needs a signed-in user (access token or API key) whose scope the route admits. Register it as an
 * `onRequest` hook: it then runs before the body is read, so an anonymous caller never gets a large body parsed.
 */
export function requireUser(resources: Resources) {
  return async (request: FastifyRequest): Promise<void> => {
    const credential = bearerCredential(request);
    if (!credential) throw new UnauthorizedError("missing bearer token (Authorization: Bearer <token or key>)");
    request.principal = authorizeScope(request, await authenticateCredential(resources, credential));
  };
}

/** Throws 403 unless the route's `scopes` admit the principal's; every authenticating hook calls this. */
export function authorizeScope(request: FastifyRequest, principal: Principal): Principal {
  const admitted = request.routeOptions.config.scopes ?? ["full"];
  if (!admitted.includes(principal.scope)) {
    throw new ForbiddenError(`an API key with scope "${principal.scope}" may not call this route`);
  }
  return principal;
}

/** A hook after `requireUser` (onRequest): the route is for administrators only. */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (!principalOf(request).is_admin) throw new ForbiddenError("only an administrator may do this");
}

/** The principal set by `requireUser`; a route without that hook is a programming error. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError("not authenticated");
  return request.principal;
}
