-- Issue 18: the chain's head in a row of its own. Every append read the newest event with ORDER BY sequence DESC
-- LIMIT 1 over the partitioned access_events: a Merge Append that opened and locked every yearly partition and its
-- primary key (14 here) on each call. `access_chain_head` holds the newest event's sequence and hash (and the hash
-- before it); every append moves it under the chain's lock, in the same transaction as its rows. It also lets a read
-- store its one event in its own statement without calling PL/pgSQL (subjects.repository.ts, accessChainAppendSql in
-- access-log.repository.ts): UPDATE … RETURNING takes the row's lock and, after waiting, works on the row as the
-- appender before it committed it (READ COMMITTED), so no snapshot older than the lock can chain from a stale head.
-- The chain's text and hashes are unchanged (test/integration/access-log-canonical.test.ts). Deleting the newest events
-- (possible only with the triggers bypassed) no longer makes the next append reuse their sequence numbers: it chains
-- on from the head, and verifyAccessLog names the gap.
SELECT pg_advisory_xact_lock(7262021);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS access_chain_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  sequence bigint NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
--> statement-breakpoint
INSERT INTO access_chain_head (one, sequence, prev_hash, hash)
SELECT true, coalesce(newest.sequence, 0), coalesce(newest.prev_hash, repeat('0', 64)), coalesce(newest.hash, repeat('0', 64))
FROM (SELECT NULL) AS always LEFT JOIN LATERAL (
  SELECT e.sequence, e.prev_hash, e.hash FROM access_events e ORDER BY e.sequence DESC LIMIT 1) newest ON TRUE
ON CONFLICT (one) DO NOTHING;
--> statement-breakpoint
-- the head of a chain loaded or rewritten outside append_access_events (bench/city/load.ts's COPY): read again from
-- the newest event, under the chain's lock
CREATE OR REPLACE FUNCTION reset_access_chain_head() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7262021);
  UPDATE access_chain_head h SET sequence = coalesce(newest.sequence, 0),
    prev_hash = coalesce(newest.prev_hash, repeat('0', 64)), hash = coalesce(newest.hash, repeat('0', 64))
  FROM (SELECT NULL) AS always LEFT JOIN LATERAL (
    SELECT e.sequence, e.prev_hash, e.hash FROM access_events e ORDER BY e.sequence DESC LIMIT 1) newest ON TRUE
  WHERE h.one;
END $$;
--> statement-breakpoint
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
  -- the head row, locked: a read folding its event (accessChainAppendSql) updates it without the advisory lock's
  -- help, so the row's own lock is what orders the two
  SELECT h.sequence, h.hash INTO v_sequence, v_prev FROM access_chain_head h WHERE h.one FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'access_chain_head has no row'; END IF;
  v_first := v_sequence + 1;
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
  IF v_sequence < v_first THEN RETURN; END IF;
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
  UPDATE access_chain_head h SET sequence = v_sequence, prev_hash = v_prevs[cardinality(v_prevs)], hash = v_prev WHERE h.one;
  RETURN QUERY SELECT v_first + o.n - 1, o.hash FROM unnest(v_hashes) WITH ORDINALITY AS o(hash, n) ORDER BY o.n;
END $$;
