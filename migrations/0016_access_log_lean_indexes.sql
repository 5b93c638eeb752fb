-- Issue 18: fewer index entries per access event. drizzle-kit generated (src/db/schema/access-events.ts), then reordered
-- by hand: the three partial indexes are built first under other names, the old indexes dropped, the new ones renamed.
-- * access_events_sequence duplicated the primary key (sequence, at), whose leading column serves the chain head
--   (ORDER BY sequence DESC LIMIT 1) and sequence ranges as well.
-- * The organisation, actor and purpose indexes serve the auditor's equality filters (L4), which an event without
--   that field never matches: public events (no organisation, actor or purpose; most of the log) are left out.
-- A public event now updates 4 indexes instead of 8; a department's event with a purpose 7.
-- Locks: building an index blocks appends (so every disclosing request waits, L2) for as long as it runs — about 30 s
-- for 20,000,000 events on the benchmark machine; reads of the log are blocked only by the drops at the end, until the
-- migration commits. Apply it in a quiet hour.
CREATE INDEX "access_events_org_at_0016" ON "access_events" USING btree ("org_code","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."org_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "access_events_actor_at_0016" ON "access_events" USING btree ("actor","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."actor" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "access_events_purpose_at_0016" ON "access_events" USING btree ("purpose_kind","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."purpose_kind" IS NOT NULL;--> statement-breakpoint
DROP INDEX "access_events_sequence";--> statement-breakpoint
DROP INDEX "access_events_org_at";--> statement-breakpoint
DROP INDEX "access_events_actor_at";--> statement-breakpoint
DROP INDEX "access_events_purpose_at";--> statement-breakpoint
ALTER INDEX "access_events_org_at_0016" RENAME TO "access_events_org_at";--> statement-breakpoint
ALTER INDEX "access_events_actor_at_0016" RENAME TO "access_events_actor_at";--> statement-breakpoint
ALTER INDEX "access_events_purpose_at_0016" RENAME TO "access_events_purpose_at";
