import type { RequestContext } from '../../context/request-context.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { exchangePurpose, exchangeReader } from '../../../policies/exchange.js';
import { pageSize } from '../pagination.js';
import { feedCursor, feedPosition, feedScope } from './feed-position.js';
import { toCreditRecord } from '../records/records.projection.js';
import type { RecordChange } from './change.type.js';
import { countChanges, queryChanges, type ChangeRow } from './feed.repository.js';

/** One page of the feed as RecordChange objects, registering a disclosure per subject as each is placed (X2). */
export function presentChange(ctx: RequestContext, row: ChangeRow, listing: ReturnType<RequestContext['disclosures']['listing']>): RecordChange {
  const peer = ctx.viewer.orgCode!;
  listing.subject({ subjectCode: row.record.subjectCode, view: 'DEPARTMENT', grantId: null }).recordIds.add(row.record.id);
  return {
    sequence: row.sequence,
    kind: row.kind,
    at: row.at,
    subjectCode: row.record.subjectCode,
    subjectKind: row.subjectKind,
    subjectName: row.subjectName,
    record: toCreditRecord(row.record, exchangeReader(peer), null),
  };
}

export const feedService = {
  /**
   * X1 `recordChanges` (exchange): the changes this peer may receive after the cursor, in commit order. X2: the page
   * writes one DEPARTMENT event per subject it places, purpose SUPERVISION with the peer's code as reference.
   */
  async changes(
    ctx: RequestContext, args: { after?: string | null; first?: number | null }, countSelected: boolean,
  ): Promise<ConnectionShape<RecordChange>> {
    const limit = pageSize(args.first);
    const after = feedPosition(args.after);
    const scope = feedScope(ctx.viewer);
    const [rows, total] = await Promise.all([
      queryChanges(ctx.db, scope, after, limit + 1, ctx.now),
      countSelected ? countChanges(ctx.db, scope, after) : Promise.resolve(null),
    ]);
    const page = rows.slice(0, limit);
    // L1: an answer that only counts or only pages (hasNextPage, even with `first: 0`: the look-ahead row tells that a
    // change is waiting) logs one event without a subject
    const listing = ctx.disclosures.listing('recordChanges', exchangePurpose(ctx.viewer.orgCode!), total ?? rows.length);
    return toLazyConnection(
      page.length,
      (i) => presentChange(ctx, page[i], listing),
      (i) => feedCursor(page[i].sequence),
      rows.length > limit,
      total ?? 0,
    );
  },
};
