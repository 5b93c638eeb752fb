import { createHash } from 'node:crypto';
import { isLooserThan, type Disclosure } from '../../../policies/windows.js';
import { checkLookupCode, isMinorAt, type CodeRules } from '../../domain/identifiers.js';
import type { CatalogTypeRow } from '../catalog/catalog.repository.js';

/**
 * Validation of filed records (SPEC W1–W3), shared by `submitRecords` and the bulk importer: one validation,
 * two entry points. Pure: reference data is loaded by the caller.
 */
export const MAX_BATCH_ROWS = 1000;
export const TAX_GRADES = ['A', 'B', 'M', 'C', 'D'] as const;
export const TEXT_LIMITS = { sourceRef: 128, title: 500, summary: 4000, decisionNumber: 128, legalBasis: 1000 } as const;

export interface RecordFiling {
  subjectCode: string;
  type: string;
  sourceRef: string;
  title: string;
  summary?: string | null;
  decisionNumber?: string | null;
  decidedAt: Date;
  validFrom?: Date | null;
  validUntil?: Date | null;
  severity?: string | null;
  legalBasis?: string | null;
  amount?: number | null;
  grade?: string | null;
  group?: string | null;
  disclosure?: string | null;
  details?: unknown;
}

export interface FilingReference {
  catalog: ReadonlyMap<string, CatalogTypeRow>;
  groups: ReadonlySet<string>;
  /** registered subjects by code: their id, kind and birth date */
  subjects: ReadonlyMap<string, { id: number; kind: string; code: string }>;
  /** I4/I5 configuration (exception codes are valid subject codes) */
  codeRules: CodeRules;
}

/** A valid row, normalised, ready to write. */
export interface NormalisedRecord {
  subjectId: number;
  subjectCode: string;
  type: string;
  category: string;
  nature: string;
  severity: string | null;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  groupCode: string | null;
  disclosure: Disclosure;
  details: unknown;
  sourceRef: string;
  contentHash: string;
}

export type RowCheck = { ok: true; record: NormalisedRecord } | { ok: false; reason: string; message: string };

const trimOrNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The fields whose change makes a new version (everything filed but the sourceRef and the ids). */
export const VERSIONED_FIELDS = [
  'subjectCode', 'type', 'severity', 'title', 'summary', 'decisionNumber', 'decidedAt', 'validFrom', 'validUntil',
  'legalBasis', 'amount', 'grade', 'groupCode', 'disclosure', 'details',
] as const;

