import type { RequestContext } from '../../context/request-context.js';
import { createScopedAccess } from '../../context/scoped-access.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { PUBLIC_VIEWER } from '../../../policies/viewer.js';
import { listCatalogTypes } from '../catalog/catalog.repository.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { toCreditRecord } from '../records/records.projection.js';
import { presentSubject } from '../subjects/subjects.service.js';
import type { PublicNotice } from './notice.type.js';
import type { Subject } from '../subjects/subject.type.js';
import { countNotices, queryNotices } from './notices.repository.js';

export const MAX_NOTICE_TYPES = 10;

export const noticesService = {
  /**
   * `publicNotices` (WEB2): the records of the given types the public may see right now (P2, D1–D5), newest
   * decision first, with their subjects — in the public view for every caller, whoever asks: the rows come from
   * the public's own compiled scopes, the fields from policies/records.ts and policies/fields.ts for view PUBLIC.
   * L1: one PUBLIC event per subject the response places, naming the records placed (the caller as actor).
   */
  async notices(
    ctx: RequestContext,
    args: { types: string[]; first?: number | null; after?: string | null },
    countSelected: boolean,
  ): Promise<ConnectionShape<PublicNotice>> {
    const types = [...new Set(args.types.map((t) => t.trim()))];
    if (types.length === 0 || types.length > MAX_NOTICE_TYPES) {
      throw new BadUserInputError('INVALID_TYPES', `Name 1 to ${MAX_NOTICE_TYPES} record types.`);
    }
    const known = new Set((await listCatalogTypes(ctx.db)).map((t) => t.code));
    const unknown = types.find((t) => !known.has(t));
    if (unknown !== undefined) throw new BadUserInputError('UNKNOWN_TYPE', 'Unknown record type.');
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, ['isoInstant', 'uuid']);
    const access = createScopedAccess(ctx.db, { viewer: PUBLIC_VIEWER, purpose: null, grants: [] }, ctx.now);
    const query = { types, after: cursor ? { decidedAt: String(cursor[0]), id: String(cursor[1]) } : null, limit };
    const [rows, total] = await Promise.all([
      queryNotices(ctx.db, query, access.recordScope, access.subjectScope, ctx.now),
      countSelected ? countNotices(ctx.db, types, access.recordScope, access.subjectScope, ctx.now) : Promise.resolve(null),
    ]);
    const page = rows.slice(0, limit);
    // L1: a response that only counts, or only pages (hasNextPage, even with `first: 0`: the look-ahead row tells that
    // a notice exists), places no subject: one event without one
    const listing = ctx.disclosures.listing('publicNotices', null, total ?? rows.length);
    const reader = { view: 'PUBLIC' as const, orgCode: null };
    // L1: one event per subject, however many of its records the page places
    const presented = new Map<string, Subject>();
    return toLazyConnection(
      page.length,
      (i) => {
        listing.markShown();
        const row = page[i].subject;
        let subject = presented.get(row.code);
        if (!subject) presented.set(row.code, (subject = presentSubject(ctx, row, access, 'publicNotices')));
        subject.disclosure.recordIds.add(page[i].record.id);
        return { subject, record: toCreditRecord(page[i].record, reader, access) };
      },
      (i) => encodeCursor([page[i].record.decidedAt.toISOString(), page[i].record.id]),
      rows.length > limit,
      total ?? 0,
    );
  },
};
