import type { Db } from '../db/client.js';
import { LruMap } from '../lru.js';
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

interface Rules {
  ability: AppAbility;
  recordScope: SqlScope;
  subjectScope: SqlScope;
}

function rulesOf(standing: Standing): Rules {
  const ability = defineAbility(standing);
  return {
    ability,
    recordScope: scopeOf(ability, 'Record', () => recordFieldMap(DEFAULT_ALIASES, REQUEST_NOW)),
    subjectScope: scopeOf(ability, 'Subject', () => subjectFieldMap('s', REQUEST_NOW, PUBLIC_ABILITY)),
  };
}

/**
 * Rules of standings without grants, shared across requests: they follow from who asks (role, organisation,
 * subject) and the stated purpose's kind alone — never from the instant (scopes take it as REQUEST_NOW), and
 * never from data that can change between requests (an organisation's status is checked with the token, an
 * agency's grants are read per request and its rules are never cached). Least recently used first, bounded.
 */
const sharedRules = new LruMap<string, Rules>(1_000);

function cachedRulesOf(standing: Standing): Rules {
  if (standing.grants.length > 0) return rulesOf(standing);
  const { viewer, purpose } = standing;
  const key = `${viewer.role}|${viewer.orgCode ?? ''}|${viewer.subjectCode ?? ''}|${purpose?.kind ?? ''}`;
  let rules = sharedRules.get(key);
  if (!rules) {
    rules = rulesOf(standing);
    sharedRules.set(key, rules);
  }
  return rules;
}

export function createScopedAccess(db: Db, standing: Standing, now: Date): ScopedAccess {
  const { ability, recordScope, subjectScope } = cachedRulesOf(standing);
  return {
    standing,
    ability,
    recordScope,
    subjectScope,
    records: createRecordLoaders(db, recordScope, now),
    decide: (subjectCode) => decideView(standing, subjectCode),
  };
}
