import { hash as sha } from 'node:crypto';
import { chainHash, GENESIS_HASH, type CanonicalEventFields } from '../../src/modules/access-log/chain.js';
import type { NewAccessEvent } from '../../src/modules/access-log/access-log.repository.js';
import { AGENCY_PURPOSES, DEPARTMENT_PURPOSES } from '../../policies/purposes.js';
import { AGENCIES, AUDIT_OFFICE, DEPARTMENTS } from './organizations.js';
import { INDIVIDUAL, subjectOfRecord, type CityPlan } from './plan.js';
import { hex8, mix32, Rng, Weighted } from './rng.js';
import { isoMicros, localDayOf, yearOfDay } from './time.js';

/**
 * The access log of two years of traffic: requests of every role (public lookups and searches, departments with
 * purposes and credit checks, agencies with and without grants, subjects reading their own file, auditors), spread
 * over working hours, growing over time, each event hash-chained exactly as append_access_events computes it
 * (migrations/0003_access_log.sql; src/modules/access-log/chain.ts is the application's twin and checks a sample).
 */
const NULL = '\\N';

export const EVENT_COLUMNS = 'sequence, at, request_id, actor, role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code, record_ids, operation_name, prev_hash, hash';

export const EVENT_DAYS = 730;
const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
const SHANGHAI_OFFSET_US = 8 * HOUR_US;
/** relative traffic per local hour of the day */
const HOURLY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.6, 1.2, 2.5, 4, 4.5, 4, 2.5, 3, 4, 4.3, 4, 3, 2, 1.8, 1.6, 1.2, 0.8, 0.4];

/** Event instants (epoch microseconds) in order: days weighted by growth and weekday, hours by HOURLY. */
class Timeline {
  private readonly perDay: Int32Array;
  private readonly hourCdf: Float64Array;
  private day = 0;
  private slot = 0;

  constructor(private readonly rng: Rng, total: number, private readonly firstDay: number) {
    const weights = new Float64Array(EVENT_DAYS);
    let sum = 0;
    for (let d = 0; d < EVENT_DAYS; d++) {
      const weekday = new Date((firstDay + d) * 86_400_000).getUTCDay();
      weights[d] = (0.5 + d / EVENT_DAYS) * (weekday === 0 || weekday === 6 ? 0.4 : 1);
      sum += weights[d]!;
    }
    this.perDay = new Int32Array(EVENT_DAYS);
    let cumulative = 0;
    let assigned = 0;
    for (let d = 0; d < EVENT_DAYS; d++) {
      cumulative += weights[d]!;
      const upTo = d === EVENT_DAYS - 1 ? total : Math.floor((total * cumulative) / sum + 0.5);
      this.perDay[d] = upTo - assigned;
      assigned = upTo;
    }
    this.hourCdf = new Float64Array(25);
    const hours = HOURLY.reduce((a, b) => a + b, 0);
    for (let h = 0; h < 24; h++) this.hourCdf[h + 1] = this.hourCdf[h]! + HOURLY[h]! / hours;
  }

  /** The next event slot's instant; stratified inside its day, so instants never go back. */
  next(): number {
    while (this.day < EVENT_DAYS - 1 && this.slot >= this.perDay[this.day]!) {
      this.day++;
      this.slot = 0;
    }
    const n = Math.max(1, this.perDay[this.day]!);
    const q = Math.min(0.999999999, (Math.min(this.slot, n - 1) + this.rng.next()) / n);
    this.slot++;
    let h = 0;
    while (this.hourCdf[h + 1]! <= q) h++;
    const within = (q - this.hourCdf[h]!) / (this.hourCdf[h + 1]! - this.hourCdf[h]!);
    return (this.firstDay + this.day) * DAY_US + Math.floor((h + within) * HOUR_US) - SHANGHAI_OFFSET_US;
  }
}


const field = (v: string | null): string => (v === null ? '-' : `${v.length}:${v}`);

/** What the gateway appends for one event, minus its instant (a request's events share it). */
type EventFields = Omit<NewAccessEvent, 'at'>;

