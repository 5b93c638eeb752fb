import { addInterval } from './calendar.js';

/**
 * Credit repair eligibility (SPEC R3), decided here and nowhere else: which records a subject may apply to have
 * repaired, and from when. The minimum periods are catalog data (migration 0008); evaluated at the request's
 * instant on the Asia/Shanghai calendar, like the publicity windows (D6).
 */
export interface RepairCandidate {
  status: string;
  nature: string;
  severity: string | null;
  decidedAt: Date;
  validFrom: Date | null;
}

export interface RepairRule {
  code: string;
  repairable: boolean;
  publicityRule: string;
  generalRepairPeriod: string | null;
  seriousRepairPeriod: string | null;
  repairPeriod: string | null;
}

export type RepairCheck =
  | { ok: true; earliest: Date }
  | { ok: false; reason: RepairRefusal; message: string; earliest?: Date };

export type RepairRefusal =
  | 'RECORD_WITHDRAWN' | 'ALREADY_REPAIRED' | 'NOT_NEGATIVE' | 'NOT_REPAIRABLE' | 'MIN_PERIOD_NOT_REACHED';

/** When the minimum period of a repairable record ends (null: nothing to repair, e.g. a MINOR penalty). */
export function earliestRepair(record: RepairCandidate, rule: RepairRule): Date | null {
  if (rule.publicityRule === 'BY_SEVERITY') {
    // D1: a MINOR penalty is never public, so there is nothing to take out of public view
    const period = record.severity === 'GENERAL' ? rule.generalRepairPeriod : record.severity === 'SERIOUS' ? rule.seriousRepairPeriod : undefined;
    if (period === undefined) return null;
    return period ? addInterval(record.decidedAt, period) : record.decidedAt;
  }
  const start = record.validFrom ?? record.decidedAt;
  return rule.repairPeriod ? addInterval(start, rule.repairPeriod) : start;
}

export function checkRepairEligibility(record: RepairCandidate, rule: RepairRule, now: Date): RepairCheck {
  if (record.status === 'WITHDRAWN') return { ok: false, reason: 'RECORD_WITHDRAWN', message: 'The record was withdrawn by its source; there is nothing to repair.' };
  if (record.status === 'REPAIRED') return { ok: false, reason: 'ALREADY_REPAIRED', message: 'The record is repaired already.' };
  if (record.nature !== 'NEGATIVE') return { ok: false, reason: 'NOT_NEGATIVE', message: 'Only negative records can be repaired.' };
  if (!rule.repairable) {
    return { ok: false, reason: 'NOT_REPAIRABLE', message: `Records of type ${rule.code} cannot be repaired here (the issuing authority removes them).` };
  }
  const earliest = earliestRepair(record, rule);
  if (!earliest) return { ok: false, reason: 'NOT_REPAIRABLE', message: 'A MINOR penalty is never public: there is nothing to repair.' };
  if (now.getTime() < earliest.getTime()) {
    return { ok: false, reason: 'MIN_PERIOD_NOT_REACHED', message: `A repair can be applied for from ${earliest.toISOString()}.`, earliest };
  }
  return { ok: true, earliest };
}
