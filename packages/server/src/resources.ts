import type { Logger } from "pino";
import type { Bus } from "./bus/bus.ts";
import type { Clock, Timers } from "./clock.ts";
import type { ServerConfig } from "./config.ts";
import type { Db, Store } from "./db/store.ts";
import type { PushNotifier } from "./push/notifier.ts";
import type { VapidKeys } from "./push/vapid-keys.ts";
import type { ReportCommits } from "./queue/group-commit.ts";

/** Everything a part of the server needs, built once at start-up and passed down. */
export interface Resources {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly db: Db;
  readonly bus: Bus;
  readonly clock: Clock;
  /** Deferred work on the clock's time (clock.ts): the dispatcher's offer deadlines and sweep. */
  readonly timers: Timers;
  readonly log: Logger;
  /** Access-token signing key, shared by all replicas (auth/jwt-secret.ts). */
  readonly jwtSecret: Uint8Array;
  /** The Web Push key pair, shared by all replicas (push/vapid-keys.ts). */
  readonly vapidKeys: VapidKeys;
  /** Web Push to a user's devices, sent in the background (push/notifier.ts). */
  readonly push: PushNotifier;
  /** Attempt starts, completions and failures, written in groups by this replica (queue/group-commit.ts). */
  readonly reports: ReportCommits;
}
