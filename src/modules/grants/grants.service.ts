import type { RequestContext } from '../../context/request-context.js';
import { AGENCY_PURPOSES } from '../../../policies/purposes.js';
import { addInterval } from '../../../policies/calendar.js';
import { grantReading } from '../../../policies/cases.js';
import { presentSubjectCode } from '../../../policies/fields.js';
import type { Listing } from '../../context/disclosures.js';
import { BadUserInputError, NotFoundError } from '../../errors/app-errors.js';
import { toLazyConnection, type ConnectionShape } from '../../graphql/connection.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { findOrganizations } from '../organizations/organizations.repository.js';
import { findSubjectsByCodes } from '../filing/filing.repository.js';
import type { Grant, GrantInput } from './grant.type.js';
import {
  findGrant, insertGrant, listGrantsOfAgency, listGrantsOfSubject, revokeGrant, type GrantRow,
} from './grants.repository.js';

/** SPEC §5: a grant lasts at most this long. */
export const MAX_GRANT_PERIOD = '1 year';
/** a grant may not start in the past (beyond clock skew between the subject's app and the gateway) */
const BACKDATING_TOLERANCE_MS = 5 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGrantActive(row: GrantRow, now: Date): boolean {
  return !row.revokedAt && row.validFrom.getTime() <= now.getTime() && now.getTime() < row.validUntil.getTime();
}

/**
 * A grant as its reader receives it (policies/cases.ts grantReading: the granting subject, or the holding agency,
 * which sees an individual's identity number masked, A2), disclosed in `listing` (L1) when one is given.
 */
function presentGrant(ctx: RequestContext, row: GrantRow, subjectKind: string, listing: Listing | null): Grant {
  const reading = grantReading(ctx.viewer, row);
  if (!reading) throw new NotFoundError('No such grant.');
  listing?.subject({ subjectCode: row.subjectCode, view: reading.loggedView, grantId: reading.loggedView === 'AGENCY' ? row.id : null });
  return { ...toGrant(row, ctx.now), subjectCode: presentSubjectCode(row.subjectCode, subjectKind, reading.codeAudience).code };
}

function toGrant(row: GrantRow, now: Date): Grant {
  return {
    id: row.id,
    subjectCode: row.subjectCode,
    agency: null as never,
    agencyCode: row.agencyCode,
    categories: row.categories,
    purpose: row.purposeKind,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    revokedAt: row.revokedAt,
    active: isGrantActive(row, now),
    createdAt: row.createdAt,
  };
}

export const grantsService = {
  /** grantAuthorization: the subject itself, for itself. */
  async grant(ctx: RequestContext, input: GrantInput): Promise<Grant> {
    const subjectCode = ctx.viewer.subjectCode!;
    const [subject] = await findSubjectsByCodes(ctx.db, [subjectCode]);
    if (!subject) throw new BadUserInputError('SUBJECT_NOT_REGISTERED', 'Your subject is not registered on the platform.');
    const agencyCode = input.agencyCode.trim();
    const [agency] = await findOrganizations(ctx.db, [agencyCode]);
    if (!agency || agency.kind !== 'AGENCY') throw new BadUserInputError('AGENCY_NOT_FOUND', `There is no credit service agency ${agencyCode}.`);
    if (agency.status !== 'ACTIVE') throw new BadUserInputError('AGENCY_NOT_ACTIVE', `Agency ${agencyCode} is suspended.`);
    if (!(AGENCY_PURPOSES as readonly string[]).includes(input.purpose)) {
      throw new BadUserInputError('PURPOSE_NOT_ALLOWED', `Agencies may not be granted access for ${input.purpose}.`);
    }
    const categories = [...new Set(input.categories)];
    if (categories.length === 0) throw new BadUserInputError('CATEGORIES_REQUIRED', 'Name at least one record category.');
    const validFrom = input.validFrom ?? ctx.now;
    if (validFrom.getTime() < ctx.now.getTime() - BACKDATING_TOLERANCE_MS) {
      throw new BadUserInputError('INVALID_VALIDITY', 'A grant cannot start in the past.');
    }
    if (input.validUntil.getTime() <= validFrom.getTime()) {
      throw new BadUserInputError('INVALID_VALIDITY', 'validUntil must be after validFrom.');
    }
    if (input.validUntil.getTime() > addInterval(validFrom, MAX_GRANT_PERIOD).getTime()) {
      throw new BadUserInputError('GRANT_TOO_LONG', 'A grant lasts at most one year.');
    }
    const row = await insertGrant(ctx.db, {
      subjectId: subject.id, subjectCode, agencyCode, categories, purposeKind: input.purpose, validFrom,
      validUntil: input.validUntil, grantedBy: ctx.viewer.actor ?? subjectCode, createdAt: ctx.now,
    });
    return presentGrant(ctx, row, subject.kind, ctx.disclosures.listing('grantAuthorization', null, 1));
  },

  /** revokeAuthorization: the subject, any of its grants, at any time; effective at the next request (A4). */
  async revoke(ctx: RequestContext, id: string): Promise<Grant> {
    const existing = UUID.test(id) ? await findGrant(ctx.db, id) : null;
    if (!existing || existing.subjectCode !== ctx.viewer.subjectCode) throw new NotFoundError('No such grant of yours.');
    const revoked = existing.revokedAt ? existing : (await revokeGrant(ctx.db, id, ctx.now)) ?? (await findGrant(ctx.db, id))!;
    const [subject] = await findSubjectsByCodes(ctx.db, [revoked.subjectCode]);
    return presentGrant(ctx, revoked, subject?.kind ?? 'INDIVIDUAL', ctx.disclosures.listing('revokeAuthorization', null, 1));
  },

  /** Subject.grants (self): every grant it gave, newest first (disclosed with the subject itself). */
  async ofSubject(ctx: RequestContext, subject: { row: { id: number; kind: string } }): Promise<Grant[]> {
    return (await listGrantsOfSubject(ctx.db, subject.row.id)).map((row) => presentGrant(ctx, row, subject.row.kind, null));
  },

  /** myGrants (agency): the grants it holds; individuals' identity numbers masked (A2). */
  async ofAgency(ctx: RequestContext, first?: number | null, after?: string | null): Promise<ConnectionShape<Grant>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['isoInstant', 'uuid']);
    const { rows, total } = await listGrantsOfAgency(ctx.db, ctx.viewer.orgCode!, cursor ? { createdAt: cursor[0], id: cursor[1] } : null, limit);
    const page = rows.slice(0, limit);
    const subjects = new Map((await findSubjectsByCodes(ctx.db, [...new Set(page.map((r) => r.subjectCode))])).map((s) => [s.code, s.kind]));
    const listing = ctx.disclosures.listing('myGrants', null, total);
    return toLazyConnection(
      page.length,
      (i) => presentGrant(ctx, page[i], subjects.get(page[i].subjectCode) ?? 'INDIVIDUAL', listing),
      (i) => encodeCursor([page[i].createdAt.toISOString(), page[i].id]),
      rows.length > limit,
      total,
    );
  },
};