export function contentHashOf(record: Omit<NormalisedRecord, 'contentHash'>): string {
  // a fixed field order (an array), so only the free-form `details` needs key sorting
  const fields = record as unknown as Record<string, unknown>;
  const content = VERSIONED_FIELDS.map((f) => {
    const value = fields[f] ?? null;
    if (value instanceof Date) return value.toISOString();
    return f === 'details' && value !== null ? canonicalJson(value) : value;
  });
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function refuse(reason: string, message: string): RowCheck {
  return { ok: false, reason, message };
}

function checkText(name: keyof typeof TEXT_LIMITS, value: string | null, required: boolean): RowCheck | null {
  if (value === null) return required ? refuse('REQUIRED_FIELD', `${name} is required.`) : null;
  if (value.length > TEXT_LIMITS[name]) return refuse('TEXT_TOO_LONG', `${name} is longer than ${TEXT_LIMITS[name]} characters.`);
  return null;
}

/**
 * W5 issuing authority (一数一源): a type with a non-empty issuer list may be filed only by the organisations on it;
 * an empty (absent) list lets every department file the type. Null when the filer may file it.
 */
export function checkIssuer(
  typeCode: string, orgCode: string, issuers: ReadonlyMap<string, ReadonlySet<string>>,
): { reason: 'NOT_ISSUER'; message: string } | null {
  const allowed = issuers.get(typeCode);
  if (!allowed || allowed.size === 0 || allowed.has(orgCode)) return null;
  return { reason: 'NOT_ISSUER', message: `${orgCode} is not an issuer of type '${typeCode}' (issuers: ${[...allowed].sort().join(', ')}).` };
}

/** W1/W3 for one row; the first failing reason is reported. */
export function validateRecord(input: RecordFiling, ref: FilingReference, now: Date): RowCheck {
  const codeCheck = checkLookupCode(input.subjectCode ?? '', ref.codeRules, now);
  if (!codeCheck.ok) return refuse(codeCheck.reason, codeCheck.message); // I3: never "not registered"
  const subjectCode = codeCheck.code;
  const type = ref.catalog.get((input.type ?? '').trim());
  if (!type) return refuse('NOT_IN_CATALOG', `Type '${input.type}' is not in the record catalog.`);
  const subject = ref.subjects.get(subjectCode);
  if (!subject) return refuse('SUBJECT_NOT_REGISTERED', 'The subject is not registered.');
  const sourceRef = trimOrNull(input.sourceRef);
  const title = trimOrNull(input.title);
  const summary = trimOrNull(input.summary);
  const decisionNumber = trimOrNull(input.decisionNumber);
  const legalBasis = trimOrNull(input.legalBasis);
  for (const [name, value, required] of [
    ['sourceRef', sourceRef, true], ['title', title, true], ['summary', summary, false],
    ['decisionNumber', decisionNumber, false], ['legalBasis', legalBasis, false],
  ] as const) {
    const failed = checkText(name, value, required);
    if (failed) return failed;
  }
  if (!(input.decidedAt instanceof Date) || Number.isNaN(input.decidedAt.getTime())) {
    return refuse('INVALID_DATE', 'decidedAt is not a valid instant.');
  }
  if (input.decidedAt.getTime() > now.getTime()) return refuse('DECIDED_IN_FUTURE', 'decidedAt lies in the future.');
  const validFrom = input.validFrom ?? null;
  const validUntil = input.validUntil ?? null;
  if (validFrom && validUntil && validUntil.getTime() < validFrom.getTime()) {
    return refuse('INVALID_VALIDITY', 'validUntil is before validFrom.');
  }
  const severity = input.severity ?? null;
  if (severity !== null && !['MINOR', 'GENERAL', 'SERIOUS'].includes(severity)) {
    return refuse('INVALID_SEVERITY', 'severity is MINOR, GENERAL or SERIOUS.');
  }
  if (input.disclosure !== null && input.disclosure !== undefined && !['PUBLIC', 'SHARED', 'SUBJECT_ONLY'].includes(input.disclosure)) {
    return refuse('INVALID_DISCLOSURE', 'disclosure is PUBLIC, SHARED or SUBJECT_ONLY.');
  }
  if (type.nature === 'NEGATIVE' && !severity) return refuse('SEVERITY_REQUIRED', 'A negative record needs a severity.');
  if (type.nature !== 'NEGATIVE' && severity) return refuse('SEVERITY_NOT_APPLICABLE', 'Only negative records carry a severity.');
  const group = trimOrNull(input.group);
  if (type.requiresGroup && !group) return refuse('UNKNOWN_GROUP', 'A qualification record names its professional group.');
  if (group && !ref.groups.has(group)) return refuse('UNKNOWN_GROUP', `Unknown professional group '${group}'.`);
  if (group && !type.requiresGroup) return refuse('GROUP_NOT_APPLICABLE', `Type '${type.code}' does not take a professional group.`);
  const grade = trimOrNull(input.grade);
  if (type.code === 'tax-rating' && !(TAX_GRADES as readonly string[]).includes(grade ?? '')) {
    return refuse('INVALID_GRADE', 'A tax rating has grade A, B, M, C or D.');
  }
  const disclosure = (input.disclosure ?? type.loosestDisclosure) as Disclosure;
  if (isLooserThan(disclosure, type.loosestDisclosure)) {
    return refuse('DISCLOSURE_TOO_LOOSE', `Type '${type.code}' may not be disclosed more widely than ${type.loosestDisclosure}.`);
  }
  if (type.code === 'dishonest-debtor' && subject.kind === 'INDIVIDUAL' && isMinorAt(subject.code, input.decidedAt)) {
    return refuse('MINOR_NOT_ALLOWED', 'A minor cannot be listed as a dishonest judgment debtor.');
  }
  if (input.amount !== null && input.amount !== undefined && (!Number.isFinite(input.amount) || input.amount < 0)) {
    return refuse('INVALID_AMOUNT', 'amount must be a non-negative number.');
  }
  const record: Omit<NormalisedRecord, 'contentHash'> = {
    subjectId: subject.id,
    subjectCode,
    type: type.code,
    category: type.category,
    nature: type.nature,
    severity,
    title: title!,
    summary,
    decisionNumber,
    decidedAt: input.decidedAt,
    validFrom,
    validUntil,
    legalBasis,
    amount: input.amount ?? null,
    grade,
    groupCode: group,
    disclosure,
    details: input.details ?? null,
    sourceRef: sourceRef!,
  };
  return { ok: true, record: { ...record, contentHash: contentHashOf(record) } };
}
