// Configuration is read and validated once, at start-up, from flags and env (flags win).
import { resolve } from "node:path";
import { z } from "zod";
import { InvalidInputError } from "./errors.ts";

const Port = z.coerce.number().int().min(0).max(65_535);
const Seconds = z.coerce.number().positive();

/** A comma-separated list (or an array, from flags) of origins, each matching `pattern`. */
function originList(pattern: RegExp, message: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(",")).map((entry) => entry.trim()).filter((entry) => entry !== ""),
    )
    .pipe(z.array(z.string().regex(pattern, message)))
    .default([]);
}

/** A forge API the server may call to open pull requests (`forges`). */
export const Forge = z
  .object({
    /** The host of the repositories' URLs (`github.com`, `git.example.com`). */
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name")
      .transform((host) => host.toLowerCase()),
    api_url: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .transform((url) => url.replace(/\/+$/, "")),
    token: z.string().min(1, "is required"),
  })
  .strict();
export type Forge = z.infer<typeof Forge>;

export const ServerConfig = z.object({
  host: z.string().min(1).default("0.0.0.0"),
  port: Port.default(8000),
  dataDir: z.string().min(1).default(".garageswarm"),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Prefix of every Redis key and channel, so deployments (or test runs) can share one Redis. */
  redisPrefix: z.string().min(1).max(100).default("gs:"),
  adminPassword: z.string().min(8, "must be at least 8 characters").optional(),
  /** HS256 secret for access tokens; generated and stored in the database when absent. */
  jwtSecret: z.string().min(32, "must be at least 32 characters").optional(),
  accessTokenTtlSeconds: Seconds.default(900),
  refreshTokenTtlSeconds: Seconds.default(30 * 24 * 3600),
  heartbeatIntervalSeconds: Seconds.default(10),
  /** A task pushed to a worker that neither accepts nor rejects it within this is offered to the next. */
  offerTimeoutSeconds: Seconds.default(10),
  /** How long a tool that hit a usage limit without saying when it resets is passed over (and its task waits). */
  limitDefaultWaitSeconds: Seconds.default(15 * 60),
  /** Login/register attempts allowed per IP per minute, and login attempts per account per minute. */
  authRateLimitPerMinute: z.coerce.number().int().positive().default(20),
  /**
   * Reverse proxies whose `X-Forwarded-For` is believed: addresses or CIDRs, comma-separated. Empty (the
   * default): the peer address is the client, so rate limits and audit IPs cannot be spoofed by a header.
   */
  trustProxy: z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(",")).map((entry) => entry.trim()).filter((entry) => entry !== ""),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "must be IP addresses or CIDRs, comma-separated")))
    .default([]),
  /**
   * The URL machines reach this server at (`https://swarm.example.com`), for the install lines and scripts.
   * Without it they name the host the request came to (web/origin.ts).
   */
  publicUrl: z
    .string()
    .regex(/^https?:\/\/[A-Za-z0-9.[\]:-]+(\/[A-Za-z0-9._~/-]*)?$/, "must be an http:// or https:// URL")
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  /** Who may create an account: anyone (`open`), holders of an admin's invite (`invite`), or nobody (`closed`). */
  registration: z.enum(["open", "invite", "closed"]).default("invite"),
  /** Bearer token `/metrics` asks for; without one, `/metrics` answers only to loopback peers. */
  metricsToken: z.string().min(16, "must be at least 16 characters").optional(),
  /** Output kept per task attempt (database and spill file together); beyond it, output is cut with a marker. */
  outputLimitBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 1024 * 1024),
  bodyLimitBytes: z.coerce.number().int().positive().default(1_048_576),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  localWorker: z.boolean().default(true),
  /**
   * API origins the "Work on this phone" page may call besides the vendors' own (an OpenAI-compatible server
   * on your network, a proxy): comma-separated `scheme://host[:port]`. Only that page's CSP widens.
   */
  phoneWorkerOrigins: originList(/^https?:\/\/[^\s/;,'"]+$/, "must be origins (scheme://host[:port]), comma-separated"),
  /**
   * Who push services may contact about this server's notifications (the VAPID `sub`): a `mailto:` or
   * `https:` address. Apple's push service refuses a `localhost` one.
   */
  pushContact: z
    .string()
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, "must be a mailto: or https: address")
    .default("mailto:push@garageswarm.invalid"),
  /**
   * Push services beyond the browsers' own (FCM, Mozilla, Apple, Windows) that subscriptions may name, as
   * origins, comma-separated: a self-hosted push service, or a test's fake on 127.0.0.1.
   */
  pushServiceOrigins: originList(/^https?:\/\/[^/\s?#]+$/, "must be origins (https://host[:port]), comma-separated"),
  /**
   * Forges whose API opens pull requests for accepted code tasks: a JSON array of `{host, api_url, token}`
   * (GitHub's REST API shape; Gitea and Forgejo answer it too). A repository on `host` gets its pull request
   * from `api_url` with `token`. The server calls no other API: users cannot point it elsewhere.
   */
  forges: z
    .union([z.string(), z.array(z.unknown())])
    .transform((value, context) => {
      if (typeof value !== "string") return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "must be a JSON array of {host, api_url, token}" });
        return z.NEVER;
      }
    })
    .pipe(z.array(Forge).max(20))
    .default([]),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

