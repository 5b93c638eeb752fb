/**
 * The shapes shared by the demo's planners and record generators: a planned subject, a record draft and the context
 * the generators draw from, plus who registers each kind of subject.
 */
import * as words from './demo-names.js';
import type { Random, Ymd } from './random.js';

export type Kind = 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';
export type Disclosure = 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
export type Severity = 'MINOR' | 'GENERAL' | 'SERIOUS';
export type Status = 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED';

export interface Person { name: string; code: string; birthDate: string }

export interface PlannedSubject {
  code: string;
  kind: Kind;
  /** the first two characters of an organisation code ('91', '12', …); '' for individuals */
  prefix: string;
  name: string;
  status: 'ACTIVE' | 'DEREGISTERED' | 'REVOKED';
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: Person | null;
  birthDate: string | null;
  registeredBy: string;
  /** individuals: the key professional group of their main qualification */
  primaryGroup: string | null;
  recordCount: number;
  cast: boolean;
}

export const REGISTRAR: Record<Kind, string> = {
  ENTERPRISE: 'SG-MARKET', INDIVIDUAL: 'SG-HRSS', PUBLIC_INSTITUTION: 'SG-HRSS', SOCIAL_ORGANIZATION: 'SG-CIVIL',
};

export interface CatalogInfo { category: string; nature: string; loosest: Disclosure; repairable: boolean }

export interface Draft {
  type: string;
  sourceOrg: string;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  severity: Severity | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  groupCode: string | null;
  disclosure?: Disclosure;
  status?: Status;
  statusReason?: string | null;
}

export interface RecordContext {
  now: Date;
  today: Ymd;
  rand: Random;
  catalog: ReadonlyMap<string, CatalogInfo>;
  groups: ReadonlySet<string>;
  sourceRefs: Map<string, number>;
  documentNumbers: Map<string, number>;
  /** tax-rating years already used per subject code */
  taxYears: Map<string, Set<number>>;
}

export const ORGANIZATION_BY_CODE = new Map(words.DEMO_ORGANIZATIONS.map((o) => [o.code, o]));