/** An event with one fixed shape (object literals in one place keep V8's property access monomorphic). */
function event(
  requestId: string, actor: string | null, role: string, orgCode: string | null, view: string | null, purposeKind: string | null,
  purposeReference: string | null, grantId: string | null, subjectCode: string | null, recordIds: string[], operationName: string,
): EventFields {
  return { requestId, actor, role, orgCode, view, purposeKind, purposeReference, grantId, subjectCode, recordIds, operationName };
}

const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const PAD6 = (n: number) => PAD3[Math.floor(n / 1000)]! + PAD3[n % 1000]!;

type RequestKind = 'publicSubject' | 'publicSearch' | 'deptSubject' | 'deptCheck' | 'deptSearch' | 'deptNoPurpose' | 'agencyGrant' | 'agencyNoGrant' | 'self' | 'auditor' | 'admin';
const REQUESTS = new Weighted<RequestKind>([
  ['publicSubject', 44], ['publicSearch', 4], ['deptSubject', 24], ['deptCheck', 5], ['deptSearch', 1.5], ['deptNoPurpose', 2],
  ['agencyGrant', 8], ['agencyNoGrant', 2], ['self', 6], ['auditor', 0.7], ['admin', 0.3],
]);
const DEPARTMENT_PICK = new Weighted(DEPARTMENTS.map((d, i) => [d.code, i === 0 ? 12 : 12 / (i + 1)] as const));
const AGENCY_PICK = new Weighted(AGENCIES.map((a, i) => [a.code, 5 - i] as const));
const DEPARTMENT_PURPOSE_PICK = new Weighted<string>(DEPARTMENT_PURPOSES.map((k) => [k, ({ LICENSING: 25, SUPERVISION: 15, PROCUREMENT: 12, LAW_ENFORCEMENT: 12, BIDDING: 10 } as Record<string, number>)[k] ?? 6] as const));
const AGENCY_PURPOSE_PICK = new Weighted<string>(AGENCY_PURPOSES.map((k) => [k, ({ CREDIT_REPORT: 40, LENDING: 30 } as Record<string, number>)[k] ?? 10] as const));
const PURPOSE_TAGS: Record<string, string> = {
  LICENSING: 'XK', PROCUREMENT: 'CG', BIDDING: 'ZB', SUBSIDY: 'BT', QUALIFICATION: 'ZZ', HIRING: 'ZP', SUPERVISION: 'JG', LAW_ENFORCEMENT: 'ZF',
  JUDICIAL: 'SF', CREDIT_REPORT: 'BG', LENDING: 'DK', LEASING: 'ZL', CONTRACTING: 'HT', EMPLOYMENT_SCREENING: 'BD',
};

export interface EventSink {
  /** called with each event's COPY row and its year (UTC), in sequence order */
  (row: string, year: number): Promise<void> | void;
}

export interface EventRun {
  events: number;
  head: { sequence: number; hash: string; at: string };
  byRole: Record<string, number>;
  byView: Record<string, number>;
  /** events with at in [from, to] */
  range: { from: string; to: string; events: number };
  /** events checked against the application's own chainHash */
  crossChecked: number;
}

export class EventGenerator {
  private readonly rng: Rng;
  private readonly firstDay: number;

  constructor(seed: number, private readonly plan: CityPlan, private readonly codes: readonly string[], private readonly recordId: (index: number) => string, private readonly anchor: number) {
    this.rng = new Rng(seed);
    this.firstDay = localDayOf(anchor) - EVENT_DAYS;
  }

  private sizeBiasedSubject(): number {
    if (this.plan.records === 0) return this.uniformSubject(false);
    return subjectOfRecord(this.plan, Math.floor(this.rng.next() * this.plan.records));
  }

  private uniformSubject(organisationsOnly: boolean): number {
    for (let attempt = 0; ; attempt++) {
      const i = Math.floor(this.rng.next() * this.plan.subjects);
      if (!organisationsOnly || this.plan.kind[i] !== INDIVIDUAL || attempt > 20) return i;
    }
  }

