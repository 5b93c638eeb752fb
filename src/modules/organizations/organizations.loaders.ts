import DataLoader from 'dataloader';
import type { Db } from '../../db/client.js';
import { findOrganizations, type OrganizationRow } from './organizations.repository.js';

export function createOrganizationLoader(db: Db): DataLoader<string, OrganizationRow | null> {
  return new DataLoader<string, OrganizationRow | null>(async (codes) => {
    const rows = await findOrganizations(db, codes);
    const byCode = new Map(rows.map((row) => [row.code, row]));
    return codes.map((code) => byCode.get(code) ?? null);
  });
}
