import type { Db } from '../db/client.js';
import { defineAbility, type AppAbility } from '../../policies/abilities.js';
import { decideView, PUBLIC_VIEWER, type Standing, type ViewDecision } from '../../policies/viewer.js';
import { DEFAULT_ALIASES, REQUEST_NOW } from '../modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeOf, subjectFieldMap, type SqlScope } from '../modules/disclosure/scope.sql.js';
import { createRecordLoaders, type RecordLoaders } from '../modules/records/records.loaders.js';

/**
 * Everything that follows from one standing (viewer + purpose + grants) within one request: the CASL ability,
 * its SQL scopes, and loaders bound to those scopes. Built once per distinct purpose per request.
 */
export interface ScopedAccess {
  standing: Standing;
  ability: AppAbility;
  /** over r / ct / s, at REQUEST_NOW */
  recordScope: SqlScope;
  /** over s, at REQUEST_NOW */
  subjectScope: SqlScope;
  records: RecordLoaders;
  decide(subjectCode: string): ViewDecision;
}

const PUBLIC_ABILITY = defineAbility({ viewer: PUBLIC_VIEWER, purpose: null, grants: [] });

export function createScopedAccess(db: Db, standing: Standing, now: Date): ScopedAccess {
  const ability = defineAbility(standing);
  const recordScope = scopeOf(ability, 'Record', () => recordFieldMap(DEFAULT_ALIASES, REQUEST_NOW));
  const subjectScope = scopeOf(ability, 'Subject', () => subjectFieldMap('s', REQUEST_NOW, PUBLIC_ABILITY));
  return {
    standing,
    ability,
    recordScope,
    subjectScope,
    records: createRecordLoaders(db, recordScope, now),
    decide: (subjectCode) => decideView(standing, subjectCode),
  };
}
