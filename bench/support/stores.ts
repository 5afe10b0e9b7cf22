// Where a case keeps its data: a fresh PostgreSQL database or a PGlite data dir, removed afterwards even when the case fails.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const adminUrl = process.env.GARAGESWARM_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Null when PostgreSQL is unreachable, with the reason. */
export async function postgresUnavailable(): Promise<string | null> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    return null;
  } catch (error) {
    return `${adminUrl} unreachable (${(error as Error).message})`;
  } finally {
    await admin.end().catch(() => {});
  }
}

export async function withFreshDatabase<T>(prefix: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
    await admin.end();
  }
}

/** A PGlite data dir for one case, removed afterwards. */
export async function withTemporaryDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
