-- SPEC §11 (issue 15): rate limits shared by every gateway process of a deployment (RATE_LIMIT_STORE=postgres).
-- One token bucket per key (viewer or client address), refilled at `p_rate` per second up to `p_burst`, taken
-- atomically by take_rate_token: the row lock serialises the processes that race for one key. UNLOGGED: buckets
-- are short-lived counters, not records; after a crash they start full again.
CREATE UNLOGGED TABLE "rate_limit_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rate_limit_buckets_at" ON "rate_limit_buckets" USING btree ("at");
--> statement-breakpoint
-- Returns 0 when a token was taken, else the milliseconds until one is available (nothing is taken then).
CREATE FUNCTION take_rate_token(p_key text, p_rate double precision, p_burst double precision, p_now timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_tokens double precision;
BEGIN
  INSERT INTO rate_limit_buckets (key, tokens, at) VALUES (p_key, p_burst, p_now)
    ON CONFLICT (key) DO UPDATE
      SET tokens = LEAST(p_burst, rate_limit_buckets.tokens + GREATEST(0, extract(epoch FROM (p_now - rate_limit_buckets.at))) * p_rate),
          at = GREATEST(rate_limit_buckets.at, p_now)
    RETURNING tokens INTO v_tokens;
  IF v_tokens >= 1 THEN
    UPDATE rate_limit_buckets SET tokens = v_tokens - 1 WHERE key = p_key;
    RETURN 0;
  END IF;
  RETURN ceil(((1 - v_tokens) / p_rate) * 1000)::integer;
END $$;
