import type { RequestContext } from '../../context/request-context.js';
import type { ScopedAccess } from '../../context/scoped-access.js';
import type { DisclosureEntry } from '../../context/disclosures.js';
import { projectSubject } from '../../../policies/fields.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { LOOKUP_INVALID_MESSAGE, normalizeCode } from '../../domain/identifiers.js';
import { catalogService } from '../catalog/catalog.service.js';
import { listProfessionalGroups } from '../catalog/catalog.repository.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { recordPageRequest, type RecordsArgs } from '../records/records.service.js';
import type { RecordPageRequest } from '../records/records.repository.js';
import { findVisibleSubject, findVisibleSubjectWithPage, findVisibleSubjectWithPageLogged, type SubjectRow } from './subjects.repository.js';
import { eventOf } from '../access-log/access-log.service.js';
import { MAX_SEARCH_LENGTH, MIN_SEARCH_LENGTH, searchableKinds, searchVisibleSubjects } from './search.repository.js';
import type { Subject } from './subject.type.js';

export interface PurposeArg {
  kind: string;
  reference: string;
}


/** A visible subject row → the GraphQL object for its view; registers the disclosure (L1 seam). */
export function presentSubject(ctx: RequestContext, row: SubjectRow, access: ScopedAccess, operationName: string): Subject {
  const decision = access.decide(row.code);
  const projected = projectSubject(row, decision);
  const disclosure = ctx.disclosures.subject({
    subjectCode: row.code,
    view: decision.view,
    purpose: access.standing.purpose,
    grantId: decision.grantId,
    operationName,
  });
  // added to the projection (a fresh object of one shape), not `{ ...projected, row, … }`: policies/fields.ts says why
  return Object.assign(projected, { row, decision, access, disclosure });
}

/** The page request of `records` without its subject, or null when the arguments are invalid (the field reports them). */
function readAheadRequest(records: RecordsArgs): Omit<RecordPageRequest, 'subjectId'> | null {
  try {
    const { subjectId: _, ...page } = recordPageRequest(0, records);
    return page;
  } catch {
    return null;
  }
}

/**
 * P0 for a code the caller cannot see — except I5: a code accepted only through the exception table answers
 * INVALID_CODE, exactly as an unlisted code failing its checksum does, so the answer never reveals the list.
 */
export function notVisible(checked: { flagged: boolean }): null {
  if (checked.flagged) throw new BadUserInputError('INVALID_CODE', LOOKUP_INVALID_MESSAGE);
  return null;
}

/**
 * Issue 18: the read of `subject` with its records page that stores the access event in the same statement (one round
 * trip and one commit, findVisibleSubjectWithPageLogged). Only where compiled execution allows it (`ctx.disclosures.foldable`:
 * a document of this one `subject` field, run on the primary), when the response places exactly the page's records
 * (`placesPage`: the resolver saw `records { edges { node } }` and no other field naming records), and while the
 * access log's writer is idle (AccessLogWriter.claimFold: under load, group commit stores many requests' events in one
 * commit). The event is built before the read from what decides it — the standing and the code (policies/viewer.ts
 * decideView), the purpose, the request — as eventOf builds it from the entry presentSubject registers; the statement
 * adds the page's records. What was stored is marked at once, and writeDisclosures stores the response's entry again
 * only if it differs (the register stays the authority, L1; the difference is reported, access-log.observer.ts).
 */
async function foldedRead(
  ctx: RequestContext, code: string, access: ScopedAccess, page: Omit<RecordPageRequest, 'subjectId'>,
): ReturnType<typeof findVisibleSubjectWithPage> {
  const decision = access.decide(code);
  const predicted: DisclosureEntry = {
    subjectCode: code, view: decision.view, purpose: access.standing.purpose, grantId: decision.grantId, operationName: 'subject',
    recordIds: new Set(),
  };
  let found: Awaited<ReturnType<typeof findVisibleSubjectWithPageLogged>>;
  try {
    const event = JSON.stringify(eventOf(ctx, predicted));
    found = await findVisibleSubjectWithPageLogged(ctx.db, code, access.subjectScope, access.recordScope, page, ctx.now, event);
  } catch (error) {
    ctx.accessLog?.observer?.foldFailed?.();
    throw error;
  }
  // marked the moment it is stored, as what was stored: whatever happens next, this request does not store it again
  if (found) ctx.disclosures.markStored({ ...predicted, recordIds: new Set(found.storedRecordIds) }, found.storedSequence);
  return found;
}

