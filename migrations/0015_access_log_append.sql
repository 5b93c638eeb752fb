-- Issue 18: the access-log append costs less PostgreSQL time per event; the chain, its canonical text and its hashes are
-- unchanged (test/integration/access-log-canonical.test.ts compares the new text with 0003's function and with
-- src/modules/access-log/chain.ts). `npm run bench:append` measures it (bench/RESULTS.md, section 4c).
-- * access_event_canonical: the same text, built in PL/pgSQL. The SQL function of 0003 called a SQL function per field
--   and aggregated the record ids in a subquery, none of it inlined: about 38 µs per event with 20 ids, now about 6.
--   The ids are gathered in an array and joined once, so an event with many ids (an export page names up to 1,000)
--   costs in proportion to them.
-- * append_access_events: each event's fields are read once, typed, by jsonb_to_recordset instead of 13 `->>` lookups
--   and a subquery for the record ids. Still one INSERT per event in chain order, under the same advisory lock.
CREATE OR REPLACE FUNCTION access_event_canonical(
  p_sequence bigint, p_at timestamptz, p_request_id text, p_actor text, p_role text, p_org_code text, p_view text,
  p_purpose_kind text, p_purpose_reference text, p_grant_id text, p_subject_code text, p_record_ids text[],
  p_operation_name text, p_prev_hash text
) RETURNS text STABLE LANGUAGE plpgsql AS $$
DECLARE
  v_sequence text := p_sequence::text;
  v_at text := to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_parts text[] := '{}';
  v_id text;
  v_ids text;
BEGIN
  -- record_ids as <count>#<each id as a field, joined by ','> (a NULL array counts 0, as cardinality did); every part
  -- is non-NULL, so array_to_string drops none
  IF p_record_ids IS NOT NULL THEN
    FOREACH v_id IN ARRAY p_record_ids LOOP
      v_parts := v_parts || CASE WHEN v_id IS NULL THEN '-' ELSE length(v_id)::text || ':' || v_id END;
    END LOOP;
  END IF;
  v_ids := cardinality(v_parts)::text || '#' || array_to_string(v_parts, ',');
  -- each field as <length>:<text>, or '-' for NULL (access_event_field), joined by '|'
  RETURN CASE WHEN v_sequence IS NULL THEN '-' ELSE length(v_sequence)::text || ':' || v_sequence END
    || '|' || CASE WHEN v_at IS NULL THEN '-' ELSE length(v_at)::text || ':' || v_at END
    || '|' || CASE WHEN p_request_id IS NULL THEN '-' ELSE length(p_request_id)::text || ':' || p_request_id END
    || '|' || CASE WHEN p_actor IS NULL THEN '-' ELSE length(p_actor)::text || ':' || p_actor END
    || '|' || CASE WHEN p_role IS NULL THEN '-' ELSE length(p_role)::text || ':' || p_role END
    || '|' || CASE WHEN p_org_code IS NULL THEN '-' ELSE length(p_org_code)::text || ':' || p_org_code END
    || '|' || CASE WHEN p_view IS NULL THEN '-' ELSE length(p_view)::text || ':' || p_view END
    || '|' || CASE WHEN p_purpose_kind IS NULL THEN '-' ELSE length(p_purpose_kind)::text || ':' || p_purpose_kind END
    || '|' || CASE WHEN p_purpose_reference IS NULL THEN '-' ELSE length(p_purpose_reference)::text || ':' || p_purpose_reference END
    || '|' || CASE WHEN p_grant_id IS NULL THEN '-' ELSE length(p_grant_id)::text || ':' || p_grant_id END
    || '|' || CASE WHEN p_subject_code IS NULL THEN '-' ELSE length(p_subject_code)::text || ':' || p_subject_code END
    || '|' || length(v_ids)::text || ':' || v_ids
    || '|' || CASE WHEN p_operation_name IS NULL THEN '-' ELSE length(p_operation_name)::text || ':' || p_operation_name END
    || '|' || CASE WHEN p_prev_hash IS NULL THEN '-' ELSE length(p_prev_hash)::text || ':' || p_prev_hash END;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION append_access_events(p_events jsonb) RETURNS TABLE (appended_sequence bigint, appended_hash text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sequence bigint;
  v_prev text;
  v_hash text;
  v_event record;
  v_ids text[];
BEGIN
  PERFORM pg_advisory_xact_lock(7262021);
  SELECT e.sequence, e.hash INTO v_sequence, v_prev FROM access_events e ORDER BY e.sequence DESC LIMIT 1;
  v_sequence := coalesce(v_sequence, 0);
  v_prev := coalesce(v_prev, repeat('0', 64));
  FOR v_event IN SELECT * FROM jsonb_to_recordset(p_events) AS x(
      "at" timestamptz, "requestId" text, "actor" text, "role" text, "orgCode" text, "view" text, "purposeKind" text,
      "purposeReference" text, "grantId" text, "subjectCode" text, "recordIds" text[], "operationName" text)
  LOOP
    v_sequence := v_sequence + 1;
    v_ids := coalesce(v_event."recordIds", '{}');
    -- the application sends a flat list of ids; chain.ts could not recompute the text of a nested one
    IF array_ndims(v_ids) > 1 THEN RAISE EXCEPTION 'access event record ids must be a flat list'; END IF;
    v_hash := encode(sha256(convert_to(v_prev || access_event_canonical(
      v_sequence, v_event."at", v_event."requestId", v_event."actor", v_event."role", v_event."orgCode", v_event."view",
      v_event."purposeKind", v_event."purposeReference", v_event."grantId", v_event."subjectCode", v_ids,
      v_event."operationName", v_prev), 'UTF8')), 'hex');
    INSERT INTO access_events (sequence, at, request_id, actor, role, org_code, view, purpose_kind,
      purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash)
    VALUES (v_sequence, v_event."at", v_event."requestId", v_event."actor", v_event."role", v_event."orgCode",
      v_event."view", v_event."purposeKind", v_event."purposeReference", v_event."grantId", v_event."subjectCode", v_ids,
      v_event."operationName", v_prev, v_hash);
    appended_sequence := v_sequence;
    appended_hash := v_hash;
    RETURN NEXT;
    v_prev := v_hash;
  END LOOP;
END $$;
