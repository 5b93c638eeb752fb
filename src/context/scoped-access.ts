import type { SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { defineAbility, type AppAbility } from '../../policies/abilities.js';
import { decideView, PUBLIC_VIEWER, type Standing, type ViewDecision } from '../../policies/viewer.js';
import { DEFAULT_ALIASES } from '../modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeSql, subjectFieldMap } from '../modules/disclosure/scope.sql.js';
import { createRecordLoaders, type RecordLoaders } from '../modules/records/records.loaders.js';

/**
 * Everything that follows from one standing (viewer + purpose + grants) within one request: the CASL ability,
 * its SQL scopes, and loaders bound to those scopes. Built once per distinct purpose per request.
 */
export interface ScopedAccess {
  standing: Standing;
  ability: AppAbility;
  /** over r / ct / s */
  recordScope: SQL;
  /** over s */
  subjectScope: SQL;
  records: RecordLoaders;
  decide(subjectCode: string): ViewDecision;
}

export function createScopedAccess(db: Db, standing: Standing, now: Date): ScopedAccess {
  const ability = defineAbility(standing);
  const publicAbility = defineAbility({ viewer: PUBLIC_VIEWER, purpose: null, grants: [] });
  const recordScope = scopeSql(ability, 'Record', recordFieldMap(DEFAULT_ALIASES, now));
  const subjectScope = scopeSql(ability, 'Subject', subjectFieldMap('s', now, publicAbility));
  return {
    standing,
    ability,
    recordScope,
    subjectScope,
    records: createRecordLoaders(db, recordScope, now),
    decide: (subjectCode) => decideView(standing, subjectCode),
  };
}