  private recordIds(subject: number, max: number): string[] {
    const count = this.plan.count[subject]!;
    const n = Math.min(count, max);
    if (n <= 0) return [];
    const start = this.plan.first[subject]! + Math.floor(this.rng.next() * (count - n + 1));
    const ids: string[] = new Array(n);
    for (let k = 0; k < n; k++) ids[k] = this.recordId(start + n - 1 - k);
    return ids;
  }

  private reference(kind: string, at: number): string {
    return `${PURPOSE_TAGS[kind] ?? 'QT'}-${yearOfDay(Math.floor(at / DAY_US))}-${PAD6(this.rng.int(1, 999999))}`;
  }

  /** One request's events (all with the same request id and instant). */
  private request(at: number): EventFields[] {
    const { rng, codes, plan } = this;
    const kind = REQUESTS.draw(rng);
    const requestId = rng.uuid();
    switch (kind) {
      case 'publicSubject': {
        const s = rng.chance(0.55) ? this.sizeBiasedSubject() : this.uniformSubject(true);
        const max = rng.chance(0.3) ? 0 : Math.min(20, Math.ceil(plan.count[s]! * 0.45));
        return [event(requestId, null, 'public', null, 'PUBLIC', null, null, null, codes[s]!, this.recordIds(s, max), 'subject')];
      }
      case 'publicSearch': {
        const events: EventFields[] = [];
        for (let n = rng.int(1, 20); n > 0; n--) {
          events.push(event(requestId, null, 'public', null, 'PUBLIC', null, null, null, codes[this.uniformSubject(true)]!, [], 'searchSubjects'));
        }
        return events;
      }
      case 'deptSubject':
      case 'deptCheck':
      case 'deptSearch':
      case 'deptNoPurpose': {
        const org = DEPARTMENT_PICK.draw(rng);
        const actor = `officer-${org.slice(-2)}-${PAD3[Math.min(999, 1 + Math.floor(-Math.log(1 - rng.next()) * 15))]}`;
        if (kind === 'deptNoPurpose') {
          const s = this.sizeBiasedSubject();
          return [event(requestId, actor, 'department', org, 'PUBLIC', null, null, null, codes[s]!, this.recordIds(s, Math.min(20, Math.ceil(plan.count[s]! * 0.45))), 'subject')];
        }
        const purposeKind = DEPARTMENT_PURPOSE_PICK.draw(rng);
        const reference = this.reference(purposeKind, at);
        if (kind === 'deptSearch') {
          const events: EventFields[] = [];
          for (let n = rng.int(1, 20); n > 0; n--) {
            events.push(event(requestId, actor, 'department', org, 'DEPARTMENT', purposeKind, reference, null, codes[this.uniformSubject(false)]!, [], 'searchSubjects'));
          }
          return events;
        }
        const s = rng.chance(0.5) ? this.sizeBiasedSubject() : this.uniformSubject(false);
        const ids = this.recordIds(s, kind === 'deptCheck' ? 5 : 20);
        return [event(requestId, actor, 'department', org, 'DEPARTMENT', purposeKind, reference, null, codes[s]!, ids, kind === 'deptCheck' ? 'creditCheck' : 'subject')];
      }
      case 'agencyGrant':
      case 'agencyNoGrant': {
        const org = AGENCY_PICK.draw(rng);
        const actor = `analyst-${org.slice(-2)}-${PAD3[rng.int(1, 25)]}`;
        const purposeKind = AGENCY_PURPOSE_PICK.draw(rng);
        const s = rng.chance(0.5) ? this.sizeBiasedSubject() : this.uniformSubject(false);
        const granted = kind === 'agencyGrant';
        const max = Math.min(20, Math.ceil(plan.count[s]! * (granted ? 0.6 : 0.45)));
        return [event(requestId, actor, 'agency', org, granted ? 'AGENCY' : 'PUBLIC', purposeKind, this.reference(purposeKind, at),
          granted ? rng.uuid() : null, codes[s]!, this.recordIds(s, max), 'subject')];
      }
      case 'self': {
        const s = this.uniformSubject(false);
        return [event(requestId, `subject-user-${hex8(mix32(s, 77))}`, 'subject', null, 'SELF', null, null, null, codes[s]!, this.recordIds(s, 20), 'subject')];
      }
      case 'auditor':
        return [event(requestId, `auditor-0${rng.int(1, 3)}`, 'auditor', AUDIT_OFFICE.code, null, null, null, null, null, [], rng.chance(0.8) ? 'accessLog' : 'verifyAccessLog')];
      case 'admin':
        return [event(requestId, 'admin-01', 'admin', 'PLATFORM', 'PUBLIC', null, null, null, codes[this.uniformSubject(true)]!, [], 'subject')];
    }
  }

