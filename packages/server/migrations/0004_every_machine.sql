-- A worker on every machine: pairing codes (enrolment/), Web Push devices (push/), a phone worker's battery (workers).
CREATE TABLE "enrolment_codes" (
	"enrolment_code_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"worker_name" text,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_key_id" uuid,
	CONSTRAINT "enrolment_codes_expiry_check" CHECK ("enrolment_codes"."expires_at" > "enrolment_codes"."created_at"),
	CONSTRAINT "enrolment_codes_labels_check" CHECK (jsonb_typeof("enrolment_codes"."labels") = 'array'),
	CONSTRAINT "enrolment_codes_used_key_check" CHECK ("enrolment_codes"."used_key_id" is null or "enrolment_codes"."used_at" is not null)
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"subscription_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"label" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_success_at" timestamp with time zone,
	CONSTRAINT "push_subscriptions_endpoint_check" CHECK ("push_subscriptions"."endpoint" ~ '^https?://' and length("push_subscriptions"."endpoint") <= 2048),
	CONSTRAINT "push_subscriptions_keys_check" CHECK (length("push_subscriptions"."p256dh") between 80 and 100 and length("push_subscriptions"."auth") between 20 and 30),
	CONSTRAINT "push_subscriptions_label_check" CHECK (length("push_subscriptions"."label") <= 100 and length("push_subscriptions"."user_agent") <= 500)
);
--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "battery_percent" double precision;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "battery_charging" boolean;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_created_by_key_id_api_keys_key_id_fk" FOREIGN KEY ("created_by_key_id") REFERENCES "public"."api_keys"("key_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_used_key_id_api_keys_key_id_fk" FOREIGN KEY ("used_key_id") REFERENCES "public"."api_keys"("key_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "enrolment_codes_hash_key" ON "enrolment_codes" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "enrolment_codes_user_idx" ON "enrolment_codes" USING btree ("user_id","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_user_endpoint_key" ON "push_subscriptions" USING btree ("user_id","endpoint");--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_percent_check" CHECK ("workers"."battery_percent" between 0 and 100);--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_pair_check" CHECK (("workers"."battery_percent" is null) = ("workers"."battery_charging" is null));