import { copyValue } from './copy.js';
import { ABBREVIATION, D, REGISTRAR } from './organizations.js';
import { ENTERPRISE, INDIVIDUAL, KINDS, PUBLIC_INSTITUTION } from './plan.js';
import * as words from './record-words.js';
import { hex8, mix32, Rng, Weighted } from './rng.js';
import type { CitySubject } from './subjects.js';
import { addYears, DAY_MS, instantAt, iso, localDayOf, MINUTE_MS, yearOfDay } from './time.js';
import { draftByType, type Draft } from './record-drafts.js';

const NULL = '\\N';

/**
 * Records of the city: every catalog type, windows and fields as the sources file them (record-drafts.ts), then
 * the lifecycle every record shares — disclosure (the type's default mostly, never looser), WITHDRAWN and
 * REPAIRED now and then, a window that has not started yet — and the COPY row.
 */
export interface CatalogType {
  code: string;
  nameZh: string;
  category: string;
  nature: 'BASIC' | 'POSITIVE' | 'NEGATIVE';
  loosest: 'PUBLIC' | 'SHARED' | 'SUBJECT_ONLY';
  repairable: boolean;
  requiresGroup: boolean;
}

export interface ProfessionalGroup { code: string; nameZh: string }

export const RECORD_COLUMNS = 'id, subject_id, type, category, nature, severity, title, summary, decision_number, decided_at, valid_from, valid_until, legal_basis, amount, grade, group_code, disclosure, details, source_org, source_ref, status, status_reason, content_hash, version, created_at, updated_at';

const MAY_START_LATER = new Set(['license', 'qualification', 'honor', 'commitment', 'contract-performance', 'credit-grade', 'abnormal-operation', 'dishonest-debtor', 'serious-dishonesty-list']);
const TYPE_TAGS: Record<string, string> = {
  registration: 'DJ', 'dishonest-debtor': 'SX', judgment: 'PJ', license: 'XK', penalty: 'CF', qualification: 'ZG', 'abnormal-operation': 'YC',
  'serious-dishonesty-list': 'YZ', 'contract-performance': 'HT', commitment: 'CN', 'tax-rating': 'NS', 'credit-grade': 'PJ', honor: 'RY',
  'self-declared': 'SB', 'social-insurance-arrears': 'SQ', 'tax-arrears': 'QS', 'ip-infringement': 'ZQ',
};

export interface RecordStats {
  byType: Record<string, number>;
  byStatus: Record<string, number>;
  byDisclosure: Record<string, number>;
  bySource: Record<string, number>;
}

export interface RecordContext {
  rng: Rng;
  anchor: number;
  anchorDay: number;
  catalog: ReadonlyMap<string, CatalogType>;
  groups: readonly ProfessionalGroup[];
  documentNumber(org: string, decidedAt: number, word: string): string;
  /** a decision instant in working hours, up to 8 years back, skewed to recent years, not before the subject could have one */
  decisionTime(subject: CitySubject): number;
}

export class RecordFactory {
  readonly stats: RecordStats = { byType: {}, byStatus: {}, byDisclosure: {}, bySource: {} };
  private readonly ctx: RecordContext;
  /** org → word → last number per year (index year - 1900) */
  private readonly documentCounters = new Map<string, Map<string, Int32Array>>();
  private readonly typeTables: Record<string, Weighted<string>>;
  private readonly idScale: number;

