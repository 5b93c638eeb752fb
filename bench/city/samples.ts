import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { DEFAULT_ALIASES, effectiveDisclosureSql } from '../../src/modules/disclosure/record-facts.sql.js';
import { ENTERPRISE, type CityPlan } from './plan.js';
import { Rng } from './rng.js';

/**
 * The scenario samples of the manifest, checked against the loaded database with the gateway's own disclosure SQL:
 * enterprises with at least 20 records the public sees (S1) or a department sees (S2), search terms that match many
 * organisations (S3).
 */
export const SAMPLE_SIZE = 300;
const dialect = new PgDialect();

async function queryRows<T extends pg.QueryResultRow>(client: pg.Client, query: SQL): Promise<T[]> {
  const built = dialect.sqlToQuery(query);
  return (await client.query<T>(built.sql, built.params)).rows;
}

const MIN_VISIBLE = 20;
/** samples must stay valid while the database is reused: visibility is checked now and this much later */
const REUSE_MS = 35 * 86_400_000;

export const SEARCH_TERM_CANDIDATES = [
  '科技', '建设', '贸易', '韶关', '物流', '食品', '工程', '商贸', '实业', '电子', '农业', '医药', '丹霞', '投资', '环保', '餐饮',
  '汽车', '装饰', '文化', '信息', '合作社', '协会', '卫生院', '南华', '曲江', '武江区', '乐昌', '有限责任公司', '新能源', '建材',
];

/** Enterprises with ≥ 20 records, evenly spaced along the records-per-subject distribution. */
function candidates(plan: CityPlan, active: Uint8Array, limit: number): number[] {
  const eligible: number[] = [];
  for (let i = 0; i < plan.subjects; i++) if (plan.kind[i] === ENTERPRISE && active[i] === 1 && plan.count[i]! >= MIN_VISIBLE) eligible.push(i);
  eligible.sort((a, b) => plan.count[a]! - plan.count[b]! || a - b);
  if (eligible.length <= limit) return eligible;
  return Array.from({ length: limit }, (_, k) => eligible[Math.floor((k * eligible.length) / limit)]!);
}

function spread<T>(items: T[], limit: number, rng: Rng): T[] {
  const picked = items.length <= limit ? [...items] : Array.from({ length: limit }, (_, k) => items[Math.floor((k * items.length) / limit)]!);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked;
}

export interface ScenarioSamples {
  s1Codes: string[];
  s2Codes: string[];
  /** candidates checked, and how many met each bar */
  checked: { candidates: number; s1Eligible: number; s2Eligible: number };
}

export async function scenarioSamples(client: pg.Client, plan: CityPlan, codes: readonly string[], active: Uint8Array, seed: number): Promise<ScenarioSamples> {
  const now = new Date();
  const later = new Date(now.getTime() + REUSE_MS);
  const pool = candidates(plan, active, 1500);
  const counts = new Map<number, { publicNow: number; shared: number }>();
  for (let start = 0; start < pool.length; start += 300) {
    const chunk = pool.slice(start, start + 300).map((i) => codes[i]!);
    const rows = await queryRows<{ code: string; public_now: number; public_later: number; shared_now: number; shared_later: number }>(client, sql`
      SELECT s.code,
        count(*) FILTER (WHERE r.status = 'ACTIVE' AND ${effectiveDisclosureSql(DEFAULT_ALIASES, now)} = 'PUBLIC')::int AS public_now,
        count(*) FILTER (WHERE r.status = 'ACTIVE' AND ${effectiveDisclosureSql(DEFAULT_ALIASES, later)} = 'PUBLIC')::int AS public_later,
        count(*) FILTER (WHERE r.status = 'ACTIVE' AND ${effectiveDisclosureSql(DEFAULT_ALIASES, now)} IN ('PUBLIC', 'SHARED'))::int AS shared_now,
        count(*) FILTER (WHERE r.status = 'ACTIVE' AND ${effectiveDisclosureSql(DEFAULT_ALIASES, later)} IN ('PUBLIC', 'SHARED'))::int AS shared_later
      FROM subjects s JOIN records r ON r.subject_id = s.id JOIN catalog_types ct ON ct.code = r.type
      WHERE s.code = ANY(${sql.param(chunk)}::text[])
      GROUP BY s.code`);
    const index = new Map(chunk.map((code, k) => [code, pool[start + k]!]));
    for (const row of rows) {
      counts.set(index.get(row.code)!, { publicNow: Math.min(row.public_now, row.public_later), shared: Math.min(row.shared_now, row.shared_later) });
    }
  }
  const s1 = pool.filter((i) => (counts.get(i)?.publicNow ?? 0) >= MIN_VISIBLE);
  const s2 = pool.filter((i) => (counts.get(i)?.shared ?? 0) >= MIN_VISIBLE);
  const rng = new Rng(seed);
  return {
    s1Codes: spread(s1, SAMPLE_SIZE, rng).map((i) => codes[i]!),
    s2Codes: spread(s2, SAMPLE_SIZE, rng).map((i) => codes[i]!),
    checked: { candidates: pool.length, s1Eligible: s1.length, s2Eligible: s2.length },
  };
}

/** Search terms (2+ characters) matching at least `minimum` organisations, as the gateway's search matches them. */
export async function searchTerms(client: pg.Client, minimum: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const term of SEARCH_TERM_CANDIDATES) {
    const rows = await queryRows<{ n: number }>(client, sql`
      SELECT count(*)::int AS n FROM subjects WHERE kind <> 'INDIVIDUAL' AND lower(name) LIKE ${`%${term.toLowerCase()}%`}`);
    if ((rows[0]?.n ?? 0) >= minimum) counts[term] = rows[0]!.n;
  }
  return counts;
}
