CREATE TABLE "credit_checks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	"org_code" text NOT NULL,
	"actor" text NOT NULL,
	"subject_code" text NOT NULL,
	"scenario" text NOT NULL,
	"purpose_kind" text NOT NULL,
	"purpose_reference" text NOT NULL,
	"verdict" text NOT NULL,
	"result" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "measures" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_zh" text NOT NULL,
	"kind" text NOT NULL,
	"effect" text NOT NULL,
	"trigger_types" text[] NOT NULL,
	"trigger_severities" text[],
	"trigger_grades" text[],
	"scenarios" text[] NOT NULL,
	"legal_basis" text NOT NULL,
	"description" text,
	CONSTRAINT "measures_kind_valid" CHECK ("measures"."kind" IN ('INCENTIVE','PUNISHMENT')),
	CONSTRAINT "measures_effect_valid" CHECK ("measures"."effect" IN ('RESTRICT','WARN','INCENTIVE')),
	CONSTRAINT "measures_effect_fits_kind" CHECK (("measures"."kind" = 'INCENTIVE') = ("measures"."effect" = 'INCENTIVE'))
);
--> statement-breakpoint
CREATE INDEX "credit_checks_org" ON "credit_checks" USING btree ("org_code","checked_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_checks_subject" ON "credit_checks" USING btree ("subject_code","checked_at" DESC NULLS LAST);