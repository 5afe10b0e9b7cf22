-- Existing runs are numbered in the order they were created, and each workflow's count starts after its last run.
ALTER TABLE "workflow_runs" ADD COLUMN "run_number" integer;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "run_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "workflow_runs" AS r SET "run_number" = numbered.n
  FROM (SELECT "run_id", row_number() OVER (PARTITION BY "workflow_id" ORDER BY "created_at", "run_id") AS n FROM "workflow_runs") AS numbered
  WHERE r."run_id" = numbered."run_id";--> statement-breakpoint
UPDATE "workflows" AS w SET "run_count" = counted.n
  FROM (SELECT "workflow_id", max("run_number") AS n FROM "workflow_runs" GROUP BY "workflow_id") AS counted
  WHERE w."workflow_id" = counted."workflow_id";--> statement-breakpoint
ALTER TABLE "workflow_runs" ALTER COLUMN "run_number" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_runs_number_key" ON "workflow_runs" USING btree ("workflow_id","run_number");
