import { and, desc, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { grants } from '../../db/schema/index.js';

export type GrantRow = typeof grants.$inferSelect;

/** The grants an agency holds for one purpose that are in force at `now` (A4: re-read on every request). */
export function findActiveGrants(db: Db, agencyCode: string, purposeKind: string, now: Date): Promise<GrantRow[]> {
  return db.select().from(grants).where(and(
    eq(grants.agencyCode, agencyCode),
    eq(grants.purposeKind, purposeKind),
    lte(grants.validFrom, now),
    gt(grants.validUntil, now),
    isNull(grants.revokedAt),
  ));
}

export async function insertGrant(db: Db, row: typeof grants.$inferInsert): Promise<GrantRow> {
  const [inserted] = await db.insert(grants).values(row).returning();
  return inserted;
}

export async function findGrant(db: Db, id: string): Promise<GrantRow | null> {
  const [row] = await db.select().from(grants).where(eq(grants.id, id));
  return row ?? null;
}

export async function revokeGrant(db: Db, id: string, now: Date): Promise<GrantRow | null> {
  const [row] = await db.update(grants).set({ revokedAt: now }).where(and(eq(grants.id, id), isNull(grants.revokedAt))).returning();
  return row ?? null;
}

export function listGrantsOfSubject(db: Db, subjectId: number): Promise<GrantRow[]> {
  return db.select().from(grants).where(eq(grants.subjectId, subjectId)).orderBy(desc(grants.createdAt), desc(grants.id));
}

/** myGrants: newest first, keyset on (created_at, id). */
export async function listGrantsOfAgency(
  db: Db, agencyCode: string, after: { createdAt: string; id: string } | null, limit: number,
): Promise<{ rows: GrantRow[]; total: number }> {
  const base = eq(grants.agencyCode, agencyCode);
  const page = after
    ? and(base, or(lt(grants.createdAt, new Date(after.createdAt)), and(eq(grants.createdAt, new Date(after.createdAt)), lt(grants.id, after.id))))
    : base;
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(grants).where(page).orderBy(desc(grants.createdAt), desc(grants.id)).limit(limit + 1),
    db.select({ total: sql<number>`count(*)::int` }).from(grants).where(base),
  ]);
  return { rows, total: Number(total) };
}
