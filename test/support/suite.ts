import { createOrganization } from './factories.js';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from './db.js';
import { startTestGateway, type TestGateway } from './gateway.js';

/** The common e2e setup: a fresh database, a gateway at `now`, two departments, an agency, an audit office. */
export interface GatewaySuite {
  database: TestDatabase;
  gw: TestGateway;
  deptA: string;
  deptB: string;
  agency: string;
  auditOffice: string;
}

export async function openGatewaySuite(kind: TestDatabaseKind, now: Date): Promise<GatewaySuite> {
  const database = await openTestDatabase(kind);
  const gw = await startTestGateway(database, { now });
  return {
    database,
    gw,
    deptA: await createOrganization(database.db, 'DEPARTMENT'),
    deptB: await createOrganization(database.db, 'DEPARTMENT'),
    agency: await createOrganization(database.db, 'AGENCY'),
    auditOffice: await createOrganization(database.db, 'AUDIT_OFFICE'),
  };
}
