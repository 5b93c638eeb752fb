import { isDeepStrictEqual } from 'node:util';
import type { TestGateway } from '../support/gateway.js';
import {
  APPLY_REPAIR, asAdmin, asDepartment, asSubject, DECIDE_REPAIR, FILE_OBJECTION, GRANT, mustWrite, REGISTER_SUBJECTS, requestAs,
  RESOLVE_OBJECTION, REVOKE, SUBMIT_RECORDS, SUSPEND, WITHDRAW, WriteFailure,
} from './client.js';
import { currentOf, filingRefusal, repairRefusal, type Content, type MRecord, type MSubject, type ModelState } from './model.js';
import type { Plan, PlannedRecord } from './plan.js';

/**
 * Applies a planned world through the API (the same mutations departments, subjects and the credit office use),
 * at the gateway's clock set to T0, and keeps the model's state in step: ids as the gateway gave them, versions,
 * statuses, objections, grants. Where the model predicts a refusal (W3 MINOR_NOT_ALLOWED, R3 periods) the write is
 * sent anyway and the refusal is checked.
 */
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function recordInput(record: PlannedRecord, subjectCode: string, c: Content): Record<string, unknown> {
  return {
    subjectCode, type: record.type.code, sourceRef: record.sourceRef, title: c.title, summary: c.summary, decisionNumber: c.decisionNumber,
    decidedAt: iso(c.decidedAt), validFrom: iso(c.validFrom), validUntil: iso(c.validUntil), severity: c.severity,
    legalBasis: c.legalBasis, amount: c.amount, grade: c.grade, group: c.group, disclosure: c.disclosure, details: c.details,
  };
}

const comparable = (c: Content) => JSON.parse(JSON.stringify(c));
/** W2: the same content (every filed field) is an unchanged re-submission. */
const sameContent = (a: Content, b: Content) => isDeepStrictEqual(comparable(a), comparable(b));

async function registerOrganizations(gw: TestGateway, plan: Plan): Promise<void> {
  const orgs = [...plan.departments.map((code) => [code, 'DEPARTMENT']), ...plan.agencies.map((code) => [code, 'AGENCY'])];
  const fields = orgs.map(([code, kind], i) => `o${i}: registerOrganization(input: { code: "${code}", name: "模型 ${code}", kind: ${kind} }) { code }`);
  await mustWrite(gw, asAdmin, `mutation ModelOrgs { ${fields.join('\n')} }`, {}, 'registerOrganization');
}

async function registerSubjects(gw: TestGateway, plan: Plan): Promise<MSubject[]> {
  const subjects = plan.subjects.map((s) => ({
    code: s.code, kind: s.kind, name: s.name, registeredAt: s.registeredAt, address: s.address,
    legalRepresentative: s.legalRepresentative, legalRepresentativeId: s.legalRepresentativeId,
  }));
  const data = await mustWrite(gw, asDepartment(plan.departments[0]), REGISTER_SUBJECTS, { subjects }, 'registerSubjects');
  if (data.registerSubjects.errors.length) throw new WriteFailure(`write: registerSubjects refused ${JSON.stringify(data.registerSubjects.errors)}`);
  return plan.subjects.map(({ code, kind, name, registeredAt, address, legalRepresentative, legalRepresentativeId, birthDate }) => ({
    code, kind, name, registeredAt, address, legalRepresentative, legalRepresentativeId, birthDate,
  }));
}

/** Version rounds: round 0 files every record, round k re-submits its k-th change (W2). */
async function fileRecords(gw: TestGateway, plan: Plan, state: ModelState): Promise<Planned> {
  const byKey = new Map<string, MRecord>();
  const rounds = Math.max(0, ...plan.records.map((r) => r.versions.length));
  for (let round = 0; round < rounds; round += 1) {
    for (const department of plan.departments) {
      const rows = plan.records.filter((r) => r.source === department && r.versions.length > round && (round === 0 || byKey.has(r.key)));
      const subjectOf = (r: PlannedRecord) => state.subjects[r.subjectIndex];
      const refused = rows.filter((r) => filingRefusal(r.type, r.versions[round].content, subjectOf(r)));
      const accepted = rows.filter((r) => !refused.includes(r));
      for (const r of refused) {
        const data = await mustWrite(gw, asDepartment(department), SUBMIT_RECORDS, { records: [recordInput(r, subjectOf(r).code, r.versions[round].content)] }, 'submitRecords');
        const reason = filingRefusal(r.type, r.versions[round].content, subjectOf(r));
        if (data.submitRecords.accepted !== 0 || data.submitRecords.errors[0]?.reason !== reason) {
          throw new WriteFailure(`write: W3 expected ${reason} for ${r.key}, got ${JSON.stringify(data.submitRecords)}`);
        }
      }
      if (!accepted.length) continue;
      const data = await mustWrite(gw, asDepartment(department), SUBMIT_RECORDS, {
        records: accepted.map((r) => recordInput(r, subjectOf(r).code, r.versions[round].content)),
      }, 'submitRecords');
      const result = data.submitRecords;
      if (result.errors.length || result.accepted !== accepted.length) throw new WriteFailure(`write: submitRecords refused ${JSON.stringify(result.errors)}`);
      accepted.forEach((r, i) => {
        const content = r.versions[round].content;
        const existing = byKey.get(r.key);
        if (!existing) {
          const record: MRecord = {
            id: result.ids[i], subjectCode: subjectOf(r).code, type: r.type, source: r.source, sourceRef: r.sourceRef,
            versions: [content], status: 'ACTIVE', objection: null,
          };
          byKey.set(r.key, record);
          state.records.push(record);
          return;
        }
        if (result.ids[i] !== existing.id) throw new WriteFailure(`write: W1/W2 re-submission of ${r.key} answered id ${result.ids[i]}, not ${existing.id}`);
        if (!sameContent(currentOf(existing), content)) existing.versions.push(content);
      });
    }
  }
  return new Map(plan.records.filter((r) => byKey.has(r.key)).map((r) => [byKey.get(r.key)!, r]));
}

