import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client.js';
import { organizations, records, subjects } from '../../src/db/schema/index.js';
import { generateResidentId, generateUscc, residentIdBirthDate } from '../../src/domain/identifiers.js';
import { mulberry32 } from './random.js';

/** Factories that write rows straight to the database (STYLE: factories, not shared mutable fixtures). */
const rand = mulberry32(20260601);
let counter = 0;
const next = () => ++counter;

export async function createOrganization(
  db: Db, kind: 'DEPARTMENT' | 'AGENCY' | 'AUDIT_OFFICE' | 'PEER_PLATFORM',
  overrides: { code?: string; status?: 'ACTIVE' | 'SUSPENDED'; publicKey?: string | null } = {},
) {
  const code = overrides.code ?? `${kind.slice(0, 4)}-${next()}-${randomUUID().slice(0, 4).toUpperCase()}`;
  await db.insert(organizations).values({
    code, name: `${kind} ${code}`, kind, status: overrides.status ?? 'ACTIVE', publicKey: overrides.publicKey ?? null,
  }).onConflictDoNothing();
  return code;
}

type SubjectKind = 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';
const PREFIX: Record<Exclude<SubjectKind, 'INDIVIDUAL'>, string> = { ENTERPRISE: '91', PUBLIC_INSTITUTION: '12', SOCIAL_ORGANIZATION: '51' };

/** A birth date between 1950 and 1999, so that many individuals get distinct identity numbers. */
function randomAdultBirthDate(): string {
  const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(rand() * 18_250) * 86_400_000);
  return day.toISOString().slice(0, 10);
}

export interface SubjectFixture {
  id: number;
  code: string;
  kind: SubjectKind;
  name: string;
}

export async function createSubject(
  db: Db,
  registeredBy: string,
  kind: SubjectKind,
  overrides: { name?: string; birthDate?: string; code?: string; legalRepresentativeId?: string } = {},
): Promise<SubjectFixture> {
  const code = overrides.code
    ?? (kind === 'INDIVIDUAL' ? generateResidentId(rand, overrides.birthDate ?? randomAdultBirthDate()) : generateUscc(rand, PREFIX[kind]));
  const name = overrides.name ?? (kind === 'INDIVIDUAL' ? '张小三' : `测试${kind}单位${next()}有限公司`);
  const [row] = await db.insert(subjects).values({
    code,
    kind,
    name,
    registeredAt: kind === 'INDIVIDUAL' ? null : '2015-03-01',
    address: '广东省韶关市浈江区测试路1号',
    legalRepresentative: kind === 'INDIVIDUAL' ? null : '李四',
    legalRepresentativeId: kind === 'INDIVIDUAL' ? null : (overrides.legalRepresentativeId ?? generateResidentId(rand, '1970-01-02')),
    birthDate: kind === 'INDIVIDUAL' ? residentIdBirthDate(code) : null,
    registeredBy,
  }).returning({ id: subjects.id });
  return { id: row.id, code, kind, name };
}

const CATEGORY: Record<string, [string, string]> = {
  registration: ['REGISTRATION', 'BASIC'], 'dishonest-debtor': ['JUDICIAL', 'NEGATIVE'], judgment: ['JUDICIAL', 'NEGATIVE'],
  license: ['ADMINISTRATIVE', 'BASIC'], penalty: ['ADMINISTRATIVE', 'NEGATIVE'], qualification: ['PROFESSIONAL', 'BASIC'],
  'abnormal-operation': ['ABNORMAL_OPERATION', 'NEGATIVE'], 'serious-dishonesty-list': ['SERIOUS_DISHONESTY', 'NEGATIVE'],
  'contract-performance': ['CONTRACT', 'BASIC'], commitment: ['COMMITMENT', 'BASIC'], 'tax-rating': ['EVALUATION', 'BASIC'],
  'credit-grade': ['EVALUATION', 'BASIC'], honor: ['HONOR', 'POSITIVE'], 'self-declared': ['SELF_DECLARED', 'BASIC'],
  'social-insurance-arrears': ['COMPLIANCE', 'NEGATIVE'], 'tax-arrears': ['COMPLIANCE', 'NEGATIVE'],
  'ip-infringement': ['INTELLECTUAL_PROPERTY', 'NEGATIVE'],
};
export const CATALOG_TYPE_CODES = Object.keys(CATALOG_TYPES_LOOSEST());
function CATALOG_TYPES_LOOSEST(): Record<string, 'PUBLIC' | 'SHARED'> {
  return Object.fromEntries(Object.keys(CATEGORY).map((t) => [t,
    ['judgment', 'contract-performance', 'tax-rating', 'credit-grade', 'social-insurance-arrears', 'tax-arrears'].includes(t) ? 'SHARED' : 'PUBLIC']));
}
export const LOOSEST_DISCLOSURE = CATALOG_TYPES_LOOSEST();

export interface RecordOverrides {
  type?: string;
  severity?: 'MINOR' | 'GENERAL' | 'SERIOUS' | null;
  disclosure?: 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
  status?: 'ACTIVE' | 'WITHDRAWN' | 'REPAIRED';
  decidedAt?: Date;
  validFrom?: Date | null;
  validUntil?: Date | null;
  group?: string | null;
  grade?: string | null;
  title?: string;
  details?: unknown;
}

/** Inserts a record directly (bypassing filing validation, so tests can place any state). Returns its id. */
export async function createRecord(db: Db, subject: { id: number }, sourceOrg: string, overrides: RecordOverrides = {}): Promise<string> {
  const type = overrides.type ?? 'license';
  const [category, nature] = CATEGORY[type];
  const id = randomUUID();
  await db.insert(records).values({
    id,
    subjectId: subject.id,
    type,
    category,
    nature,
    severity: overrides.severity === undefined ? (nature === 'NEGATIVE' ? 'GENERAL' : null) : overrides.severity,
    title: overrides.title ?? `${type} record ${next()}`,
    summary: 'summary',
    decisionNumber: `韶市监罚〔2026〕${next()}号`,
    decidedAt: overrides.decidedAt ?? new Date('2026-03-01T02:00:00Z'),
    validFrom: overrides.validFrom ?? null,
    validUntil: overrides.validUntil ?? null,
    legalBasis: 'test basis',
    grade: overrides.grade ?? (type === 'tax-rating' ? 'A' : null),
    groupCode: overrides.group ?? (type === 'qualification' ? 'LAWYER' : null),
    disclosure: overrides.disclosure ?? LOOSEST_DISCLOSURE[type],
    details: overrides.details ?? { caseOfficer: 'officer-7', internalNote: `hidden-${id.slice(0, 8)}` },
    sourceOrg,
    sourceRef: `ref-${id}`,
    status: overrides.status ?? 'ACTIVE',
    contentHash: createHash('sha256').update(id).digest('hex'),
  });
  return id;
}
