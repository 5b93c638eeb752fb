-- Issue 18: the append writes a request's events with one INSERT instead of one per event. An S3 search page logs 20
-- events (one per subject shown, L1); each INSERT run from PL/pgSQL paid its own executor start-up and end. The chain,
-- its canonical text and its hashes are unchanged: the hashes are still computed one event after the other in chain
-- order under the same advisory lock, then all rows go in together (test/integration/access-log-canonical.test.ts).
-- A single event (what S1/S2 append per request at low load) is still inserted on its own: for one row the INSERT …
-- SELECT below costs more than the plain INSERT it replaces (about 0.03 ms, `bench:append`).
-- `npm run bench:append` measures it (bench/RESULTS.md, section 4d).
CREATE OR REPLACE FUNCTION append_access_events(p_events jsonb) RETURNS TABLE (appended_sequence bigint, appended_hash text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sequence bigint;
  v_first bigint;
  v_prev text;
  v_event record;
  v_ids text[];
  v_prevs text[] := '{}';
  v_hashes text[] := '{}';
  v_single boolean := jsonb_array_length(p_events) = 1;
BEGIN
  PERFORM pg_advisory_xact_lock(7262021);
  SELECT e.sequence, e.hash INTO v_sequence, v_prev FROM access_events e ORDER BY e.sequence DESC LIMIT 1;
  v_sequence := coalesce(v_sequence, 0);
  v_first := v_sequence + 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  -- first the chain: each event's hash over its canonical text and the previous hash, in the list's order
  FOR v_event IN SELECT * FROM ROWS FROM (jsonb_to_recordset(p_events) AS (
      "at" timestamptz, "requestId" text, "actor" text, "role" text, "orgCode" text, "view" text, "purposeKind" text,
      "purposeReference" text, "grantId" text, "subjectCode" text, "recordIds" text[], "operationName" text))
    WITH ORDINALITY AS x ORDER BY x.ordinality
  LOOP
    v_sequence := v_sequence + 1;
    v_ids := coalesce(v_event."recordIds", '{}');
    -- the application sends a flat list of ids; chain.ts could not recompute the text of a nested one
    IF array_ndims(v_ids) > 1 THEN RAISE EXCEPTION 'access event record ids must be a flat list'; END IF;
    v_prevs := array_append(v_prevs, v_prev);
    v_prev := encode(sha256(convert_to(v_prev || access_event_canonical(
      v_sequence, v_event."at", v_event."requestId", v_event."actor", v_event."role", v_event."orgCode", v_event."view",
      v_event."purposeKind", v_event."purposeReference", v_event."grantId", v_event."subjectCode", v_ids,
      v_event."operationName", v_prev), 'UTF8')), 'hex');
    v_hashes := array_append(v_hashes, v_prev);
    IF v_single THEN
      INSERT INTO access_events (sequence, at, request_id, actor, role, org_code, view, purpose_kind,
        purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash)
      VALUES (v_sequence, v_event."at", v_event."requestId", v_event."actor", v_event."role", v_event."orgCode",
        v_event."view", v_event."purposeKind", v_event."purposeReference", v_event."grantId", v_event."subjectCode", v_ids,
        v_event."operationName", v_prevs[1], v_prev);
    END IF;
  END LOOP;
  -- then the rows, all in one statement: the n-th event of the list, its sequence v_first + n - 1, the n-th prev_hash
  -- and hash computed above (ROWS FROM walks the three lists side by side)
  IF NOT v_single THEN
    INSERT INTO access_events (sequence, at, request_id, actor, role, org_code, view, purpose_kind,
      purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash)
    SELECT v_first + x.n - 1, x.at, x.request_id, x.actor, x.role, x.org_code, x.view, x.purpose_kind,
      x.purpose_reference, x.grant_id, x.subject_code, coalesce(x.record_ids, '{}'), x.operation_name, x.prev_hash, x.hash
    FROM ROWS FROM (
        jsonb_to_recordset(p_events) AS (
          "at" timestamptz, "requestId" text, "actor" text, "role" text, "orgCode" text, "view" text, "purposeKind" text,
          "purposeReference" text, "grantId" text, "subjectCode" text, "recordIds" text[], "operationName" text),
        unnest(v_prevs), unnest(v_hashes)
      ) WITH ORDINALITY AS x(at, request_id, actor, role, org_code, view, purpose_kind, purpose_reference, grant_id,
        subject_code, record_ids, operation_name, prev_hash, hash, n);
  END IF;
  RETURN QUERY SELECT v_first + o.n - 1, o.hash FROM unnest(v_hashes) WITH ORDINALITY AS o(hash, n) ORDER BY o.n;
END $$;
