import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { catalogTypes } from './catalog.js';
import { organizations } from './organizations.js';

/**
 * Issuing authority (SPEC W5, 一数一源): the organisations that may file records of a catalog type. Data, managed
 * by admins (`setIssuers`); a type without rows here may be filed by every department.
 */
export const catalogTypeIssuers = pgTable(
  'catalog_type_issuers',
  {
    typeCode: text('type_code').notNull().references(() => catalogTypes.code),
    orgCode: text('org_code').notNull().references(() => organizations.code),
  },
  (t) => [primaryKey({ name: 'catalog_type_issuers_pk', columns: [t.typeCode, t.orgCode] })],
);
