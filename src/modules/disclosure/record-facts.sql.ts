import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { ADULT_AGE_YEARS } from '../../../policies/windows.js';
import { CREDIT_TIME_ZONE } from '../../../policies/calendar.js';

/**
 * The SQL twin of policies/windows.ts: the same window rules as expressions over a record row (alias `r`), its
 * catalog type (`ct`) and its subject (`s`), evaluated at the request's instant (D6: nothing precomputed).
 * test/integration/windows-sql-parity.test.ts proves both agree.
 */
export interface RowAliases {
  record: string;
  catalog: string;
  subject: string;
}

export const DEFAULT_ALIASES: RowAliases = { record: 'r', catalog: 'ct', subject: 's' };

const col = (alias: string, column: string): SQL => sql.raw(`${alias}."${column}"`);

/**
 * The request's instant: a Date inlined as a parameter, or REQUEST_NOW in statements compiled once and run
 * many times (src/db/rows.ts queryCached), whose value `nowValue(ctx.now)` is bound at each execution.
 */
export type Instant = Date | Placeholder<'now'>;
export const REQUEST_NOW: Placeholder<'now'> = sql.placeholder('now');
export const nowValue = (now: Date) => ({ now: now.toISOString() });

export function instant(now: Instant): SQL {
  return now instanceof Date ? sql`${now.toISOString()}::timestamptz` : sql`${now}::timestamptz`;
}

/** `ts + interval` on the Asia/Shanghai calendar (PostgreSQL interval semantics). NULL interval → NULL. */
export function addShanghaiInterval(ts: SQL, interval: SQL): SQL {
  return sql`((${ts} AT TIME ZONE ${sql.raw(`'${CREDIT_TIME_ZONE}'`)}) + ${interval}) AT TIME ZONE ${sql.raw(`'${CREDIT_TIME_ZONE}'`)}`;
}

export function recordWindowSql(a: RowAliases = DEFAULT_ALIASES) {
  const r = (c: string) => col(a.record, c);
  const ct = (c: string) => col(a.catalog, c);
  const bySeverity = sql`${ct('publicity_rule')} = 'BY_SEVERITY'`;
  const severityPeriod = sql`CASE ${r('severity')} WHEN 'GENERAL' THEN ${ct('general_public_period')} WHEN 'SERIOUS' THEN ${ct('serious_public_period')} END`;
  const start = sql`CASE WHEN ${bySeverity} THEN ${r('decided_at')} ELSE COALESCE(${r('valid_from')}, ${r('decided_at')}) END`;
  const neverPublic = sql`(${bySeverity} AND ${severityPeriod} IS NULL)`;
  // LEAST ignores NULLs, exactly the "no bound" meaning of an unset validUntil / expiry / cap
  const until = sql`CASE WHEN ${bySeverity} THEN ${addShanghaiInterval(r('decided_at'), severityPeriod)}
    ELSE LEAST(
      COALESCE(${r('valid_until')}, ${addShanghaiInterval(sql`COALESCE(${r('valid_from')}, ${r('decided_at')})`, ct('default_public_period'))}),
      ${addShanghaiInterval(r('decided_at'), ct('max_public_period'))}) END`;
  return { start, until, neverPublic };
}

/** D5: the instant an individual comes of age (the start of the Asia/Shanghai day of the 18th birthday). */
function adulthoodBeginsSql(a: RowAliases): SQL {
  return sql`((${col(a.subject, 'birth_date')} + interval '${sql.raw(String(ADULT_AGE_YEARS))} years') AT TIME ZONE ${sql.raw(`'${CREDIT_TIME_ZONE}'`)})`;
}

/**
 * `CreditRecord.publicUntil` (D2): the end of the public window; NULL when unbounded or never public (not PUBLIC,
 * MINOR, an empty window, or about an individual the public may never see it about: D5) — policies/windows.ts.
 */
export function publicUntilSql(a: RowAliases = DEFAULT_ALIASES): SQL {
  const w = recordWindowSql(a);
  return sql`CASE WHEN ${col(a.record, 'disclosure')} <> 'PUBLIC' OR ${w.neverPublic} THEN NULL
    WHEN ${w.until} <= ${w.start} THEN NULL
    WHEN ${col(a.subject, 'kind')} = 'INDIVIDUAL' AND (NOT ${col(a.catalog, 'public_for_individuals')}
      OR ${col(a.subject, 'birth_date')} IS NULL OR ${w.until} <= ${adulthoodBeginsSql(a)}) THEN NULL
    ELSE ${w.until} END`;
}

export function isAdultSql(a: RowAliases, now: Instant): SQL {
  return sql`(${col(a.subject, 'birth_date')} + interval '${sql.raw(String(ADULT_AGE_YEARS))} years' <= (${instant(now)} AT TIME ZONE ${sql.raw(`'${CREDIT_TIME_ZONE}'`)})::date)`;
}

/** D3 + D5: the class a record is disclosed as at `now` ('PUBLIC' | 'SHARED' | 'SUBJECT_ONLY'). */
export function effectiveDisclosureSql(a: RowAliases, now: Instant): SQL {
  const w = recordWindowSql(a);
  const t = instant(now);
  const inside = sql`(NOT ${w.neverPublic} AND ${t} >= ${w.start} AND (${w.until} IS NULL OR ${t} < ${w.until}))`;
  return sql`(CASE
    WHEN ${col(a.record, 'disclosure')} <> 'PUBLIC' THEN ${col(a.record, 'disclosure')}
    WHEN NOT ${inside} THEN 'SHARED'
    WHEN ${col(a.subject, 'kind')} = 'INDIVIDUAL' AND NOT (${col(a.catalog, 'public_for_individuals')} AND ${isAdultSql(a, now)}) THEN 'SHARED'
    ELSE 'PUBLIC' END)`;
}

/**
 * C2: a record is in force while ACTIVE and inside its D1/D2 time window (default expiries included),
 * whatever its disclosure class — the same window as publicity, policies/windows.ts `isInsidePublicWindow`.
 */
export function inForceSql(a: RowAliases, now: Instant): SQL {
  const w = recordWindowSql(a);
  const t = instant(now);
  return sql`(${col(a.record, 'status')} = 'ACTIVE' AND NOT ${w.neverPublic} AND ${t} >= ${w.start} AND (${w.until} IS NULL OR ${t} < ${w.until}))`;
}
