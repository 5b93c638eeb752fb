/**
 * From planned subjects and record drafts to table rows: deterministic record ids and content hashes, and a check
 * that every generated record is one the write path (SPEC W1, W3) would accept.
 */
import { createHash } from 'node:crypto';
import type { records, subjects } from '../schema/index.js';
import { ageOn, shanghaiDate } from '../../domain/identifiers.js';
import * as words from './demo-names.js';
import { ORGANIZATION_BY_CODE, type CatalogInfo, type Disclosure, type Draft, type PlannedSubject, type RecordContext } from './model.js';
import { HOUR_MS, pad, ymdOf } from './random.js';

const DISCLOSURE_RANK: Record<Disclosure, number> = { PUBLIC: 0, SHARED: 1, SUBJECT_ONLY: 2 };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A UUID-shaped (version 4 layout) id derived from the record's source reference: identical on every run. */
function deterministicUuid(seed: string): string {
  const h = sha256(seed);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Fails loudly if the generator produced a record the write path (SPEC W1, W3) would refuse. */
function assertFilable(d: Draft, subject: PlannedSubject, info: CatalogInfo, now: Date): void {
  const problems: string[] = [];
  if ((info.nature === 'NEGATIVE') !== (d.severity !== null)) problems.push('severity');
  if (d.type === 'qualification' && !d.groupCode) problems.push('group');
  if (d.type === 'tax-rating' && !['A', 'B', 'M', 'C', 'D'].includes(d.grade ?? '')) problems.push('grade');
  if (d.validFrom && d.validUntil && d.validUntil < d.validFrom) problems.push('validity');
  if (DISCLOSURE_RANK[d.disclosure!] < DISCLOSURE_RANK[info.loosest]) problems.push('disclosure');
  if (d.decidedAt > now) problems.push('decided in the future');
  if (d.type === 'dishonest-debtor' && subject.birthDate && ageOn(subject.birthDate, shanghaiDate(d.decidedAt)) < 18) problems.push('minor');
  if (ORGANIZATION_BY_CODE.get(d.sourceOrg)?.kind !== 'DEPARTMENT') problems.push('source');
  if (problems.length > 0) throw new Error(`demo seed: invalid ${d.type} record for ${subject.code}: ${problems.join(', ')}`);
}

type RecordRow = typeof records.$inferInsert;

export function toRecordRow(ctx: RecordContext, subject: PlannedSubject, subjectId: number, d: Draft): RecordRow {
  const info = ctx.catalog.get(d.type)!;
  assertFilable(d, subject, info, ctx.now);
  const sequence = (ctx.sourceRefs.get(d.sourceOrg) ?? 0) + 1;
  ctx.sourceRefs.set(d.sourceOrg, sequence);
  const sourceRef = `DEMO-${ymdOf(d.decidedAt).y}-${pad(sequence, 6)}`;
  const officer = ctx.rand.weighted(words.SURNAMES) + ctx.rand.pick(words.GIVEN_NAME_CHARS) + ctx.rand.pick(words.GIVEN_NAME_CHARS);
  const details = {
    caseOfficer: officer,
    internalNote: ctx.rand.pick(words.CASE_NOTES),
    sourceSystem: `${ORGANIZATION_BY_CODE.get(d.sourceOrg)!.name}业务系统`,
  };
  const content = {
    subjectCode: subject.code, type: d.type, category: info.category, nature: info.nature, severity: d.severity, title: d.title,
    summary: d.summary, decisionNumber: d.decisionNumber, decidedAt: d.decidedAt, validFrom: d.validFrom, validUntil: d.validUntil,
    legalBasis: d.legalBasis, amount: d.amount, grade: d.grade, groupCode: d.groupCode, disclosure: d.disclosure!, details,
    sourceOrg: d.sourceOrg, sourceRef, status: d.status ?? 'ACTIVE', statusReason: d.statusReason ?? null,
  };
  const createdAt = new Date(Math.min(d.decidedAt.getTime() + ctx.rand.int(1, 72) * HOUR_MS, ctx.now.getTime()));
  const updatedAt = content.status === 'ACTIVE' ? createdAt
    : new Date(createdAt.getTime() + Math.floor(ctx.rand.next() * (ctx.now.getTime() - createdAt.getTime())));
  const { subjectCode: _code, ...columns } = content;
  return {
    ...columns,
    id: deterministicUuid(`demo-record\n${d.sourceOrg}\n${sourceRef}`),
    subjectId,
    contentHash: sha256(JSON.stringify(content)),
    version: 1,
    createdAt,
    updatedAt,
  };
}

export function toSubjectRow(s: PlannedSubject, now: Date): typeof subjects.$inferInsert {
  return {
    code: s.code, kind: s.kind, name: s.name, status: s.status, registeredAt: s.registeredAt, address: s.address,
    legalRepresentative: s.legalRepresentative?.name ?? null, legalRepresentativeId: s.legalRepresentative?.code ?? null,
    birthDate: s.birthDate, codeFlagged: false, registeredBy: s.registeredBy, createdAt: now, updatedAt: now,
  };
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
