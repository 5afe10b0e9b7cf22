// Which errors mean "the store cannot be reached right now" rather than "this query is wrong": the API answers
// those with 503 + Retry-After (http/problem.ts), and the reaper counts them as an outage (queue/reaper.ts).

/** SQLSTATE classes and codes that say the connection, not the statement, failed. */
const unavailableSqlStates = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down, in recovery)
  "53300", // too_many_connections
]);
const unavailableSystemCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
/** node-postgres and PGlite say these in the message only. */
const unavailableMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /connection (is )?(closed|ended)/i,
  /PGlite is clos(ed|ing)/,
];

/** True for an error (or one it wraps: drizzle keeps the driver's error as `cause`) from an unreachable store. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") {
      if (unavailableSqlStates.has(code) || code.startsWith("08") || unavailableSystemCodes.has(code)) return true;
    }
    if (current instanceof AggregateError && current.errors.some(isStoreUnavailable)) return true;
    const message = current.message;
    if (unavailableMessages.some((pattern) => pattern.test(message))) return true;
    current = current.cause;
  }
  return false;
}
