-- Issue 18: fewer index entries per access event. drizzle-kit generated (src/db/schema/access-events.ts).
-- * access_events_sequence duplicated the primary key (sequence, at), whose leading column serves the chain head
--   (ORDER BY sequence DESC LIMIT 1) and sequence ranges as well.
-- * The organisation, actor and purpose indexes serve the auditor's equality filters (L4), which an event without
--   that field never matches: public events (no organisation, actor or purpose; most of the log) are left out.
-- A public event now updates 4 indexes instead of 8, any other event 6. On a large log the three partial indexes are
-- rebuilt here (CREATE INDEX takes a lock that blocks appends while it runs): plan the migration for a quiet hour.
DROP INDEX "access_events_sequence";--> statement-breakpoint
DROP INDEX "access_events_org_at";--> statement-breakpoint
DROP INDEX "access_events_actor_at";--> statement-breakpoint
DROP INDEX "access_events_purpose_at";--> statement-breakpoint
CREATE INDEX "access_events_org_at" ON "access_events" USING btree ("org_code","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."org_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "access_events_actor_at" ON "access_events" USING btree ("actor","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."actor" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "access_events_purpose_at" ON "access_events" USING btree ("purpose_kind","at" DESC NULLS LAST,"sequence" DESC NULLS LAST) WHERE "access_events"."purpose_kind" IS NOT NULL;