  constructor(seed: number, private readonly anchor: number, catalog: readonly CatalogType[], groups: readonly ProfessionalGroup[], totalRecords: number) {
    const rng = new Rng(seed);
    const anchorDay = localDayOf(anchor);
    const counters = this.documentCounters;
    this.idScale = 4294967296 / Math.max(1, totalRecords);
    this.ctx = {
      rng, anchor, anchorDay, catalog: new Map(catalog.map((t) => [t.code, t])), groups,
      documentNumber(org, decidedAt, word) {
        const year = yearOfDay(localDayOf(decidedAt));
        let byWord = counters.get(org);
        if (!byWord) counters.set(org, (byWord = new Map()));
        let byYear = byWord.get(word);
        if (!byYear) byWord.set(word, (byYear = new Int32Array(200)));
        const n = (byYear[year - 1900] || rng.int(1, 40)) + rng.int(1, 3);
        byYear[year - 1900] = n;
        if (org === D.COURT) return `（${year}）粤02${word}${n}号`;
        return `${ABBREVIATION.get(org) ?? org}${word}〔${year}〕${n}号`;
      },
      decisionTime(subject) {
        const adultFrom = subject.birthDay === null ? null : subject.birthDay + 18 * 365 + 5;
        const notBefore = subject.registeredDay
          ?? (adultFrom === null ? anchorDay - 8 * 365 : adultFrom < anchorDay ? adultFrom : subject.birthDay! + 6 * 365);
        const span = Math.max(1, Math.min(8 * 365, anchorDay - notBefore - 1));
        const daysAgo = 1 + Math.floor((span - 1) * Math.pow(rng.next(), 1.3));
        return instantAt(anchorDay - daysAgo, rng.int(9, 17), rng.int(0, 59));
      },
    };
    const known = new Set(catalog.map((t) => t.code));
    const table = (weights: Record<string, number>, others: number) => new Weighted<string>([
      ...Object.entries(weights).filter(([type]) => known.has(type)),
      // catalog types this generator has no wording for still get records (generic drafts), except group-bound ones
      ...catalog.filter((t) => !(t.code in words.TYPE_WEIGHTS.ENTERPRISE) && !(t.code in words.TYPE_WEIGHTS.ADULT) && !t.requiresGroup && others > 0)
        .map((t) => [t.code, others] as const),
    ]);
    this.typeTables = {
      ENTERPRISE: table(words.TYPE_WEIGHTS.ENTERPRISE, 0.2),
      ADULT: table(words.TYPE_WEIGHTS.ADULT, 0.05),
      MINOR: table(words.TYPE_WEIGHTS.MINOR, 0),
      PUBLIC_INSTITUTION: table(words.TYPE_WEIGHTS.PUBLIC_INSTITUTION, 0.2),
      SOCIAL_ORGANIZATION: table(words.TYPE_WEIGHTS.SOCIAL_ORGANIZATION, 0.2),
    };
  }

  /** A version-4-shaped UUID whose first 32 bits grow with the record index (appends to the primary key's right edge). */
  recordId(index: number): string {
    const a = mix32(index, 0x51ed);
    const b = mix32(index, 0x2c1b);
    const c = mix32(index, 0x9e37);
    const head = hex8(Math.floor(index * this.idScale));
    const bh = hex8(a);
    const ch = hex8(b);
    return `${head}-${bh.slice(0, 4)}-4${bh.slice(5, 8)}-${'89ab'[b & 3]}${ch.slice(1, 4)}-${ch.slice(4, 8)}${hex8(c)}`;
  }

  /** Writes `count` records of one subject, record indexes first…first+count-1. */
  writeSubject(subject: CitySubject, count: number, first: number, push: (row: string) => void): void {
    const kindName = KINDS[subject.kind]!;
    const isMinor = subject.kind === INDIVIDUAL && subject.birthDay! > this.ctx.anchorDay - 18 * 365;
    const table = this.typeTables[subject.kind === INDIVIDUAL ? (isMinor ? 'MINOR' : 'ADULT') : kindName]!;
    const taxYears = new Set<number>();
    for (let k = 0; k < count; k++) {
      let draft: Draft | null = null;
      if (k === 0 && subject.kind !== INDIVIDUAL && this.ctx.catalog.has('registration')) draft = draftByType.registration!(this.ctx, subject, true);
      for (let attempt = 0; draft === null; attempt++) {
        const type = attempt < 6 ? table.draw(this.ctx.rng) : (subject.kind === INDIVIDUAL ? 'self-declared' : 'commitment');
        if (type === 'tax-rating') draft = draftByType['tax-rating']!(this.ctx, subject, taxYears);
        else draft = (draftByType[type] ?? genericDraft(type))(this.ctx, subject, false);
      }
      push(this.row(first + k, subject, draft));
    }
  }

