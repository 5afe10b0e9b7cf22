import {
  ChangePasswordRequest,
  LoginRequest,
  LogoutRequest,
  Problem,
  RefreshRequest,
  RegisterRequest,
  RegistrationInfo,
  TokenPair,
  User,
  WsTicket,
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, UnauthorizedError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { principalOf, requireUser } from "./authenticate.ts";
import { loginLimiter } from "./login-limit.ts";
import { findUserById } from "./queries.ts";
import { clearRefreshCookie, refreshTokenFromCookie, setRefreshCookie } from "./refresh-cookie.ts";
import * as auth from "./service.ts";
import { toUserView } from "./users-view.ts";
import { issueWsTicket } from "./ws-tickets.ts";

const errors = { 400: Problem, 401: Problem, 409: Problem, 429: Problem };
const noContent = { 204: z.null().describe("No content"), ...errors };

export function authRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    const perIp = { max: resources.config.authRateLimitPerMinute, timeWindow: "1 minute" };
    // Per account as well as per IP, so a botnet cannot grind one account's password.
    const limitAccount = loginLimiter(app, resources.db, resources.config.authRateLimitPerMinute);
    const refreshTtl = resources.config.refreshTokenTtlSeconds;
    const user = requireUser(resources);
    const meta = (request: FastifyRequest) => ({ ip: request.ip });

    app.post(
      "/register",
      {
        config: { rateLimit: perIp },
        schema: {
          tags: ["auth"],
          summary: "Create an account (`invite` is required when registration is `invite`; 403 when `closed`)",
          security: [],
          body: RegisterRequest,
          response: { 201: User, 403: Problem, ...errors },
        },
      },
      async (request, reply) => {
        const created = await auth.register(resources, request.body, meta(request));
        return reply.status(201).send(toUserView(created));
      },
    );

    app.get(
      "/registration",
      {
        schema: {
          tags: ["auth"],
          summary: "Who may create an account here: `open`, `invite` or `closed`",
          security: [],
          response: { 200: RegistrationInfo },
        },
      },
      async () => ({ mode: resources.config.registration }),
    );

    app.post(
      "/login",
      {
        config: { rateLimit: perIp },
        schema: {
          tags: ["auth"],
          summary: "Sign in with username (or email) and password",
          security: [],
          body: LoginRequest,
          response: { 200: TokenPair, ...errors },
        },
      },
      async (request, reply) => {
        await limitAccount(request, reply, request.body.username);
        const pair = await auth.login(resources, request.body, meta(request));
        if (request.body.refresh_token_in !== "cookie") return pair;
        setRefreshCookie(request, reply, pair.refresh_token ?? "", refreshTtl);
        return { ...pair, refresh_token: undefined };
      },
    );

    app.post(
      "/refresh",
      {
        config: { rateLimit: { ...perIp, max: perIp.max * 5 } },
        schema: {
          tags: ["auth"],
          summary: "Swap a refresh token for a new token pair",
          security: [],
          body: RefreshRequest,
          response: { 200: TokenPair, ...errors },
        },
      },
      async (request, reply) => {
        // The body's token (the CLI) wins; without one, the dashboard's cookie is used and renewed.
        const fromCookie = request.body.refresh_token === undefined;
        const token = request.body.refresh_token ?? refreshTokenFromCookie(request);
        if (!token) throw new UnauthorizedError("missing refresh token (body or cookie)", "body.refresh_token");
        const pair = await auth.refresh(resources, token, meta(request)).catch((error) => {
          if (fromCookie) clearRefreshCookie(request, reply);
          throw error;
        });
        if (!fromCookie) return pair;
        setRefreshCookie(request, reply, pair.refresh_token ?? "", refreshTtl);
        return { ...pair, refresh_token: undefined };
      },
    );

    app.post(
      "/logout",
      {
        onRequest: user,
        schema: { tags: ["auth"], summary: "End this session", body: LogoutRequest.optional(), response: noContent },
      },
      async (request, reply) => {
        await auth.logout(resources, principalOf(request), meta(request));
        clearRefreshCookie(request, reply);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/me",
      {
        onRequest: user,
        schema: { tags: ["auth"], summary: "The signed-in user", response: { 200: User, ...errors } },
      },
      async (request) => {
        const row = await findUserById(resources.db, principalOf(request).user_id);
        if (!row) throw new NotFoundError("user not found");
        return toUserView(row);
      },
    );

    app.post(
      "/change-password",
      {
        onRequest: user,
        schema: {
          tags: ["auth"],
          summary: "Change the password; every other session is signed out",
          body: ChangePasswordRequest,
          response: noContent,
        },
      },
      async (request, reply) => {
        await auth.changePassword(resources, principalOf(request), request.body, meta(request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/ws-ticket",
      {
        onRequest: user,
        schema: {
          tags: ["auth"],
          summary: "A single-use ticket (30 s) for opening the client WebSocket without a token in its URL",
          response: { 200: WsTicket, ...errors },
        },
      },
      async (request) => issueWsTicket(resources, principalOf(request)),
    );
  };
}
