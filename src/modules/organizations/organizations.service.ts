import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError, NotFoundError } from '../../errors/app-errors.js';
import {
  insertOrganization, listOrganizations, updateOrganizationStatus, type OrganizationRow,
} from './organizations.repository.js';

export const ORGANIZATION_CODE = /^[A-Z0-9-]{2,64}$/;
export const PLATFORM_CODE = 'PLATFORM';

export const organizationsService = {
  list: (ctx: RequestContext, kind: string | null | undefined) => listOrganizations(ctx.db, kind ?? null),

  async register(ctx: RequestContext, input: { code: string; name: string; kind: string }): Promise<OrganizationRow> {
    const code = input.code.trim(); // SPEC §1: [A-Z0-9-] — lower case is refused, not silently changed
    const name = input.name.trim();
    if (!ORGANIZATION_CODE.test(code)) {
      throw new BadUserInputError('INVALID_ORGANIZATION_CODE', 'Organisation codes are 2–64 characters of A–Z, 0–9 and "-".');
    }
    if (name.length === 0 || name.length > 200) throw new BadUserInputError('INVALID_NAME', 'A name is 1–200 characters.');
    if (input.kind === 'PLATFORM' || code === PLATFORM_CODE) {
      throw new BadUserInputError('RESERVED', 'The PLATFORM organisation is the credit office and exists already.');
    }
    const created = await insertOrganization(ctx.db, { code, name, kind: input.kind as OrganizationRow['kind'] });
    if (!created) throw new BadUserInputError('ORGANIZATION_EXISTS', `Organisation ${code} is registered already.`);
    return created;
  },

  /** Suspension takes effect at the next request: tokens are checked against this table every time (SPEC §1). */
  async setStatus(ctx: RequestContext, rawCode: string, status: string): Promise<OrganizationRow> {
    const code = rawCode.trim().toUpperCase();
    if (code === PLATFORM_CODE && status !== 'ACTIVE') {
      throw new BadUserInputError('RESERVED', 'The credit office cannot be suspended.');
    }
    const updated = await updateOrganizationStatus(ctx.db, code, status as OrganizationRow['status']);
    if (!updated) throw new NotFoundError(`No organisation ${code}.`);
    return updated;
  },
};
