-- SPEC L6 (issue 15): signed checkpoints and a hash chain for case events. drizzle-kit generated the table, the
-- columns and the index; hand-finished here (before landing) with the backfill of the chain over existing case
-- events, the insert trigger that chains every new one, and append-only triggers on the checkpoints.
CREATE TABLE "access_checkpoints" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"access_sequence" bigint,
	"access_hash" text,
	"case_sequence" bigint,
	"case_hash" text,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "access_checkpoints_signed_at" ON "access_checkpoints" USING btree ("signed_at" DESC NULLS LAST);
--> statement-breakpoint
CREATE TRIGGER access_checkpoints_append_only BEFORE UPDATE OR DELETE ON access_checkpoints
  FOR EACH ROW EXECUTE FUNCTION access_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER access_checkpoints_no_truncate BEFORE TRUNCATE ON access_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION access_events_refuse_change();
--> statement-breakpoint
ALTER TABLE "case_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "case_events" ADD COLUMN "hash" text;--> statement-breakpoint
-- The canonical case event (every column but hash), encoded like an access event (access_event_field);
-- src/modules/access-log/chain.ts recomputes it independently.
CREATE FUNCTION case_event_canonical(
  p_sequence bigint, p_case_kind text, p_case_id uuid, p_record_id uuid, p_subject_code text, p_action text,
  p_outcome text, p_actor text, p_role text, p_org_code text, p_at timestamptz, p_prev_hash text
) RETURNS text STABLE LANGUAGE sql AS $$
  SELECT concat_ws('|',
    access_event_field(p_sequence::text), access_event_field(p_case_kind), access_event_field(p_case_id::text),
    access_event_field(p_record_id::text), access_event_field(p_subject_code), access_event_field(p_action),
    access_event_field(p_outcome), access_event_field(p_actor), access_event_field(p_role), access_event_field(p_org_code),
    access_event_field(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    access_event_field(p_prev_hash))
$$;
--> statement-breakpoint
-- The events written before this migration, chained in sequence order and numbered 1..n (the append-only
-- trigger is lifted for this one transaction). The old numbers came from a bigserial, which skips values after a
-- rolled-back insert or a crash; the chain needs consecutive numbers. Renumbering in ascending order never
-- collides: the k-th row gets k, and every row not yet renumbered has a number above its own old one.
ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
--> statement-breakpoint
DO $$
DECLARE
  v_prev text := repeat('0', 64);
  v_row case_events%ROWTYPE;
  v_old bigint;
  v_next bigint := 0;
BEGIN
  FOR v_row IN SELECT * FROM case_events ORDER BY sequence LOOP
    v_old := v_row.sequence;
    v_next := v_next + 1;
    v_row.hash := encode(sha256(convert_to(v_prev || case_event_canonical(v_next, v_row.case_kind, v_row.case_id,
      v_row.record_id, v_row.subject_code, v_row.action, v_row.outcome, v_row.actor, v_row.role, v_row.org_code, v_row.at,
      v_prev), 'UTF8')), 'hex');
    UPDATE case_events SET sequence = v_next, prev_hash = v_prev, hash = v_row.hash WHERE sequence = v_old;
    v_prev := v_row.hash;
  END LOOP;
END $$;
--> statement-breakpoint
ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
--> statement-breakpoint
ALTER TABLE "case_events" ALTER COLUMN "prev_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "case_events" ALTER COLUMN "hash" SET NOT NULL;--> statement-breakpoint
-- Every new case event takes the next sequence number and its place in the chain under an advisory lock held to
-- the end of its transaction, so that concurrent writers (several gateway processes) form one chain in sequence
-- order. The case event is the last statement of every case transaction (subject-rights.repository.ts), so the
-- lock is held only for the commit and no row lock is taken after it.
CREATE FUNCTION case_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_sequence bigint;
  v_prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(7262022);
  SELECT e.sequence, e.hash INTO v_sequence, v_prev FROM case_events e ORDER BY e.sequence DESC LIMIT 1;
  NEW.sequence := coalesce(v_sequence, 0) + 1;
  NEW.prev_hash := coalesce(v_prev, repeat('0', 64));
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || case_event_canonical(NEW.sequence, NEW.case_kind, NEW.case_id,
    NEW.record_id, NEW.subject_code, NEW.action, NEW.outcome, NEW.actor, NEW.role, NEW.org_code, NEW.at, NEW.prev_hash),
    'UTF8')), 'hex');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER case_events_chain BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION case_events_chain();
