-- A task's tools: its preference list. Every task so far named one tool.
ALTER TABLE "tasks" ADD COLUMN "tools" jsonb;--> statement-breakpoint
UPDATE "tasks" SET "tools" = jsonb_build_array("tool");--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "tools" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "on_limit" text DEFAULT 'wait' NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "limited_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "parked" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "resume" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tools_check" CHECK (jsonb_typeof("tasks"."tools") = 'array' and jsonb_array_length("tasks"."tools") between 1 and 8 and "tasks"."tools" @> jsonb_build_array("tasks"."tool"));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_on_limit_check" CHECK ("tasks"."on_limit" in ('wait', 'failover'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_limited_attempts_check" CHECK ("tasks"."limited_attempts" between 0 and "tasks"."attempt");