import type { RequestContext } from '../../context/request-context.js';
import { checkLookupCode, DEFAULT_CODE_RULES, type CodeCheck } from '../../domain/identifiers.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { listCatalogTypes, listProfessionalGroups, loadCodeRules } from './catalog.repository.js';

export const catalogService = {
  catalog: (ctx: RequestContext) => listCatalogTypes(ctx.db),
  professionalGroups: (ctx: RequestContext) => listProfessionalGroups(ctx.db),

  /**
   * I3: a lookup code, normalised and valid under either scheme, else BAD_USER_INPUT / INVALID_CODE (never
   * "not found"). The exception table (I5) is read only for codes that fail both checksums.
   */
  async lookupCode(ctx: RequestContext, raw: string): Promise<Extract<CodeCheck, { ok: true }>> {
    let check = checkLookupCode(raw, DEFAULT_CODE_RULES, ctx.now);
    if (!check.ok) check = checkLookupCode(raw, await loadCodeRules(ctx.db), ctx.now);
    if (!check.ok) throw new BadUserInputError(check.reason, check.message);
    return check;
  },
};
