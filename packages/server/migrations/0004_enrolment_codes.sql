-- Pairing codes (enrolment/): a machine exchanges one, once, within 10 minutes, for a worker key of its owner.
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
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_created_by_key_id_api_keys_key_id_fk" FOREIGN KEY ("created_by_key_id") REFERENCES "public"."api_keys"("key_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_used_key_id_api_keys_key_id_fk" FOREIGN KEY ("used_key_id") REFERENCES "public"."api_keys"("key_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "enrolment_codes_hash_key" ON "enrolment_codes" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "enrolment_codes_user_idx" ON "enrolment_codes" USING btree ("user_id","expires_at");