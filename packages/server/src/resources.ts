import type { Logger } from "pino";
import type { Bus } from "./bus/bus.ts";
import type { Clock } from "./clock.ts";
import type { ServerConfig } from "./config.ts";
import type { Db, Store } from "./db/store.ts";

/** Everything a part of the server needs, built once at start-up and passed down. */
export interface Resources {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly db: Db;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  /** Access-token signing key, shared by all replicas (auth/jwt-secret.ts). */
  readonly jwtSecret: Uint8Array;
}
