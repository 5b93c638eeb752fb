CREATE TABLE "grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_id" bigint NOT NULL,
	"subject_code" text NOT NULL,
	"agency_code" text NOT NULL,
	"categories" text[] NOT NULL,
	"purpose_kind" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"granted_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grants_validity_order" CHECK ("grants"."valid_until" > "grants"."valid_from"),
	CONSTRAINT "grants_categories_present" CHECK (cardinality("grants"."categories") > 0)
);
--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_agency_code_organizations_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grants_agency_purpose" ON "grants" USING btree ("agency_code","purpose_kind","valid_until");--> statement-breakpoint
CREATE INDEX "grants_subject" ON "grants" USING btree ("subject_id","created_at" DESC NULLS LAST);