  /** Generates `total` events (sequence 1…total) from the genesis hash and hands each COPY row to `sink`. */
  async run(total: number, rangeFromUs: number, sink: EventSink): Promise<EventRun> {
    const timeline = new Timeline(this.rng, total, this.firstDay);
    let prev = GENESIS_HASH;
    let sequence = 0;
    let crossChecked = 0;
    let inRange = 0;
    let lastAt = 0;
    const byRole: Record<string, number> = {};
    const byView: Record<string, number> = {};
    while (sequence < total) {
      const at = timeline.next();
      const atText = isoMicros(at);
      const atField = field(atText);
      const year = yearOfDay(Math.floor(at / DAY_US));
      const events = this.request(at);
      for (let k = 0; k < events.length && sequence < total; k++) {
        if (k > 0) timeline.next(); // every event uses a slot, the request's events share the first one's instant
        const e = events[k]!;
        sequence++;
        const sequenceText = String(sequence);
        let ids = `${e.recordIds.length}#`;
        for (let i = 0; i < e.recordIds.length; i++) ids += (i ? ',' : '') + field(e.recordIds[i]!);
        const canonical = `${field(sequenceText)}|${atField}|${field(e.requestId)}|${field(e.actor)}|${field(e.role)}|${field(e.orgCode)}|${field(e.view)}|${field(e.purposeKind)}|${field(e.purposeReference)}|${field(e.grantId)}|${field(e.subjectCode)}|${field(ids)}|${field(e.operationName)}|${field(prev)}`;
        const hash = sha('sha256', prev + canonical, 'hex');
        if (sequence <= 2000 || sequence % 9973 === 0) {
          const fields: CanonicalEventFields = { sequence: sequenceText, at: atText, ...e, prevHash: prev };
          if (chainHash(prev, fields) !== hash) throw new Error(`event ${sequence}: the generator's hash differs from chain.ts`);
          crossChecked++;
        }
        byRole[e.role] = (byRole[e.role] ?? 0) + 1;
        const view = e.view ?? 'none';
        byView[view] = (byView[view] ?? 0) + 1;
        if (at >= rangeFromUs) inRange++;
        lastAt = at;
        // every value comes from a fixed alphabet (codes, uuids, enums, ASCII actors): no COPY escaping needed
        const pending = sink(`${sequenceText}\t${atText}\t${e.requestId}\t${e.actor ?? NULL}\t${e.role}\t${e.orgCode ?? NULL}\t${e.view ?? NULL}\t`
          + `${e.purposeKind ?? NULL}\t${e.purposeReference ?? NULL}\t${e.grantId ?? NULL}\t${e.subjectCode ?? NULL}\t{${e.recordIds.join(',')}}\t`
          + `${e.operationName ?? NULL}\t${prev}\t${hash}\n`, year);
        if (pending) await pending;
        prev = hash;
      }
    }
    return {
      events: sequence, head: { sequence, hash: prev, at: isoMicros(lastAt) }, byRole, byView, crossChecked,
      range: { from: new Date(rangeFromUs / 1000).toISOString(), to: new Date(this.anchor).toISOString(), events: inRange },
    };
  }
}
