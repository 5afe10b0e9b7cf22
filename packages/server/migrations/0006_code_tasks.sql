CREATE TABLE "review_comments" (
	"comment_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"body" text NOT NULL,
	"path" text,
	"line" integer,
	"side" text DEFAULT 'new' NOT NULL,
	"sent_in_task_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_comments_side_check" CHECK ("review_comments"."side" in ('old', 'new')),
	CONSTRAINT "review_comments_line_check" CHECK ("review_comments"."line" is null or ("review_comments"."path" is not null and "review_comments"."line" > 0))
);
--> statement-breakpoint
CREATE TABLE "saved_repos" (
	"repo_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"default_ref" text,
	"setup" text,
	"check" text,
	"push" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_patches" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"patch" text NOT NULL,
	"bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_patches_bytes_check" CHECK ("task_patches"."bytes" >= 0)
);
--> statement-breakpoint
ALTER TABLE "run_nodes" ADD COLUMN "code" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "repo" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "follows_task_id" uuid;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "workspace" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "revision" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "review_state" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "pull_request" jsonb;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_task_id_tasks_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_sent_in_task_id_tasks_task_id_fk" FOREIGN KEY ("sent_in_task_id") REFERENCES "public"."tasks"("task_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_repos" ADD CONSTRAINT "saved_repos_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_patches" ADD CONSTRAINT "task_patches_task_id_tasks_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_comments_task_idx" ON "review_comments" USING btree ("task_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "saved_repos_user_name_key" ON "saved_repos" USING btree ("user_id","name");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_follows_task_id_tasks_task_id_fk" FOREIGN KEY ("follows_task_id") REFERENCES "public"."tasks"("task_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_follows_key" ON "tasks" USING btree ("follows_task_id");--> statement-breakpoint
CREATE INDEX "tasks_worker_repo_idx" ON "tasks" USING btree ("worker_id",("repo"->>'url')) WHERE "tasks"."repo" is not null;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_review_state_check" CHECK ("tasks"."review_state" in ('unreviewed', 'changes_requested', 'accepted'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_code_columns_check" CHECK (("tasks"."repo" is null and "tasks"."revision" is null and "tasks"."review_state" is null and "tasks"."workspace" is null)
        or ("tasks"."repo" is not null and "tasks"."revision" >= 1 and "tasks"."review_state" is not null));