export const subjectsService = {
  /**
   * `subject(code, purpose)`: P0–P3, G1–G2, S1–S2, U1. `records`: the arguments of `Subject.records` when the
   * response asks for it — its first page is then read in the same statement as the subject and handed to the
   * page loader, so the field resolver finds it there (one statement fewer; the same scopes, the same rows).
   */
  async subject(
    ctx: RequestContext, rawCode: string, purpose: PurposeArg | null | undefined, records?: RecordsArgs | null, placesPage = false,
  ): Promise<Subject | null> {
    const checked = await catalogService.lookupCode(ctx, rawCode);
    const { code } = checked;
    const access = await ctx.access(purpose);
    const page = records ? readAheadRequest(records) : null;
    if (!page) {
      const row = await findVisibleSubject(ctx.db, code, access.subjectScope, ctx.now);
      if (!row) return notVisible(checked);
      return presentSubject(ctx, row, access, 'subject');
    }
    // issue 18: the event stored by the read itself while the access log's writer is idle (group commit under load)
    const release = placesPage && ctx.disclosures.foldable ? ctx.accessLog?.claimFold() : null;
    let found: Awaited<ReturnType<typeof findVisibleSubjectWithPage>>;
    try {
      found = release
        ? await foldedRead(ctx, code, access, page)
        : await findVisibleSubjectWithPage(ctx.db, code, access.subjectScope, access.recordScope, page, ctx.now);
    } finally {
      release?.();
    }
    if (!found) return notVisible(checked);
    access.records.pages.prime(recordPageRequest(found.subject.id, records!), found.page);
    return presentSubject(ctx, found.subject, access, 'subject');
  },

  /**
   * `searchSubjects`: P4 (organisations by name or code) and G3 (departments with a purpose: individuals too).
   * `countSelected`: the response asks for totalCount — only then are all matches counted (issue 18).
   */
  async search(
    ctx: RequestContext,
    args: { query: string; kind?: string | null; professionalGroup?: string | null; purpose?: PurposeArg | null; first?: number | null; after?: string | null },
    countSelected: boolean,
  ): Promise<ConnectionShape<Subject>> {
    const query = args.query.trim();
    if ([...query].length < MIN_SEARCH_LENGTH) {
      throw new BadUserInputError('QUERY_TOO_SHORT', `A search needs at least ${MIN_SEARCH_LENGTH} characters.`);
    }
    // §11: no name is longer than MAX_SEARCH_LENGTH (registration refuses longer ones), so a longer query could match
    // nothing but a code (18 characters); it is refused rather than probed piece by piece
    if (query.length > MAX_SEARCH_LENGTH) {
      throw new BadUserInputError('QUERY_TOO_LONG', `A search is at most ${MAX_SEARCH_LENGTH} characters (the longest name).`);
    }
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, ['string', 'string']);
    const access = await ctx.access(args.purpose);
    if (args.professionalGroup) {
      const groups = await listProfessionalGroups(ctx.db);
      if (!groups.some((g) => g.code === args.professionalGroup)) {
        throw new BadUserInputError('UNKNOWN_GROUP', 'Unknown professional group.');
      }
    }
    const kinds = searchableKinds(ctx.viewer.role, access.standing.purpose !== null, args.kind);
    const { rows, total } = await searchVisibleSubjects(
      ctx.db,
      {
        // lower-cased by PostgreSQL, as the names are (one folding for both sides)
        nameContains: query,
        code: normalizeCode(query),
        kinds,
        professionalGroup: args.professionalGroup ?? null,
        after: cursor ? { name: String(cursor[0]), code: String(cursor[1]) } : null,
        limit,
        withTotal: countSelected,
      },
      access.subjectScope,
      access.recordScope,
      ctx.now,
    );
    const page = rows.slice(0, limit);
    // L1: a subject is disclosed when the response places it; an answer that only counts, or only pages (hasNextPage,
    // even with `first: 0`: the look-ahead row tells that something matches), logs one event without one
    const listing = ctx.disclosures.listing('searchSubjects', access.standing.purpose, total ?? rows.length);
    return toLazyConnection(
      page.length,
      (i) => {
        listing.markShown();
        return presentSubject(ctx, page[i], access, 'searchSubjects');
      },
      (i) => encodeCursor([page[i].name, page[i].code]),
      rows.length > limit,
      total ?? 0,
    );
  },
};