  private row(index: number, subject: CitySubject, d: Draft): string {
    const { rng, anchor, anchorDay } = this.ctx;
    const type = this.ctx.catalog.get(d.type)!;
    if (MAY_START_LATER.has(d.type) && rng.chance(0.03)) {
      const duration = d.validUntil !== null && d.validFrom !== null ? d.validUntil - d.validFrom : null;
      d.decidedAt = instantAt(anchorDay - rng.int(1, 20), rng.int(9, 17), rng.int(0, 59));
      d.validFrom = instantAt(anchorDay + rng.int(1, 60), 0);
      d.validUntil = duration === null ? null : d.validFrom + duration;
    }
    const disclosure = d.type === 'registration' ? 'PUBLIC'
      : type.loosest === 'PUBLIC' ? (rng.chance(0.85) ? 'PUBLIC' : rng.chance(0.67) ? 'SHARED' : 'SUBJECT_ONLY')
        : type.loosest === 'SHARED' ? (rng.chance(0.92) ? 'SHARED' : 'SUBJECT_ONLY') : 'SUBJECT_ONLY';
    let status = 'ACTIVE';
    let statusReason: string | null = null;
    const repairFrom = d.validFrom ?? d.decidedAt;
    if (d.type !== 'registration' && rng.chance(0.03)) {
      status = 'WITHDRAWN';
      statusReason = d.type === 'dishonest-debtor' ? words.WITHDRAWAL_REASONS[3] : d.type === 'license' ? words.WITHDRAWAL_REASONS[2] : rng.pick(words.WITHDRAWAL_REASONS.slice(0, 2));
    } else if (type.repairable && type.nature === 'NEGATIVE' && d.severity !== 'MINOR' && addYears(repairFrom, 1) < anchor && rng.chance(0.1)) {
      status = 'REPAIRED';
      statusReason = d.type === 'abnormal-operation' ? words.REPAIR_REASONS[1] : d.type.endsWith('arrears') ? words.REPAIR_REASONS[2] : words.REPAIR_REASONS[0];
    }
    const created = Math.min(anchor - MINUTE_MS, d.decidedAt + rng.int(1, 72 * 60) * MINUTE_MS);
    const updated = status === 'ACTIVE' ? created : Math.min(anchor - MINUTE_MS, created + rng.int(1, 365) * DAY_MS);
    const year = yearOfDay(localDayOf(d.decidedAt));
    const sourceRef = `${year}${TYPE_TAGS[d.type] ?? 'QT'}${String(index).padStart(9, '0')}`;
    const handler = `${rng.pick(['王', '李', '张', '陈', '刘', '黄', '林', '梁', '钟', '罗'])}${rng.pick(['某', '某某'])}`;
    const details = `{"handler":"${handler}","internalNote":"${rng.pick(words.CASE_NOTES)}","batch":"${year}-${String(rng.int(1, 52)).padStart(2, '0')}"${d.details ?? ''}}`;
    let hash = '';
    for (let i = 0; i < 8; i++) hash += hex8(mix32(index, 0xc0de + i));
    this.count(d.type, status, disclosure, d.sourceOrg);
    const severity = type.nature === 'NEGATIVE' ? (d.severity ?? 'GENERAL') : null;
    const validUntil = d.validUntil === null ? null : Math.max(d.validUntil, d.validFrom ?? d.validUntil);
    // codes, enums, numbers and timestamps need no escaping; free text goes through copyValue
    return `${this.recordId(index)}\t${subject.id}\t${d.type}\t${type.category}\t${type.nature}\t${severity ?? NULL}\t${copyValue(d.title)}\t`
      + `${copyValue(d.summary)}\t${copyValue(d.decisionNumber)}\t${iso(d.decidedAt)}\t${d.validFrom === null ? NULL : iso(d.validFrom)}\t`
      + `${validUntil === null ? NULL : iso(validUntil)}\t${copyValue(d.legalBasis)}\t${d.amount === null ? NULL : d.amount}\t${d.grade === null ? NULL : copyValue(d.grade)}\t`
      + `${d.groupCode ?? NULL}\t${disclosure}\t${copyValue(details)}\t${d.sourceOrg}\t${sourceRef}\t${status}\t${copyValue(statusReason)}\t${hash}\t1\t`
      + `${iso(created)}\t${iso(updated)}\n`;
  }

  private count(type: string, status: string, disclosure: string, source: string): void {
    const s = this.stats;
    s.byType[type] = (s.byType[type] ?? 0) + 1;
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
    s.byDisclosure[disclosure] = (s.byDisclosure[disclosure] ?? 0) + 1;
    s.bySource[source] = (s.bySource[source] ?? 0) + 1;
  }
}

/** A record of a catalog type this generator has no wording for: a plain fact from a department, windowed. */
function genericDraft(code: string) {
  return (ctx: RecordContext, subject: CitySubject): Draft => {
    const type = ctx.catalog.get(code)!;
    const decidedAt = ctx.decisionTime(subject);
    const source = ctx.rng.chance(0.5) ? REGISTRAR[KINDS[subject.kind]!] : `CITY-DEPT-${String(ctx.rng.int(1, 30)).padStart(2, '0')}`;
    return {
      type: code, sourceOrg: source, title: type.nameZh, summary: `${type.nameZh}（${subject.kind === ENTERPRISE || subject.kind === PUBLIC_INSTITUTION ? '单位' : '主体'}）`,
      decisionNumber: ctx.documentNumber(source, decidedAt, '信'), decidedAt, validFrom: decidedAt,
      validUntil: ctx.rng.chance(0.5) ? null : addYears(decidedAt, ctx.rng.int(1, 5)), severity: type.nature === 'NEGATIVE' ? (ctx.rng.chance(0.6) ? 'GENERAL' : ctx.rng.chance(0.5) ? 'MINOR' : 'SERIOUS') : null,
      legalBasis: null, amount: null, grade: null, groupCode: type.requiresGroup ? ctx.rng.pick(ctx.groups).code : null, details: null,
    };
  };
}

