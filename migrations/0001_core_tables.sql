CREATE TABLE "organizations" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_code_format" CHECK ("organizations"."code" ~ '^[A-Z0-9-]{2,64}$'),
	CONSTRAINT "organizations_kind_valid" CHECK ("organizations"."kind" IN ('PLATFORM','DEPARTMENT','AGENCY','AUDIT_OFFICE')),
	CONSTRAINT "organizations_status_valid" CHECK ("organizations"."status" IN ('ACTIVE','SUSPENDED'))
);
--> statement-breakpoint
CREATE TABLE "catalog_types" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_zh" text NOT NULL,
	"category" text NOT NULL,
	"nature" text NOT NULL,
	"loosest_disclosure" text NOT NULL,
	"publicity_rule" text NOT NULL,
	"general_public_period" interval,
	"serious_public_period" interval,
	"default_public_period" interval,
	"max_public_period" interval,
	"public_for_individuals" boolean DEFAULT false NOT NULL,
	"repairable" boolean DEFAULT false NOT NULL,
	"requires_group" boolean DEFAULT false NOT NULL,
	"legal_basis" text,
	CONSTRAINT "catalog_category_valid" CHECK ("catalog_types"."category" IN ('REGISTRATION','JUDICIAL','ADMINISTRATIVE','PROFESSIONAL','ABNORMAL_OPERATION','SERIOUS_DISHONESTY','CONTRACT','COMMITMENT','EVALUATION','HONOR','SELF_DECLARED','COMPLIANCE','INTELLECTUAL_PROPERTY')),
	CONSTRAINT "catalog_nature_valid" CHECK ("catalog_types"."nature" IN ('BASIC','POSITIVE','NEGATIVE')),
	CONSTRAINT "catalog_disclosure_valid" CHECK ("catalog_types"."loosest_disclosure" IN ('PUBLIC','SHARED','SUBJECT_ONLY')),
	CONSTRAINT "catalog_publicity_rule_valid" CHECK ("catalog_types"."publicity_rule" IN ('BY_SEVERITY','BY_VALIDITY'))
);
--> statement-breakpoint
CREATE TABLE "code_exceptions" (
	"code" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "enterprise_prefixes" (
	"prefix" text PRIMARY KEY NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "professional_groups" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_zh" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subjects" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "subjects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"registered_at" date,
	"address" text,
	"legal_representative" text,
	"legal_representative_id" text,
	"birth_date" date,
	"code_flagged" boolean DEFAULT false NOT NULL,
	"registered_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subjects_code_unique" UNIQUE("code"),
	CONSTRAINT "subjects_kind_valid" CHECK ("subjects"."kind" IN ('ENTERPRISE','INDIVIDUAL','PUBLIC_INSTITUTION','SOCIAL_ORGANIZATION')),
	CONSTRAINT "subjects_status_valid" CHECK ("subjects"."status" IN ('ACTIVE','DEREGISTERED','REVOKED')),
	CONSTRAINT "subjects_individual_birth_date" CHECK (("subjects"."kind" = 'INDIVIDUAL') = ("subjects"."birth_date" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "record_versions" (
	"record_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"changed_fields" text[] NOT NULL,
	"replaced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replaced_by" text
);
--> statement-breakpoint
CREATE TABLE "records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_id" bigint NOT NULL,
	"type" text NOT NULL,
	"category" text NOT NULL,
	"nature" text NOT NULL,
	"severity" text,
	"title" text NOT NULL,
	"summary" text,
	"decision_number" text,
	"decided_at" timestamp with time zone NOT NULL,
	"valid_from" timestamp with time zone,
	"valid_until" timestamp with time zone,
	"legal_basis" text,
	"amount" numeric,
	"grade" text,
	"group_code" text,
	"disclosure" text NOT NULL,
	"details" jsonb,
	"source_org" text NOT NULL,
	"source_ref" text NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"status_reason" text,
	"content_hash" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "records_status_valid" CHECK ("records"."status" IN ('ACTIVE','WITHDRAWN','REPAIRED')),
	CONSTRAINT "records_disclosure_valid" CHECK ("records"."disclosure" IN ('PUBLIC','SHARED','SUBJECT_ONLY')),
	CONSTRAINT "records_severity_valid" CHECK ("records"."severity" IS NULL OR "records"."severity" IN ('MINOR','GENERAL','SERIOUS')),
	CONSTRAINT "records_validity_order" CHECK ("records"."valid_until" IS NULL OR "records"."valid_from" IS NULL OR "records"."valid_until" >= "records"."valid_from")
);
--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_registered_by_organizations_code_fk" FOREIGN KEY ("registered_by") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_versions" ADD CONSTRAINT "record_versions_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_type_catalog_types_code_fk" FOREIGN KEY ("type") REFERENCES "public"."catalog_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_source_org_organizations_code_fk" FOREIGN KEY ("source_org") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subjects_name_trgm" ON "subjects" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "subjects_kind_name" ON "subjects" USING btree ("kind","name");--> statement-breakpoint
CREATE UNIQUE INDEX "record_versions_pk" ON "record_versions" USING btree ("record_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "records_source_ref" ON "records" USING btree ("source_org","source_ref");--> statement-breakpoint
CREATE INDEX "records_subject_newest" ON "records" USING btree ("subject_id","decided_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "records_subject_group" ON "records" USING btree ("subject_id","group_code") WHERE "records"."group_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "records_group_subject" ON "records" USING btree ("group_code","subject_id") WHERE "records"."group_code" IS NOT NULL;