import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { Disclosure } from './windows.js';
import type { Standing } from './viewer.js';

/**
 * Row visibility, the single source of who may read which record and which subject (SPEC §4.3). Conditions
 * name *facts* of a row as the viewer's request sees it at its instant: `effectiveDisclosure` already applies
 * the windows of D1–D6 (policies/windows.ts). The same rules are evaluated in memory (`ability.can`) and
 * translated into SQL (src/modules/disclosure/scope.sql.ts) — a test proves both agree row for row.
 */
export interface RecordFacts {
  __type: 'Record';
  status: 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED';
  effectiveDisclosure: Disclosure;
  sourceOrg: string;
  subjectCode: string;
  subjectKind: string;
  category: string;
  nature: string;
  /** A3: decided more than AGENCY_NEGATIVE_LOOKBACK before the request's instant */
  decidedBeyondAgencyLookback: boolean;
  /** `<subject code>|<category>`: what a grant covers (A2) — one rule however many grants an agency holds */
  subjectCategory: string;
}

export function subjectCategoryKey(subjectCode: string, category: string): string {
  return `${subjectCode}|${category}`;
}

export interface SubjectRowFacts {
  __type: 'Subject';
  code: string;
  kind: string;
  /** at least one record the public may see right now (P3) */
  hasPublicRecord: boolean;
}

export type Action = 'read';
export type AppAbility = MongoAbility<[Action, 'Record' | 'Subject' | RecordFacts | SubjectRowFacts]>;

export const RECORD_FACT_FIELDS = [
  'status', 'effectiveDisclosure', 'sourceOrg', 'subjectCode', 'subjectKind', 'category', 'nature',
  'decidedBeyondAgencyLookback', 'subjectCategory',
] as const;
export const SUBJECT_FACT_FIELDS = ['code', 'kind', 'hasPublicRecord'] as const;

/** P1–P3: what anyone, with or without a token, may read. */
function allowPublic({ can }: AbilityBuilder<AppAbility>): void {
  can('read', 'Record', { status: 'ACTIVE', effectiveDisclosure: 'PUBLIC' });
  // CASL lists later rules first and PostgreSQL evaluates OR arms in order: declared last, the cheap kind test
  // comes first in SQL, so an organisation is admitted without running the EXISTS over its records
  can('read', 'Subject', { hasPublicRecord: true });
  can('read', 'Subject', { kind: { $ne: 'INDIVIDUAL' } });
}

/** G1: a department with a purpose: PUBLIC (any window) and SHARED records, plus what it filed itself. */
function allowDepartment({ can }: AbilityBuilder<AppAbility>, orgCode: string): void {
  can('read', 'Record', { status: 'ACTIVE', effectiveDisclosure: { $in: ['PUBLIC', 'SHARED'] } });
  can('read', 'Record', { status: 'ACTIVE', sourceOrg: orgCode });
  can('read', 'Subject');
}

/**
 * A2, A3, D8: an agency holding grants (already narrowed to its stated purpose and to those in force now):
 * beyond the public view, the SHARED records of each granting subject in the granted categories — never
 * SUBJECT_ONLY, and never an individual's negative record decided more than five years ago.
 */
function allowAgency({ can, cannot }: AbilityBuilder<AppAbility>, grants: Standing['grants']): void {
  if (grants.length === 0) return;
  // one rule for all grants (not one per grant): the SQL stays the same size for 1 or 50,000 grants
  const covered = [...new Set(grants.flatMap((g) => g.categories.map((c) => subjectCategoryKey(g.subjectCode, c))))];
  can('read', 'Record', { status: 'ACTIVE', effectiveDisclosure: 'SHARED', subjectCategory: { $in: covered } });
  can('read', 'Subject', { code: { $in: [...new Set(grants.map((g) => g.subjectCode))] } });
  cannot('read', 'Record', { effectiveDisclosure: 'SHARED', subjectKind: 'INDIVIDUAL', nature: 'NEGATIVE', decidedBeyondAgencyLookback: true });
}

/** S1: the subject's own file, every class and status. */
function allowSelf({ can }: AbilityBuilder<AppAbility>, subjectCode: string): void {
  can('read', 'Record', { subjectCode });
  can('read', 'Subject', { code: subjectCode });
}

export function defineAbility(standing: Standing): AppAbility {
  const builder = new AbilityBuilder<AppAbility>(createMongoAbility);
  const { viewer, purpose } = standing;
  allowPublic(builder);
  if (viewer.role === 'department' && purpose && viewer.orgCode) allowDepartment(builder, viewer.orgCode);
  if (viewer.role === 'subject' && viewer.subjectCode) allowSelf(builder, viewer.subjectCode);
  if (viewer.role === 'agency' && purpose) allowAgency(builder, standing.grants);
  return builder.build({ detectSubjectType: (object) => object.__type });
}
