import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { catalogTypes, codeExceptions, enterprisePrefixes, professionalGroups } from '../../db/schema/index.js';
import { makeCodeRules, type CodeRules, type SubjectKind } from '../../domain/identifiers.js';

export type CatalogTypeRow = typeof catalogTypes.$inferSelect;
export type ProfessionalGroupRow = typeof professionalGroups.$inferSelect;

export function listCatalogTypes(db: Db): Promise<CatalogTypeRow[]> {
  return db.select().from(catalogTypes).orderBy(asc(catalogTypes.category), asc(catalogTypes.code));
}

export function listProfessionalGroups(db: Db): Promise<ProfessionalGroupRow[]> {
  return db.select().from(professionalGroups).orderBy(asc(professionalGroups.code));
}

/** I4/I5 configuration: extra enterprise prefixes and the exception table. */
export async function loadCodeRules(db: Db): Promise<CodeRules> {
  const [prefixes, exceptions] = await Promise.all([
    db.select().from(enterprisePrefixes),
    db.select().from(codeExceptions),
  ]);
  return makeCodeRules({
    extraEnterprisePrefixes: prefixes.map((p) => p.prefix),
    exceptions: exceptions.map((e) => [e.code, e.kind as SubjectKind] as const),
  });
}
