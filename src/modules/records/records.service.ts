import type { RequestContext } from '../../context/request-context.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { projectRecordVersion } from '../../../policies/records.js';
import type { Subject } from '../subjects/subject.type.js';
import type { CreditRecord, CreditRecordVersion } from './record.type.js';
import { toCreditRecord } from './records.projection.js';
import type { RecordPageRequest } from './records.repository.js';

export interface RecordsArgs {
  categories?: string[] | null;
  types?: string[] | null;
  first?: number | null;
  after?: string | null;
}

/**
 * `Subject.records` arguments → the page loader's request (validated: FIRST_TOO_LARGE, INVALID_CURSOR). The one
 * place that builds it, so that a page read ahead with the subject (subjectsService.subject) has the same key.
 */
export function recordPageRequest(subjectId: number, args: RecordsArgs): RecordPageRequest {
  const cursor = decodeCursor(args.after, ['isoInstant', 'uuid']);
  return {
    subjectId,
    categories: args.categories ?? null,
    types: args.types ?? null,
    after: cursor ? { decidedAt: String(cursor[0]), id: String(cursor[1]) } : null,
    limit: pageSize(args.first),
  };
}

export const recordsService = {
  /** `Subject.records`: the visible records of one subject, newest first; ids go to the disclosure entry (L1). */
  async recordsOf(
    ctx: RequestContext,
    subject: Subject,
    args: RecordsArgs,
    disclosesRows = true,
  ): Promise<ConnectionShape<CreditRecord>> {
    const request = recordPageRequest(subject.row.id, args);
    const { limit } = request;
    const page = await subject.access.records.pages.load(request);
    const rows = page.rows.slice(0, limit);
    // `source { … }` of these records is answered from the same statement, not a second one
    const sources = new Map(page.sources.map((organization) => [organization.code, organization]));
    for (const organization of page.sources) ctx.organizations.prime(organization.code, organization);
    const reader = { view: subject.decision.view, orgCode: ctx.viewer.orgCode };
    // L1: a record is disclosed when the response places it, not when it is counted
    return toLazyConnection(
      rows.length,
      (i) => {
        if (disclosesRows) subject.disclosure.recordIds.add(rows[i].id);
        return toCreditRecord(rows[i], reader, subject.access, sources.get(rows[i].sourceOrg));
      },
      (i) => encodeCursor([rows[i].decidedAt.toISOString(), rows[i].id]),
      page.rows.length > limit,
      page.total,
    );
  },

  /** `Subject.qualifications`: active PROFESSIONAL records the viewer may see. */
  async qualificationsOf(ctx: RequestContext, subject: Subject): Promise<CreditRecord[]> {
    const rows = await subject.access.records.qualifications.load(subject.row.id);
    for (const row of rows) subject.disclosure.recordIds.add(row.id);
    const reader = { view: subject.decision.view, orgCode: ctx.viewer.orgCode };
    return rows.map((row) => toCreditRecord(row, reader, subject.access));
  },

  /**
   * `CreditRecord.history` (W2, W2a): for views that see the record's details, the earlier versions the same
   * standing may see — each judged as a record of its own by the same row rules, and projected by
   * policies/records.ts. The ids named are the record's own (already in the disclosure entry).
   */
  async historyOf(_ctx: RequestContext, record: CreditRecord): Promise<CreditRecordVersion[] | null> {
    if (!record.fields.history || !record.access) return null;
    const versions = (await record.access.records.versions.load(record.id))
      .filter((v) => !record.asOf || v.replacedAt.getTime() < record.asOf.getTime());
    return versions.map((v) => ({ version: v.version, replacedAt: v.replacedAt, changedFields: v.changedFields, ...projectRecordVersion(v, record.reader) }));
  },
};