/** The env variables each setting reads, for the README and for error messages. */
export const envNames: Record<keyof ServerConfig, string> = {
  host: "HOST",
  port: "PORT",
  dataDir: "GARAGESWARM_DATA_DIR",
  databaseUrl: "DATABASE_URL",
  redisUrl: "REDIS_URL",
  redisPrefix: "GARAGESWARM_REDIS_PREFIX",
  adminPassword: "GARAGESWARM_ADMIN_PASSWORD",
  jwtSecret: "GARAGESWARM_JWT_SECRET",
  accessTokenTtlSeconds: "GARAGESWARM_ACCESS_TOKEN_TTL",
  refreshTokenTtlSeconds: "GARAGESWARM_REFRESH_TOKEN_TTL",
  heartbeatIntervalSeconds: "GARAGESWARM_HEARTBEAT_INTERVAL",
  offerTimeoutSeconds: "GARAGESWARM_OFFER_TIMEOUT",
  limitDefaultWaitSeconds: "GARAGESWARM_LIMIT_DEFAULT_WAIT",
  authRateLimitPerMinute: "GARAGESWARM_AUTH_RATE_LIMIT",
  trustProxy: "GARAGESWARM_TRUST_PROXY",
  publicUrl: "GARAGESWARM_PUBLIC_URL",
  registration: "GARAGESWARM_REGISTRATION",
  metricsToken: "GARAGESWARM_METRICS_TOKEN",
  outputLimitBytes: "GARAGESWARM_OUTPUT_LIMIT",
  bodyLimitBytes: "GARAGESWARM_BODY_LIMIT",
  logLevel: "LOG_LEVEL",
  localWorker: "GARAGESWARM_LOCAL_WORKER",
  phoneWorkerOrigins: "GARAGESWARM_PHONE_WORKER_ORIGINS",
  pushContact: "GARAGESWARM_PUSH_CONTACT",
  pushServiceOrigins: "GARAGESWARM_PUSH_SERVICE_ORIGINS",
  forges: "GARAGESWARM_FORGES",
};

type RawConfig = { [K in keyof ServerConfig]?: unknown };

/** Merges env and flags (flags win), validates, and names the offending setting on error. */
export function loadServerConfig(flags: RawConfig, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(envNames)) {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== "") {
      raw[key] = key === "localWorker" ? !["0", "false", "no", "off"].includes(fromEnv.toLowerCase()) : fromEnv;
    }
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) raw[key] = value;

  const parsed = ServerConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? "config") as keyof ServerConfig;
    const name = envNames[key] ? `--${kebab(key)} / ${envNames[key]}` : key;
    throw new InvalidInputError(`Invalid setting ${name}: ${issue?.message ?? "invalid"}`, key);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir) };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
