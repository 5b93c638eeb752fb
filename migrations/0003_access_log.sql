-- SPEC §6 access log. drizzle-kit generated the table and indexes; hand-finished here (before landing) with
-- range partitioning by time, the append function that forms the hash chain, and append-only triggers.
CREATE TABLE "access_events" (
	"sequence" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"actor" text,
	"role" text NOT NULL,
	"org_code" text,
	"view" text,
	"purpose_kind" text,
	"purpose_reference" text,
	"grant_id" text,
	"subject_code" text,
	"record_ids" text[] NOT NULL,
	"operation_name" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "access_events_sequence_at_pk" PRIMARY KEY("sequence","at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE INDEX "access_events_at" ON "access_events" USING btree ("at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_sequence" ON "access_events" USING btree ("sequence");--> statement-breakpoint
CREATE INDEX "access_events_org_at" ON "access_events" USING btree ("org_code","at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_actor_at" ON "access_events" USING btree ("actor","at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_subject_at" ON "access_events" USING btree ("subject_code","at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_purpose_at" ON "access_events" USING btree ("purpose_kind","at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_view_at" ON "access_events" USING btree ("view","at" DESC NULLS LAST,"sequence" DESC NULLS LAST);--> statement-breakpoint
-- Append-only for every role (L3): row triggers are cloned to each partition; TRUNCATE triggers are added per
-- partition by ensure_access_event_partition.
CREATE FUNCTION access_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_events is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE ON access_events
  FOR EACH ROW EXECUTE FUNCTION access_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events
  FOR EACH STATEMENT EXECUTE FUNCTION access_events_refuse_change();
--> statement-breakpoint
-- One partition per calendar year (UTC bounds), created ahead by the gateway at start; a DEFAULT partition
-- catches anything outside them so that an append never fails for want of a partition.
CREATE FUNCTION ensure_access_event_partition(p_year integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_name text := format('access_events_y%s', p_year);
BEGIN
  IF to_regclass(v_name) IS NOT NULL THEN RETURN; END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF access_events FOR VALUES FROM (%L) TO (%L)',
    v_name, make_timestamptz(p_year, 1, 1, 0, 0, 0, 'UTC'), make_timestamptz(p_year + 1, 1, 1, 0, 0, 0, 'UTC'));
  EXECUTE format('CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION access_events_refuse_change()', v_name);
END $$;
--> statement-breakpoint
CREATE TABLE access_events_default PARTITION OF access_events DEFAULT;
--> statement-breakpoint
CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events_default
  FOR EACH STATEMENT EXECUTE FUNCTION access_events_refuse_change();
--> statement-breakpoint
SELECT ensure_access_event_partition(y) FROM generate_series(2020, 2032) AS y;
--> statement-breakpoint
-- The canonical serialisation of an event (every column but hash): each field as <length>:<text> (or '-' for
-- NULL), joined by '|'; record_ids as <count>#<each id encoded the same way, joined by ','>, so that no two
-- different arrays share a text. src/modules/access-log/chain.ts recomputes it independently.
CREATE FUNCTION access_event_field(v text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE WHEN v IS NULL THEN '-' ELSE length(v)::text || ':' || v END
$$;
--> statement-breakpoint
CREATE FUNCTION access_event_canonical(
  p_sequence bigint, p_at timestamptz, p_request_id text, p_actor text, p_role text, p_org_code text, p_view text,
  p_purpose_kind text, p_purpose_reference text, p_grant_id text, p_subject_code text, p_record_ids text[],
  p_operation_name text, p_prev_hash text
) RETURNS text STABLE LANGUAGE sql AS $$
  SELECT concat_ws('|',
    access_event_field(p_sequence::text),
    access_event_field(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    access_event_field(p_request_id), access_event_field(p_actor), access_event_field(p_role),
    access_event_field(p_org_code), access_event_field(p_view), access_event_field(p_purpose_kind),
    access_event_field(p_purpose_reference), access_event_field(p_grant_id), access_event_field(p_subject_code),
    access_event_field(coalesce(cardinality(p_record_ids), 0)::text || '#' || coalesce(
      (SELECT string_agg(access_event_field(id), ',' ORDER BY n) FROM unnest(p_record_ids) WITH ORDINALITY AS u(id, n)), '')),
    access_event_field(p_operation_name),
    access_event_field(p_prev_hash))
$$;
--> statement-breakpoint
-- Appends a batch of events (a JSON array) as one chain segment. The advisory lock serialises appenders of
-- every gateway process; each statement after it sees the latest committed head (READ COMMITTED takes a new
-- snapshot per statement inside a volatile function), so concurrent writers still form one chain.
CREATE FUNCTION append_access_events(p_events jsonb) RETURNS TABLE (appended_sequence bigint, appended_hash text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sequence bigint;
  v_prev text;
  v_hash text;
  v_event jsonb;
  v_at timestamptz;
  v_ids text[];
BEGIN
  PERFORM pg_advisory_xact_lock(7262021);
  SELECT e.sequence, e.hash INTO v_sequence, v_prev FROM access_events e ORDER BY e.sequence DESC LIMIT 1;
  v_sequence := coalesce(v_sequence, 0);
  v_prev := coalesce(v_prev, repeat('0', 64));
  FOR v_event IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    v_sequence := v_sequence + 1;
    v_at := (v_event->>'at')::timestamptz;
    v_ids := ARRAY(SELECT jsonb_array_elements_text(coalesce(v_event->'recordIds', '[]'::jsonb)));
    v_hash := encode(sha256(convert_to(v_prev || access_event_canonical(
      v_sequence, v_at, v_event->>'requestId', v_event->>'actor', v_event->>'role', v_event->>'orgCode',
      v_event->>'view', v_event->>'purposeKind', v_event->>'purposeReference', v_event->>'grantId',
      v_event->>'subjectCode', v_ids, v_event->>'operationName', v_prev), 'UTF8')), 'hex');
    INSERT INTO access_events (sequence, at, request_id, actor, role, org_code, view, purpose_kind,
      purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash)
    VALUES (v_sequence, v_at, v_event->>'requestId', v_event->>'actor', v_event->>'role', v_event->>'orgCode',
      v_event->>'view', v_event->>'purposeKind', v_event->>'purposeReference', v_event->>'grantId',
      v_event->>'subjectCode', v_ids, v_event->>'operationName', v_prev, v_hash);
    appended_sequence := v_sequence;
    appended_hash := v_hash;
    RETURN NEXT;
    v_prev := v_hash;
  END LOOP;
END $$;