/** The plan of each record the gateway accepted. */
type Planned = Map<MRecord, PlannedRecord>;

async function grantAll(gw: TestGateway, plan: Plan, state: ModelState): Promise<void> {
  for (const g of plan.grants) {
    const subject = state.subjects[g.subjectIndex];
    const input = { agencyCode: g.agency, categories: g.categories, purpose: g.purpose, validUntil: iso(g.validUntil), ...(g.validFromInput ? { validFrom: iso(g.validFromInput) } : {}) };
    const data = await mustWrite(gw, asSubject(subject.code), GRANT, { input }, 'grantAuthorization');
    const id = String(data.grantAuthorization.id);
    if (g.revoked) await mustWrite(gw, asSubject(subject.code), REVOKE, { id }, 'revokeAuthorization');
    state.grants.push({ id, subjectCode: subject.code, agency: g.agency, categories: g.categories, purpose: g.purpose, validFrom: g.validFrom, validUntil: g.validUntil, revoked: g.revoked });
  }
}

async function objections(gw: TestGateway, state: ModelState, plannedByRecord: Planned): Promise<void> {
  for (const record of state.records) {
    const planned = plannedByRecord.get(record)!.objection;
    if (!planned) continue;
    const filed = await mustWrite(gw, asSubject(record.subjectCode), FILE_OBJECTION, { recordId: record.id, reason: planned.statement }, 'fileObjection');
    record.objection = { statement: planned.statement, status: 'PENDING', outcome: null, note: null };
    if (!planned.resolution) continue;
    const correction = planned.resolution === 'CORRECTED' ? planned.correction : undefined;
    await mustWrite(gw, asDepartment(record.source), RESOLVE_OBJECTION, {
      id: filed.fileObjection.id, outcome: planned.resolution, note: planned.note, ...(correction ? { correction } : {}),
    }, `resolveObjection ${planned.resolution}`);
    record.objection = { ...record.objection, status: 'RESOLVED', outcome: planned.resolution, note: planned.note };
    if (correction) record.versions.push({ ...currentOf(record), ...correction }); // R2: the earlier version is kept (W2)
  }
}

/**
 * A status change keeps the record as it stood (status ACTIVE) as an earlier version. The SPEC does not say whether
 * a withdrawal or a repair is a new version; the gateway makes it one, and the model follows (history is then
 * judged per W2a like any other version).
 */
function changeStatus(record: MRecord, status: MRecord['status']): void {
  record.versions.push({ ...currentOf(record) });
  record.status = status;
}
const approveRepair = (record: MRecord) => changeStatus(record, 'REPAIRED');

async function repairs(gw: TestGateway, plan: Plan, state: ModelState, plannedByRecord: Planned): Promise<void> {
  for (const record of state.records) {
    const planned = plannedByRecord.get(record)!.repair;
    if (!planned || record.type.nature !== 'NEGATIVE') continue;
    const refusal = repairRefusal(record, plan.t0);
    const response = await requestAs(gw, asSubject(record.subjectCode), APPLY_REPAIR, { recordId: record.id, commitment: planned.commitment, evidence: planned.evidence });
    const error = response.body.errors?.[0]?.extensions;
    if (refusal) {
      if (error?.code !== 'BAD_USER_INPUT' || error.reason !== refusal) {
        throw new WriteFailure(`write: R3 expected ${refusal} for ${record.type.code} ${JSON.stringify(currentOf(record))}, got ${JSON.stringify(response.body)}`);
      }
      continue;
    }
    if (error || !response.body.data?.applyForRepair) throw new WriteFailure(`write: R3 applyForRepair refused: ${JSON.stringify(response.body)}`);
    if (!planned.decision) continue;
    await mustWrite(gw, asDepartment(record.source), DECIDE_REPAIR, { id: response.body.data.applyForRepair.id, approve: planned.decision === 'APPROVE', reason: '决定理由' }, 'decideRepair');
    if (planned.decision === 'APPROVE') approveRepair(record);
  }
}

async function withdrawals(gw: TestGateway, state: ModelState, plannedByRecord: Planned): Promise<void> {
  for (const record of state.records) {
    if (!plannedByRecord.get(record)!.withdraw || record.status !== 'ACTIVE') continue;
    await mustWrite(gw, asDepartment(record.source), WITHDRAW, { id: record.id, reason: '撤销' }, 'withdrawRecord');
    changeStatus(record, 'WITHDRAWN');
  }
}

export async function buildWorld(gw: TestGateway, plan: Plan, timing?: (step: string, ms: number) => void): Promise<ModelState> {
  let last = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    timing?.(name, now - last);
    last = now;
  };
  gw.clock.now = plan.t0;
  await registerOrganizations(gw, plan);
  step('organisations');
  const state: ModelState = { subjects: await registerSubjects(gw, plan), records: [], grants: [], suspended: [] };
  step('subjects');
  const planned = await fileRecords(gw, plan, state);
  step('records');
  await grantAll(gw, plan, state);
  step('grants');
  await objections(gw, state, planned);
  step('objections');
  await repairs(gw, plan, state, planned);
  step('repairs');
  await withdrawals(gw, state, planned);
  step('withdrawals');
  for (const code of plan.suspended) {
    await mustWrite(gw, asAdmin, SUSPEND, { code }, 'setOrganizationStatus');
    state.suspended.push(code);
  }
  return state;
}
