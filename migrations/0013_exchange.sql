-- SPEC §12 (issue 17): exchange with peer platforms. drizzle-kit generated the sequence, the table, the columns and
-- the constraints; hand-finished here (before landing) with the trigger that records every change of a record, the
-- append-only guard of record_changes and the backfill of the records filed before this migration.
CREATE SEQUENCE "public"."record_changes_sequence" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "exchange_imports" (
	"peer" text NOT NULL,
	"digest" text NOT NULL,
	"offset" bigint NOT NULL,
	"next_line" integer NOT NULL,
	"last_sequence" text NOT NULL,
	"applied" integer NOT NULL,
	"skipped" integer NOT NULL,
	"rejected" integer NOT NULL,
	"lines" integer NOT NULL,
	"rejects_size" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_changes" (
	"sequence" bigint PRIMARY KEY DEFAULT nextval('record_changes_sequence') NOT NULL,
	"record_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"disputed" boolean NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "record_changes_kind_valid" CHECK ("record_changes"."kind" IN ('FILED','VERSIONED','WITHDRAWN','REPAIRED','DISPUTED','UNDISPUTED','UNSHARED'))
);
--> statement-breakpoint
ALTER TABLE "organizations" DROP CONSTRAINT "organizations_kind_valid";--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "public_key" text;--> statement-breakpoint
ALTER TABLE "records" ADD COLUMN "origin_platform" text;--> statement-breakpoint
ALTER TABLE "records" ADD COLUMN "origin_id" text;--> statement-breakpoint
ALTER TABLE "records" ADD COLUMN "origin_sequence" bigint;--> statement-breakpoint
ALTER TABLE "exchange_imports" ADD CONSTRAINT "exchange_imports_peer_organizations_code_fk" FOREIGN KEY ("peer") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "exchange_imports_pk" ON "exchange_imports" USING btree ("peer","digest");--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_origin_platform_organizations_code_fk" FOREIGN KEY ("origin_platform") REFERENCES "public"."organizations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_kind_valid" CHECK ("organizations"."kind" IN ('PLATFORM','DEPARTMENT','AGENCY','AUDIT_OFFICE','PEER_PLATFORM'));--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_origin_complete" CHECK (("records"."origin_platform" IS NULL) = ("records"."origin_id" IS NULL));
--> statement-breakpoint
-- X1: every change of a record, numbered so that a reader never skips one. A sequence number taken when a
-- statement runs is not enough: two transactions that take 5 and 6 may commit 6 first, and a consumer that read up to
-- 6 would never see 5. The mechanism, a readers–writer fence on one advisory lock:
-- * writers number at COMMIT: a DEFERRABLE INITIALLY DEFERRED constraint trigger runs after every statement of the
--   transaction, takes the lock in SHARED mode (pg_advisory_xact_lock_shared) and only then takes its numbers.
--   Shared holders do not wait for each other, so concurrent commits are not serialised; PostgreSQL makes a
--   transaction visible (and writes its commit record) before it releases its locks;
-- * the feed reads in a transaction that first takes the same lock EXCLUSIVELY (src/modules/exchange/feed.repository.ts):
--   that waits until every transaction that has taken numbers is visible or rolled back, and holds off new
--   numbering while the page is read. Under it the committed changes are a prefix of the sequence (gaps only where a
--   transaction rolled back after numbering, never filled: the sequence does not go back), so `sequence > cursor`
--   never skips a change that commits late and never repeats one.
-- The trigger does nothing else that waits on another transaction, so the fence cannot deadlock; the sequence has
-- CACHE 1 (a per-session cache would hand out numbers out of order). Commit records reach a streaming standby in
-- commit order, but advisory locks do not: the feed must be read on the primary.
CREATE FUNCTION record_changes_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7262023);
  IF TG_OP = 'INSERT' THEN
    INSERT INTO record_changes (record_id, version, kind, status, disputed, at)
    VALUES (NEW.id, NEW.version, CASE NEW.status WHEN 'ACTIVE' THEN 'FILED' ELSE NEW.status END, NEW.status, NEW.disputed, now());
    RETURN NULL;
  END IF;
  IF NEW.version IS DISTINCT FROM OLD.version AND NEW.disclosure = 'SUBJECT_ONLY' AND OLD.disclosure <> 'SUBJECT_ONLY' THEN
    -- a correction narrowed the record to SUBJECT_ONLY: peers that received it must stop showing it. The change
    -- carries the last version they could receive (OLD.version, kept in record_versions), never the new content.
    INSERT INTO record_changes (record_id, version, kind, status, disputed, at)
    VALUES (NEW.id, OLD.version, 'UNSHARED', NEW.status, NEW.disputed, now());
  ELSIF NEW.version IS DISTINCT FROM OLD.version THEN
    INSERT INTO record_changes (record_id, version, kind, status, disputed, at)
    VALUES (NEW.id, NEW.version,
      CASE WHEN NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('WITHDRAWN', 'REPAIRED') THEN NEW.status ELSE 'VERSIONED' END,
      NEW.status, NEW.disputed, now());
  END IF;
  IF NEW.disputed IS DISTINCT FROM OLD.disputed THEN
    INSERT INTO record_changes (record_id, version, kind, status, disputed, at)
    VALUES (NEW.id, NEW.version, CASE WHEN NEW.disputed THEN 'DISPUTED' ELSE 'UNDISPUTED' END, NEW.status, NEW.disputed, now());
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER records_capture_changes AFTER INSERT OR UPDATE ON records
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_changes_capture();
--> statement-breakpoint
CREATE FUNCTION record_changes_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'record_changes is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER record_changes_append_only BEFORE UPDATE OR DELETE ON record_changes
  FOR EACH ROW EXECUTE FUNCTION record_changes_refuse_change();
--> statement-breakpoint
CREATE TRIGGER record_changes_no_truncate BEFORE TRUNCATE ON record_changes
  FOR EACH STATEMENT EXECUTE FUNCTION record_changes_refuse_change();
--> statement-breakpoint
-- The records filed before this migration: one change each, as they stand now, so that a peer reading the feed from
-- its beginning receives every record (a peer cannot learn the earlier versions of a record that predates the feed)
INSERT INTO record_changes (record_id, version, kind, status, disputed, at)
SELECT id, version, CASE status WHEN 'ACTIVE' THEN 'FILED' ELSE status END, status, disputed, updated_at
FROM records ORDER BY created_at, id;
