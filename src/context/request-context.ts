import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import type { Db } from '../db/client.js';
import type { Viewer } from '../../policies/viewer.js';
import { checkPurpose, type Purpose } from '../../policies/purposes.js';
import { BadUserInputError } from '../errors/app-errors.js';
import { DisclosureCollector } from './disclosures.js';
import { createScopedAccess, type ScopedAccess } from './scoped-access.js';
import { createOrganizationLoader } from '../modules/organizations/organizations.loaders.js';
import type { OrganizationRow } from '../modules/organizations/organizations.repository.js';
import { createIssuersLoader } from '../modules/catalog/issuers.loaders.js';
import type { AccessLogWriter } from '../modules/access-log/access-log.writer.js';
import type { CheckpointSettings } from '../modules/access-log/checkpoints.js';
import { findActiveGrants } from '../modules/grants/grants.repository.js';
import { workingCalendar, type WorkingCalendar } from '../../policies/working-days.js';

/** SPEC §8: the objection deadline, counted on the configured working-day calendar. */
export interface SubjectRightsRules {
  calendar: WorkingCalendar;
  objectionWorkingDays: number;
}

export const DEFAULT_RIGHTS_RULES: SubjectRightsRules = { calendar: workingCalendar(), objectionWorkingDays: 5 };

/** What the request line of the log (O1) and the metrics (O2) say about one request, filled in as it runs. */
export interface RequestTrace {
  /** the client's operation name (truncated), when it gave one */
  operationName: string | null;
  /** the root fields the operation selects: the bounded operation label of logs and metrics */
  rootFields: string[];
  /** extensions.code of every error in the response */
  errorCodes: string[];
}

/** Per-request state, passed first to every service call (STYLE: Vendure's RequestContext). */
export interface RequestContext {
  requestId: string;
  /** the request's instant: every window is evaluated against it (D6, STYLE 6) */
  now: Date;
  viewer: Viewer;
  db: Db;
  disclosures: DisclosureCollector;
  organizations: DataLoader<string, OrganizationRow | null>;
  /** W5: the issuers of catalog types (CatalogType.issuers), one statement per request */
  issuers: DataLoader<string, OrganizationRow[]>;
  /** where disclosures are recorded (SPEC §6); null only in the logging-off benchmark build */
  accessLog: AccessLogWriter | null;
  /** L6: signed checkpoints (null when not configured) */
  checkpoints: CheckpointSettings | null;
  rights: SubjectRightsRules;
  trace: RequestTrace;
  /** the standing for a stated purpose (validated, SPEC §5), with its ability, scopes and loaders */
  access(purpose: { kind: string; reference: string } | null | undefined): Promise<ScopedAccess>;
}

export interface ContextOptions {
  db: Db;
  viewer: Viewer;
  now: Date;
  requestId?: string;
  accessLog?: AccessLogWriter | null;
  checkpoints?: CheckpointSettings | null;
  rights?: SubjectRightsRules;
}

export function createRequestContext({ db, viewer, now, requestId, accessLog = null, checkpoints = null, rights = DEFAULT_RIGHTS_RULES }: ContextOptions): RequestContext {
  const scoped = new Map<string, Promise<ScopedAccess>>();
  return {
    requestId: requestId ?? randomUUID(),
    now,
    viewer,
    db,
    disclosures: new DisclosureCollector(),
    accessLog,
    checkpoints,
    rights,
    trace: { operationName: null, rootFields: [], errorCodes: [] },
    organizations: createOrganizationLoader(db),
    issuers: createIssuersLoader(db),
    async access(input) {
      let purpose: Purpose | null = null;
      if (input) {
        const checked = checkPurpose(viewer.role, input);
        if (!checked.ok) throw new BadUserInputError(checked.reason, checked.message);
        purpose = checked.purpose;
      }
      const key = purpose ? `${purpose.kind}\u0000${purpose.reference}` : '';
      let access = scoped.get(key);
      if (!access) {
        const stated = purpose;
        access = (async () => {
          // A4/D8: the grants in force now for exactly this purpose, read on every request, never cached
          const grants = viewer.role === 'agency' && stated && viewer.orgCode
            ? (await findActiveGrants(db, viewer.orgCode, stated.kind, now)).map((g) => ({ id: g.id, subjectCode: g.subjectCode, categories: g.categories }))
            : [];
          return createScopedAccess(db, { viewer, purpose: stated, grants }, now);
        })();
        scoped.set(key, access);
      }
      return access;
    },
  };
}
