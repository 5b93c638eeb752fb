import type { RequestContext } from '../../context/request-context.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { defineExchangeAbility, exchangePurpose, exchangeReader } from '../../../policies/exchange.js';
import { recordChangeFieldMap, scopeOf, type SqlScope } from '../disclosure/scope.sql.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { toCreditRecord } from '../records/records.projection.js';
import type { Viewer } from '../../../policies/viewer.js';
import type { RecordChange } from './change.type.js';
import { countChanges, queryChanges, type ChangeRow } from './feed.repository.js';

/** The compiled feed rules of one peer (policies/exchange.ts), over the change's version (r) and record (cur). */
export function feedScope(viewer: Viewer): SqlScope {
  return scopeOf(defineExchangeAbility(viewer), 'RecordChange', () => recordChangeFieldMap('r', 'cur'));
}

/** A feed cursor: the sealed change sequence (opaque, tamper-evident, §10.3); null → from the beginning. */
export function feedPosition(after: string | null | undefined): string {
  const key = decodeCursor(after === '' ? null : after, ['digits']);
  return key ? key[0] : '0';
}

export const feedCursor = (sequence: string) => encodeCursor([sequence]);

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
    const listing = ctx.disclosures.listing('recordChanges', exchangePurpose(ctx.viewer.orgCode!), total ?? page.length);
    return toLazyConnection(
      page.length,
      (i) => presentChange(ctx, page[i], listing),
      (i) => feedCursor(page[i].sequence),
      rows.length > limit,
      total ?? 0,
    );
  },
};
