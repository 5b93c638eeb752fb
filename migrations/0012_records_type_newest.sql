-- WEB2 (issue 16): publicNotices reads the newest records of a type (the public website's 双公示 and list pages)
-- along this index. drizzle-kit generated.
CREATE INDEX "records_type_newest" ON "records" USING btree ("type","decided_at" DESC NULLS LAST,"id" DESC NULLS LAST);