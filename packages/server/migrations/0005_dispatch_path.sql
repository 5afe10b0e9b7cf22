CREATE TABLE "run_edges" (
	"run_id" uuid NOT NULL,
	"edge_id" text NOT NULL,
	"status" text NOT NULL,
	"traversals" integer NOT NULL,
	CONSTRAINT "run_edges_run_id_edge_id_pk" PRIMARY KEY("run_id","edge_id"),
	CONSTRAINT "run_edges_status_check" CHECK ("run_edges"."status" in ('pending', 'taken', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "run_nodes" (
	"run_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"status" text NOT NULL,
	"iteration" integer NOT NULL,
	"attempt" integer NOT NULL,
	"task_id" uuid,
	"output" text,
	"json" jsonb,
	"exit_code" integer,
	"error" text,
	CONSTRAINT "run_nodes_run_id_node_id_pk" PRIMARY KEY("run_id","node_id"),
	CONSTRAINT "run_nodes_status_check" CHECK ("run_nodes"."status" in ('pending', 'ready', 'running', 'waiting_retry', 'waiting_approval', 'completed', 'failed', 'skipped', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "excused_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "run_edges" ADD CONSTRAINT "run_edges_run_id_workflow_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."workflow_runs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_nodes" ADD CONSTRAINT "run_nodes_run_id_workflow_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."workflow_runs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_events" ADD CONSTRAINT "task_events_kind_check" CHECK ("task_events"."kind" in ('status', 'progress', 'output', 'output_truncated'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_status_check" CHECK ("tasks"."status" in ('pending', 'queued', 'assigned', 'running', 'completed', 'failed', 'cancelled', 'timed_out'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_excused_attempts_check" CHECK ("tasks"."excused_attempts" between 0 and "tasks"."attempt");--> statement-breakpoint
ALTER TABLE "user_workers" ADD CONSTRAINT "user_workers_role_check" CHECK ("user_workers"."role" in ('owner', 'operator', 'viewer'));--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_status_check" CHECK ("workers"."status" in ('online', 'offline'));--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_status_check" CHECK ("workflow_runs"."status" in ('pending', 'running', 'paused', 'waiting_approval', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_trigger_check" CHECK ("workflow_runs"."trigger" in ('manual', 'schedule', 'api'));--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_workflow_type_check" CHECK ("workflows"."workflow_type" in ('sequential', 'concurrent', 'graph', 'hierarchical', 'mixture'));--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_status_check" CHECK ("workflows"."status" in ('active', 'disabled'));--> statement-breakpoint
-- Existing runs' node and edge states move out of workflow_runs.state into their rows (hand-written).
INSERT INTO "run_nodes" ("run_id", "node_id", "status", "iteration", "attempt", "task_id", "output", "json", "exit_code", "error")
SELECT r."run_id", n.key, n.value->>'status', (n.value->>'iteration')::integer, (n.value->>'attempt')::integer,
       (n.value->>'task_id')::uuid, n.value->>'output', nullif(n.value->'json', 'null'::jsonb),
       (n.value->>'exit_code')::integer, n.value->>'error'
FROM "workflow_runs" r, jsonb_each(coalesce(r."state"->'nodes', '{}'::jsonb)) n;--> statement-breakpoint
INSERT INTO "run_edges" ("run_id", "edge_id", "status", "traversals")
SELECT r."run_id", e.key, e.value->>'status', (e.value->>'traversals')::integer
FROM "workflow_runs" r, jsonb_each(coalesce(r."state"->'edges', '{}'::jsonb)) e;--> statement-breakpoint
UPDATE "workflow_runs" SET "state" = "state" - 'nodes' - 'edges' WHERE "state" ? 'nodes' OR "state" ? 'edges';
