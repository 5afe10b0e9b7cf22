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
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { principalOf, requireUser } from "./authenticate.ts";
import { findUserById } from "./queries.ts";
import * as auth from "./service.ts";
import { toUserView } from "./users-view.ts";

const errors = { 400: Problem, 401: Problem, 409: Problem, 429: Problem };
const noContent = { 204: z.null().describe("No content"), ...errors };

export function authRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    const perIp = { max: resources.config.authRateLimitPerMinute, timeWindow: "1 minute" };
    // Per account as well as per IP, so a botnet cannot grind one account's password.
    const perAccount = app.rateLimit({
      max: resources.config.authRateLimitPerMinute,
      timeWindow: "1 minute",
      keyGenerator: (request) => `login:${String((request.body as { username?: unknown })?.username).toLowerCase()}`,
    });
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
        preHandler: perAccount,
        schema: {
          tags: ["auth"],
          summary: "Sign in with username (or email) and password",
          security: [],
          body: LoginRequest,
          response: { 200: TokenPair, ...errors },
        },
      },
      async (request) => auth.login(resources, request.body, meta(request)),
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
      async (request) => auth.refresh(resources, request.body.refresh_token, meta(request)),
    );

    app.post(
      "/logout",
      {
        preHandler: user,
        schema: { tags: ["auth"], summary: "End this session", body: LogoutRequest.optional(), response: noContent },
      },
      async (request, reply) => {
        await auth.logout(resources, principalOf(request), meta(request));
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/me",
      {
        preHandler: user,
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
        preHandler: user,
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
  };
}
