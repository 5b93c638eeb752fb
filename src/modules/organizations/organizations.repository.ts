import { eq, asc, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';
import { queryCached, toDate } from '../../db/rows.js';

/** An organisation as requests see it (a peer's public key is read where files are verified: findPeerPublicKey) */
export type OrganizationRow = Omit<typeof organizations.$inferSelect, 'publicKey'>;

/** X4: the Ed25519 public key (PEM) registered with an ACTIVE peer platform; null when none is. */
export async function findPeerPublicKey(db: Db, code: string): Promise<string | null> {
  const [row] = await db.select({ publicKey: organizations.publicKey }).from(organizations)
    .where(sql`${organizations.code} = ${code} AND ${organizations.kind} = 'PEER_PLATFORM' AND ${organizations.status} = 'ACTIVE'`);
  return row?.publicKey ?? null;
}

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

const ORGANIZATION_COLUMNS = {
  code: organizations.code, name: organizations.name, kind: organizations.kind, status: organizations.status,
  createdAt: organizations.createdAt, updatedAt: organizations.updatedAt,
};

export async function listOrganizations(db: Db, kind: string | null): Promise<OrganizationRow[]> {
  const query = db.select(ORGANIZATION_COLUMNS).from(organizations);
  const filtered = kind ? query.where(eq(organizations.kind, kind as OrganizationRow['kind'])) : query;
  return filtered.orderBy(asc(organizations.code));
}

export async function insertOrganization(
  db: Db, row: Pick<OrganizationRow, 'code' | 'name' | 'kind'> & { publicKey?: string | null },
): Promise<OrganizationRow | null> {
  const inserted = await db.insert(organizations).values(row).onConflictDoNothing().returning(ORGANIZATION_COLUMNS);
  return inserted[0] ?? null;
}

export async function updatePeerPublicKey(db: Db, code: string, publicKey: string): Promise<OrganizationRow | null> {
  const updated = await db.update(organizations).set({ publicKey, updatedAt: new Date() })
    .where(sql`${organizations.code} = ${code} AND ${organizations.kind} = 'PEER_PLATFORM'`)
    .returning(ORGANIZATION_COLUMNS);
  return updated[0] ?? null;
}

export async function updateOrganizationStatus(db: Db, code: string, status: OrganizationRow['status']): Promise<OrganizationRow | null> {
  const updated = await db
    .update(organizations)
    .set({ status, updatedAt: new Date() })
    .where(eq(organizations.code, code))
    .returning(ORGANIZATION_COLUMNS);
  return updated[0] ?? null;
}
