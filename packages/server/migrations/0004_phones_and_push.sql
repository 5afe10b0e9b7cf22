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
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_user_endpoint_key" ON "push_subscriptions" USING btree ("user_id","endpoint");--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_percent_check" CHECK ("workers"."battery_percent" between 0 and 100);--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_pair_check" CHECK (("workers"."battery_percent" is null) = ("workers"."battery_charging" is null));