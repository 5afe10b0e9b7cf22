// The database keeps the closed sets closed: every value the protocol names is stored, anything else is
// refused by the table's CHECK, whatever code path writes it (the guarded UPDATEs write raw SQL).
import { RunStatus, TaskStatus, WorkerRole, WorkerStatus } from "@garageswarm/protocol";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresStackMissing, type TestDatabase } from "../../../test/support/server.ts";

describe.skipIf(postgresStackMissing())("status CHECK constraints", () => {
  let database: TestDatabase;
  const userId = "00000000-0000-4000-8000-000000000001";
  const workerId = "00000000-0000-4000-8000-000000000002";
  const workflowId = "00000000-0000-4000-8000-000000000003";
  const run = (statement: ReturnType<typeof sql>) => database.store.db.execute(statement);

  beforeAll(async () => {
    database = await createTestDatabase();
    await run(sql`insert into users (user_id, username, email, password_hash)
      values (${userId}::uuid, 'checks', 'checks@example.test', 'x')`);
    await run(sql`insert into workers (worker_id, owner_user_id, machine_id, machine_name, platform)
      values (${workerId}::uuid, ${userId}::uuid, 'm', 'machine', 'linux')`);
    await run(sql`insert into workflows (workflow_id, user_id, name, workflow_type, definition)
      values (${workflowId}::uuid, ${userId}::uuid, 'w', 'sequential', '{}'::jsonb)`);
  });
  afterAll(() => database?.close());

  /** Drizzle wraps the driver's error; the constraint is named in its cause, on both stores. */
  async function refusedBy(statement: Promise<unknown>, constraint: string): Promise<void> {
    const error = await statement.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(String((error as { cause?: unknown } | null)?.cause)).toContain(`check constraint "${constraint}"`);
  }

  const insertTask = (status: string) =>
    run(sql`insert into tasks (user_id, description, prompt, tool, tools, status)
      values (${userId}::uuid, 'd', 'p', 'shell', '["shell"]'::jsonb, ${status})`);
  let runNumber = 0;
  const insertRun = (status: string, trigger = "manual") =>
    run(sql`insert into workflow_runs (workflow_id, user_id, status, trigger, graph, run_number)
      values (${workflowId}::uuid, ${userId}::uuid, ${status}, ${trigger}, '{}'::jsonb, ${++runNumber})`);

  it("tasks.status: every TaskStatus, nothing else", async () => {
    for (const status of TaskStatus.options) await insertTask(status);
    await refusedBy(insertTask("offered"), "tasks_status_check");
  });

  it("workflow_runs.status and trigger: every RunStatus and trigger, nothing else", async () => {
    for (const status of RunStatus.options) await insertRun(status);
    await refusedBy(insertRun("ready"), "workflow_runs_status_check");
    await refusedBy(insertRun("running", "webhook"), "workflow_runs_trigger_check");
  });

  it("workers.status: online or offline (draining is a flag, deleted is no row)", async () => {
    for (const status of WorkerStatus.options) {
      await run(sql`update workers set status = ${status} where worker_id = ${workerId}::uuid`);
    }
    await refusedBy(
      run(sql`update workers set status = 'draining' where worker_id = ${workerId}::uuid`),
      "workers_status_check",
    );
  });

  it("user_workers.role, workflows and task_events: their closed sets", async () => {
    for (const role of WorkerRole.options) {
      await run(sql`insert into user_workers (user_id, worker_id, role) values (${userId}::uuid, ${workerId}::uuid, ${role})
        on conflict (user_id, worker_id) do update set role = excluded.role`);
    }
    await refusedBy(
      run(sql`update user_workers set role = 'admin' where worker_id = ${workerId}::uuid`),
      "user_workers_role_check",
    );
    await refusedBy(
      run(sql`update workflows set status = 'paused' where workflow_id = ${workflowId}::uuid`),
      "workflows_status_check",
    );
    await refusedBy(
      run(sql`update workflows set workflow_type = 'dag' where workflow_id = ${workflowId}::uuid`),
      "workflows_workflow_type_check",
    );
    await refusedBy(
      run(sql`insert into task_events (task_id, kind) select task_id, 'note' from tasks limit 1`),
      "task_events_kind_check",
    );
  });
});
