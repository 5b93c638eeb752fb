import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { catalogTypeIssuers, catalogTypes, organizations } from '../../db/schema/index.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';
import type { CatalogTypeRow } from './catalog.repository.js';

/** SPEC W5: who may file each catalog type. A type absent from the map may be filed by every department. */
export type IssuerCodes = ReadonlyMap<string, ReadonlySet<string>>;

/** Every type's issuer codes, for the filing planner (one statement; the table holds a few rows per type). */
export async function loadIssuerCodes(db: Db): Promise<IssuerCodes> {
  const rows = await db.select().from(catalogTypeIssuers);
  const byType = new Map<string, Set<string>>();
  for (const row of rows) {
    const codes = byType.get(row.typeCode) ?? new Set<string>();
    codes.add(row.orgCode);
    byType.set(row.typeCode, codes);
  }
  return byType;
}

/** The issuing organisations of the given types, in one statement, ordered by organisation code. */
export async function findIssuersOfTypes(db: Db, typeCodes: readonly string[]): Promise<{ typeCode: string; organization: OrganizationRow }[]> {
  if (typeCodes.length === 0) return [];
  return db
    .select({ typeCode: catalogTypeIssuers.typeCode, organization: organizations })
    .from(catalogTypeIssuers)
    .innerJoin(organizations, eq(organizations.code, catalogTypeIssuers.orgCode))
    .where(sql`${catalogTypeIssuers.typeCode} = ANY (${sql.param([...typeCodes])}::text[])`)
    .orderBy(asc(catalogTypeIssuers.typeCode), asc(organizations.code));
}

export async function findCatalogType(db: Db, code: string): Promise<CatalogTypeRow | null> {
  const [row] = await db.select().from(catalogTypes).where(eq(catalogTypes.code, code));
  return row ?? null;
}

/**
 * Replaces a type's issuer list in one transaction. The type's catalog row is locked first, so that two
 * concurrent replacements of the same list apply one after the other (the last one wins whole) instead of
 * merging. Answers false when the type does not exist (any more).
 */
export async function replaceIssuers(db: Db, typeCode: string, orgCodes: readonly string[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const locked = await tx.select({ code: catalogTypes.code }).from(catalogTypes).where(eq(catalogTypes.code, typeCode)).for('update');
    if (locked.length === 0) return false;
    await tx.delete(catalogTypeIssuers).where(eq(catalogTypeIssuers.typeCode, typeCode));
    if (orgCodes.length) await tx.insert(catalogTypeIssuers).values(orgCodes.map((orgCode) => ({ typeCode, orgCode })));
    return true;
  });
}
