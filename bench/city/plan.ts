import { phaseSeed, Rng } from './rng.js';

/**
 * The shape of the city before any row is written: each subject's kind, whether an individual is a minor, and how
 * many records it gets. Records per subject follow a truncated Lomax (Pareto II) law, then are rescaled with
 * cumulative rounding so that the total is exactly the requested number of records while the shape is kept:
 * most subjects have 0–3 records, a tail has hundreds, the heaviest enterprises thousands.
 */
export const KINDS = ['ENTERPRISE', 'INDIVIDUAL', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const;
export type Kind = (typeof KINDS)[number];
export const ENTERPRISE = 0;
export const INDIVIDUAL = 1;
export const PUBLIC_INSTITUTION = 2;
export const SOCIAL_ORGANIZATION = 3;

export interface CityPlan {
  subjects: number;
  records: number;
  /** index into KINDS, per subject (subject id = index + 1) */
  kind: Uint8Array;
  /** 1 for an individual under 18 at the anchor */
  minor: Uint8Array;
  /** records of each subject */
  count: Int32Array;
  /** index of each subject's first record; first[subjects] = records */
  first: Int32Array;
  /** the subject with the most records */
  heaviest: number;
}

const ALPHA = 1.3;

/** Lomax scale and cap per kind of subject: individuals and minors get few records, enterprises the tail. */
function lawFor(kind: number, minor: boolean, records: number): { scale: number; cap: number } {
  if (kind === INDIVIDUAL) return minor ? { scale: 0.15, cap: 4 } : { scale: 1, cap: 60 };
  if (kind === PUBLIC_INSTITUTION) return { scale: 4, cap: Math.max(300, Math.round(records / 5000)) };
  if (kind === SOCIAL_ORGANIZATION) return { scale: 1.5, cap: 300 };
  return { scale: 3, cap: Math.max(1000, Math.round(records / 1000)) };
}

export function planCity(subjects: number, records: number, seed: number): CityPlan {
  const rng = new Rng(phaseSeed(seed, 1));
  const kind = new Uint8Array(subjects);
  const minor = new Uint8Array(subjects);
  const raw = new Float64Array(subjects);
  let rawTotal = 0;
  for (let i = 0; i < subjects; i++) {
    const r = rng.next();
    kind[i] = r < 0.75 ? ENTERPRISE : r < 0.93 ? INDIVIDUAL : r < 0.97 ? PUBLIC_INSTITUTION : SOCIAL_ORGANIZATION;
    minor[i] = kind[i] === INDIVIDUAL && rng.chance(0.1) ? 1 : 0;
    const { scale, cap } = lawFor(kind[i]!, minor[i] === 1, records);
    let x: number;
    do x = scale * (Math.pow(1 - rng.next(), -1 / ALPHA) - 1);
    while (x > cap);
    raw[i] = x;
    rawTotal += x;
  }
  const count = new Int32Array(subjects);
  const first = new Int32Array(subjects + 1);
  let cumulative = 0;
  let assigned = 0;
  let heaviest = 0;
  for (let i = 0; i < subjects; i++) {
    cumulative += raw[i]!;
    const upTo = i === subjects - 1 ? records : Math.min(records, Math.floor((records * cumulative) / rawTotal + 0.5));
    count[i] = upTo - assigned;
    first[i] = assigned;
    assigned = upTo;
    if (count[i]! > count[heaviest]!) heaviest = i;
  }
  first[subjects] = assigned;
  return { subjects, records, kind, minor, count, first, heaviest };
}

/** The subject (index) a record index belongs to. */
export function subjectOfRecord(plan: CityPlan, record: number): number {
  let lo = 0;
  let hi = plan.subjects - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.first[mid]! <= record) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Percentiles of records per subject, for the manifest. */
export function countSummary(plan: CityPlan): Record<string, number> {
  const sorted = Int32Array.from(plan.count).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let zero = 0;
  let upTo3 = 0;
  let atLeast100 = 0;
  let atLeast1000 = 0;
  for (const c of sorted) {
    if (c === 0) zero++;
    if (c <= 3) upTo3++;
    if (c >= 100) atLeast100++;
    if (c >= 1000) atLeast1000++;
  }
  return {
    mean: plan.records / plan.subjects, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] ?? 0,
    zero, upTo3, atLeast100, atLeast1000,
  };
}
