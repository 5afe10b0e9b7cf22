// Where the test services live. CI=true turns "unreachable" from a skip into a failure.
export const testPostgresUrl =
  process.env.GARAGESWARM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const testRedisUrl = process.env.GARAGESWARM_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const inCi = process.env.CI === "true" || process.env.CI === "1";
export type TestStack = "embedded" | "postgres";
export const testStack: TestStack = process.env.GS_TEST_STACK === "postgres" ? "postgres" : "embedded";

/** Replaces the database name in a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
