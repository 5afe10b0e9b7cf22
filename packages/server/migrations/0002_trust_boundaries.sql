CREATE TABLE "invites" (
	"invite_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"created_by_user_id" uuid,
	"email" text,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_user_id" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "scope" text DEFAULT 'full' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "created_by_key_id" uuid;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "worker_owner_user_id" uuid;--> statement-breakpoint
ALTER TABLE "user_workers" ADD COLUMN "status" text DEFAULT 'accepted' NOT NULL;--> statement-breakpoint
ALTER TABLE "user_workers" ADD COLUMN "offered_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "user_workers" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_created_by_user_id_users_user_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("user_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_used_by_user_id_users_user_id_fk" FOREIGN KEY ("used_by_user_id") REFERENCES "public"."users"("user_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invites_token_hash_key" ON "invites" USING btree ("token_hash");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_key_id_api_keys_key_id_fk" FOREIGN KEY ("created_by_key_id") REFERENCES "public"."api_keys"("key_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_worker_owner_user_id_users_user_id_fk" FOREIGN KEY ("worker_owner_user_id") REFERENCES "public"."users"("user_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_workers" ADD CONSTRAINT "user_workers_offered_by_user_id_users_user_id_fk" FOREIGN KEY ("offered_by_user_id") REFERENCES "public"."users"("user_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_created_by_idx" ON "api_keys" USING btree ("created_by_key_id");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scope_check" CHECK ("api_keys"."scope" in ('full', 'worker'));--> statement-breakpoint
ALTER TABLE "user_workers" ADD CONSTRAINT "user_workers_status_check" CHECK ("user_workers"."status" in ('offered', 'accepted'));--> statement-breakpoint
-- Shares made before consent existed were never accepted by their recipients: they become offers.
UPDATE "user_workers" SET "status" = 'offered' FROM "workers" WHERE "workers"."worker_id" = "user_workers"."worker_id" AND "user_workers"."user_id" <> "workers"."owner_user_id";--> statement-breakpoint
UPDATE "user_workers" SET "accepted_at" = "created_at" WHERE "status" = 'accepted';--> statement-breakpoint
UPDATE "tasks" SET "worker_owner_user_id" = "workers"."owner_user_id" FROM "workers" WHERE "workers"."worker_id" = "tasks"."worker_id";
