ALTER TABLE "workers" ADD COLUMN "battery_percent" double precision;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "battery_charging" boolean;--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_percent_check" CHECK ("workers"."battery_percent" between 0 and 100);--> statement-breakpoint
ALTER TABLE "workers" ADD CONSTRAINT "workers_battery_pair_check" CHECK (("workers"."battery_percent" is null) = ("workers"."battery_charging" is null));