import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { findOrganizations } from '../organizations/organizations.repository.js';
import type { CatalogTypeRow } from './catalog.repository.js';
import { findCatalogType, replaceIssuers } from './issuers.repository.js';

/** Organisation kinds that may issue records (SPEC W5): government departments, and peer platforms (X3: a national list). */
export const ISSUER_KINDS: ReadonlySet<string> = new Set(['DEPARTMENT', 'PEER_PLATFORM']);

export const issuersService = {
  /**
   * W5 setIssuers (admin): replaces the organisations that may file `type`, atomically. An empty list lets every
   * department file it. Codes are trimmed, upper-cased and de-duplicated; every one must name a registered
   * department or peer platform. Refusals: NOT_IN_CATALOG, UNKNOWN_ORGANIZATION, NOT_A_DEPARTMENT (the first offending code).
   */
  async setIssuers(ctx: RequestContext, rawType: string, rawCodes: readonly string[]): Promise<CatalogTypeRow> {
    const typeCode = rawType.trim();
    const type = await findCatalogType(ctx.db, typeCode);
    if (!type) throw new BadUserInputError('NOT_IN_CATALOG', `Type '${rawType}' is not in the record catalog.`);
    const codes = [...new Set(rawCodes.map((code) => code.trim().toUpperCase()))];
    const found = new Map((await findOrganizations(ctx.db, codes)).map((o) => [o.code, o]));
    for (const code of codes) {
      const organization = found.get(code);
      if (!organization) throw new BadUserInputError('UNKNOWN_ORGANIZATION', `No organisation ${code} is registered.`);
      if (!ISSUER_KINDS.has(organization.kind)) {
        throw new BadUserInputError('NOT_A_DEPARTMENT', `${code} is ${organization.kind}; only departments and peer platforms file records.`);
      }
    }
    if (!(await replaceIssuers(ctx.db, type.code, codes))) {
      throw new BadUserInputError('NOT_IN_CATALOG', `Type '${rawType}' is not in the record catalog.`);
    }
    ctx.issuers.clear(type.code); // a second setIssuers in the same document answers its own list
    return type;
  },
};
