// Once per test run: a template database with every migration applied; each test file clones it.
// Everything this run created is dropped at the end, whatever happened.
import { randomBytes } from "node:crypto";
import { migratePostgres } from "@garageswarm/server";
import { Redis } from "ioredis";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { inCi, testPostgresUrl, testRedisUrl, withDatabase } from "./env.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Null when PostgreSQL or Redis is unreachable outside CI: those tests skip. */
    pgRun: { prefix: string; template: string } | null;
    pgUnavailableReason: string;
  }
}

export default async function setup(project: TestProject) {
  const prefix = `gs_test_${randomBytes(4).toString("hex")}`;
  const template = `${prefix}_template`;
  const admin = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    const redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000 });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    await admin.end().catch(() => {});
    const reason = `PostgreSQL (${testPostgresUrl}) or Redis (${testRedisUrl}) unreachable: ${(error as Error).message}`;
    if (inCi) throw new Error(`${reason}. CI=true: tests that need them fail instead of skipping.`);
    project.provide("pgRun", null);
    project.provide("pgUnavailableReason", reason);
    return;
  }

  await admin.query(`create database "${template}"`);
  await migratePostgres(withDatabase(testPostgresUrl, template));
  project.provide("pgRun", { prefix, template });
  project.provide("pgUnavailableReason", "");

  return async () => {
    const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname like $1", [
      `${prefix}%`,
    ]);
    for (const { datname } of rows) {
      await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
    }
    await admin.end();
  };
}
