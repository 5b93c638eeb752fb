import { eq, inArray, asc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';

export type OrganizationRow = typeof organizations.$inferSelect;

export async function findOrganizations(db: Db, codes: readonly string[]): Promise<OrganizationRow[]> {
  if (codes.length === 0) return [];
  return db.select().from(organizations).where(inArray(organizations.code, [...codes]));
}

export async function listOrganizations(db: Db, kind: string | null): Promise<OrganizationRow[]> {
  const query = db.select().from(organizations);
  const filtered = kind ? query.where(eq(organizations.kind, kind as OrganizationRow['kind'])) : query;
  return filtered.orderBy(asc(organizations.code));
}

export async function insertOrganization(db: Db, row: Pick<OrganizationRow, 'code' | 'name' | 'kind'>): Promise<OrganizationRow | null> {
  const inserted = await db.insert(organizations).values(row).onConflictDoNothing().returning();
  return inserted[0] ?? null;
}

export async function updateOrganizationStatus(db: Db, code: string, status: OrganizationRow['status']): Promise<OrganizationRow | null> {
  const updated = await db
    .update(organizations)
    .set({ status, updatedAt: new Date() })
    .where(eq(organizations.code, code))
    .returning();
  return updated[0] ?? null;
}
