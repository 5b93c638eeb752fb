-- SPEC §8 (issue 8): objections, credit repair applications and their state history. drizzle-kit generated the
-- tables, columns and indexes; hand-finished here (before landing) with the repair minimum periods of R3 as
-- catalog data and append-only triggers on case_events.
CREATE TABLE "case_events" (
	"sequence" bigserial PRIMARY KEY NOT NULL,
	"case_kind" text NOT NULL,
	"case_id" uuid NOT NULL,
	"record_id" uuid NOT NULL,
	"subject_code" text NOT NULL,
	"action" text NOT NULL,
	"outcome" text,
	"actor" text,
	"role" text NOT NULL,
	"org_code" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_events_kind_valid" CHECK ("case_events"."case_kind" IN ('OBJECTION','REPAIR')),
	CONSTRAINT "case_events_action_valid" CHECK ("case_events"."action" IN ('FILED','RESOLVED','APPLIED','APPROVED','REJECTED'))
);
--> statement-breakpoint
CREATE TABLE "objections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"record_id" uuid NOT NULL,
	"subject_id" bigint NOT NULL,
	"subject_code" text NOT NULL,
	"source_org" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"outcome" text,
	"note" text,
	"record_version" integer NOT NULL,
	"corrected_version" integer,
	"filed_at" timestamp with time zone NOT NULL,
	"filed_by" text NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	CONSTRAINT "objections_status_valid" CHECK ("objections"."status" IN ('PENDING','RESOLVED')),
	CONSTRAINT "objections_outcome_valid" CHECK (("objections"."status" = 'PENDING' AND "objections"."outcome" IS NULL AND "objections"."resolved_at" IS NULL)
      OR ("objections"."status" = 'RESOLVED' AND "objections"."outcome" IN ('CORRECTED','NOT_ERRONEOUS','UNDETERMINED') AND "objections"."note" IS NOT NULL AND "objections"."resolved_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "repair_applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"record_id" uuid NOT NULL,
	"subject_id" bigint NOT NULL,
	"subject_code" text NOT NULL,
	"source_org" text NOT NULL,
	"commitment" text NOT NULL,
	"evidence" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"decision_reason" text,
	"applied_at" timestamp with time zone NOT NULL,
	"applied_by" text NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	CONSTRAINT "repair_applications_status_valid" CHECK (("repair_applications"."status" = 'PENDING' AND "repair_applications"."decided_at" IS NULL)
      OR ("repair_applications"."status" IN ('APPROVED','REJECTED') AND "repair_applications"."decision_reason" IS NOT NULL AND "repair_applications"."decided_at" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "catalog_types" ADD COLUMN "general_repair_period" interval;--> statement-breakpoint
ALTER TABLE "catalog_types" ADD COLUMN "serious_repair_period" interval;--> statement-breakpoint
ALTER TABLE "catalog_types" ADD COLUMN "repair_period" interval;--> statement-breakpoint
ALTER TABLE "records" ADD COLUMN "disputed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_source_org_organizations_code_fk" FOREIGN KEY ("source_org") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repair_applications" ADD CONSTRAINT "repair_applications_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repair_applications" ADD CONSTRAINT "repair_applications_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repair_applications" ADD CONSTRAINT "repair_applications_source_org_organizations_code_fk" FOREIGN KEY ("source_org") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_events_case" ON "case_events" USING btree ("case_id","sequence");--> statement-breakpoint
CREATE INDEX "case_events_at" ON "case_events" USING btree ("at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "case_events_subject" ON "case_events" USING btree ("subject_code","at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "objections_one_pending_per_record" ON "objections" USING btree ("record_id") WHERE "objections"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "objections_record" ON "objections" USING btree ("record_id","filed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "objections_subject" ON "objections" USING btree ("subject_id","filed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "objections_pending_by_source" ON "objections" USING btree ("source_org","filed_at","id") WHERE "objections"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "objections_pending" ON "objections" USING btree ("filed_at","id") WHERE "objections"."status" = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "repair_applications_one_pending_per_record" ON "repair_applications" USING btree ("record_id") WHERE "repair_applications"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "repair_applications_subject" ON "repair_applications" USING btree ("subject_id","applied_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "repair_applications_pending_by_source" ON "repair_applications" USING btree ("source_org","applied_at","id") WHERE "repair_applications"."status" = 'PENDING';
--> statement-breakpoint
-- R3 minimum periods (configuration, like the publicity windows): penalty GENERAL 3 months and SERIOUS 1 year after
-- decidedAt; list-like negative types 1 year after validFrom (else decidedAt); arrears none (repairable once paid).
UPDATE "catalog_types" SET "general_repair_period" = '3 mons', "serious_repair_period" = '1 year' WHERE "code" = 'penalty';--> statement-breakpoint
UPDATE "catalog_types" SET "repair_period" = '1 year' WHERE "code" IN ('abnormal-operation', 'serious-dishonesty-list', 'ip-infringement');--> statement-breakpoint
-- Every state change is kept (issue 8 point 4): no role may rewrite or remove one.
CREATE FUNCTION case_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_events is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
  FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse_change();
