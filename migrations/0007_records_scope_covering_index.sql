-- Issue 7: records_subject_newest carries every column a disclosure scope reads (status, disclosure, type,
-- severity, the validity bounds, category, nature, source_org), so that the visible total of a subject's
-- records is counted from the index alone (an index-only scan) instead of one heap page per record, and the
-- newest-first page is read along the same index. Measured on the city data set: a department's records page
-- went from ~3,000 to ~190 buffer reads per request and from 30 ms to 2 ms (bench/RESULTS.md).
-- drizzle-kit cannot express INCLUDE: src/db/schema/records.ts declares the same index name and key columns.
DROP INDEX IF EXISTS "records_subject_newest";--> statement-breakpoint
CREATE INDEX "records_subject_newest" ON "records" USING btree ("subject_id", "decided_at" DESC NULLS LAST, "id" DESC NULLS LAST)
  INCLUDE ("status", "disclosure", "type", "severity", "valid_from", "valid_until", "category", "nature", "source_org");
