import { eq, asc, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';
import { queryCached, toDate } from '../../db/rows.js';

export type OrganizationRow = typeof organizations.$inferSelect;

/** Organisations by code, in one compiled statement (every token check and every `source` field uses it). */
export async function findOrganizations(db: Db, codes: readonly string[]): Promise<OrganizationRow[]> {
  if (codes.length === 0) return [];
  const rows = await queryCached<Record<string, unknown>>(db, 'organizations-by-code', () => sql`
    SELECT code, name, kind, status, created_at, updated_at FROM organizations WHERE code = ANY (${sql.placeholder('codes')}::text[])`,
  { codes: [...codes] });
  return rows.map((row) => ({
    code: String(row.code),
    name: String(row.name),
    kind: row.kind as OrganizationRow['kind'],
    status: row.status as OrganizationRow['status'],
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }));
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
