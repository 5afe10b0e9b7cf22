ALTER TABLE "tasks" ADD COLUMN "excused_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_events" ADD CONSTRAINT "task_events_kind_check" CHECK ("task_events"."kind" in ('status', 'progress', 'output', 'output_truncated'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_status_check" CHECK ("tasks"."status" in ('pending', 'queued', 'assigned', 'running', 'completed', 'failed', 'cancelled', 'timed_out'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_excused_attempts_check" CHECK ("tasks"."excused_attempts" between 0 and "tasks"."attempt");--> statement-breakpoint
ALTER TABLE "user_workers" ADD CONSTRAINT "user_workers_role_check" CHECK ("user_workers"."role" in ('owner', 'operator', 'viewer'));--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_status_check" CHECK ("workers"."status" in ('online', 'offline'));--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_status_check" CHECK ("workflow_runs"."status" in ('pending', 'running', 'paused', 'waiting_approval', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_trigger_check" CHECK ("workflow_runs"."trigger" in ('manual', 'schedule', 'api'));--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_workflow_type_check" CHECK ("workflows"."workflow_type" in ('sequential', 'concurrent', 'graph', 'hierarchical', 'mixture'));--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_status_check" CHECK ("workflows"."status" in ('active', 'disabled'));