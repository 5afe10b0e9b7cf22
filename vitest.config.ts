import { configDefaults, defineConfig } from "vitest/config";

// Unit tests (next to the code) run once. Integration tests (packages/*/test) run twice:
// on the embedded stack (PGlite + in-process bus) and on PostgreSQL + Redis.
// `*.replicas.test.ts` needs several server processes on one database, and `*.postgres.test.ts` a
// connection to the store it can cut: PostgreSQL + Redis only.
const integration = ["packages/*/test/**/*.test.ts"];
const postgresOnly = ["packages/*/test/**/*.replicas.test.ts", "packages/*/test/**/*.postgres.test.ts"];
// The real agent CLIs (test/clis, `npm run test:setup-clis`) in a network namespace: once, on the embedded stack.
const realClis = ["packages/*/test/real-clis/**/*.test.ts"];

export default defineConfig({
  test: {
    // Hang guards, not speed checks. A file-scoped fixture (a test server) starts inside the first
    // test's time, so tests get what hooks get: a loaded 2-core CI machine can take seconds to start one.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at once (Vitest's default is one fewer than the cores: one, on a 2-core CI machine). Most
    // integration tests wait on child processes, sockets and timers rather than compute, and each file has
    // its own server, database, Redis prefix, temp dirs and ports, so two can share the machine.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "embedded",
          include: integration,
          exclude: [...configDefaults.exclude, ...postgresOnly, ...realClis],
          env: { GS_TEST_STACK: "embedded" },
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: integration,
          exclude: [...configDefaults.exclude, ...realClis],
          env: { GS_TEST_STACK: "postgres" },
          globalSetup: ["test/support/postgres-global-setup.ts"],
        },
      },
      {
        extends: true,
        test: { name: "clis", include: realClis, env: { GS_TEST_STACK: "embedded" } },
      },
      {
        // The dashboard in a real Chromium against a real server (embedded stack), one file at a time.
        extends: true,
        test: {
          name: "browser",
          include: ["packages/web/e2e/**/*.test.ts"],
          env: { GS_TEST_STACK: "embedded" },
          globalSetup: ["packages/web/e2e/support/global-setup.ts"],
          fileParallelism: false,
        },
      },
    ],
  },
});
