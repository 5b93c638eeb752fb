import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { defineAbility, type AppAbility } from '../../policies/abilities.js';
import { PUBLIC_VIEWER } from '../../policies/viewer.js';
import { publicUntilSql, type RowAliases } from '../../src/modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeSql, subjectFieldMap } from '../../src/modules/disclosure/scope.sql.js';

/**
 * Issue 7 comparator (b): what PostGraphile v4 needs in the benchmark database — two NOLOGIN roles, SELECT
 * grants, row-level security on `subjects` and `records`, and the computed column `records_public_until`.
 *
 * The policies are not hand-written: they are the gateway's own CASL scopes (policies/abilities.ts →
 * src/modules/disclosure/scope.sql.ts, the SQL twin of the window rules) rendered to text, with the request
 * instant replaced by `now()` and the department's organisation by `current_setting('cqg.org', true)`. So the
 * public role sees exactly what the gateway's public view selects (P2, P3) and the department role exactly
 * what a department with a purpose selects (G1).
 *
 * Out of scope for the comparator: column-level privacy (records.details and legal_representative_id are
 * readable by both roles; the benchmark's public documents do not ask for them) and the masking of an
 * individual's name and code (§4.4) — the benchmark scenarios query enterprises.
 *
 * Idempotent: roles are created if missing (they are cluster-wide), policies, views and the function are
 * dropped and recreated in one transaction. RLS changes nothing for the raw and gateway comparators: they
 * connect as the superuser (or the tables' owner), whom row security does not apply to.
 */
export const PUBLIC_ROLE = 'cqg_pg_public';
export const DEPARTMENT_ROLE = 'cqg_pg_department';
/** bypass views used inside the policies (owned by the superuser, so RLS is not applied through them) */
export const PRIVATE_SCHEMA = 'cqg_pg_private';

const SENTINEL_NOW = new Date('2000-01-01T00:00:00.000Z');
const SENTINEL_ORG = 'CQG-PG-ORG-SENTINEL';
const dialect = new PgDialect();

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' && !/["\\{},\s]/.test(v))) throw new Error(`setup: unsupported array literal ${JSON.stringify(value)}`);
    return `'{${value.join(',')}}'`;
  }
  throw new Error(`setup: unsupported parameter ${JSON.stringify(value)}`);
}

/**
 * A drizzle SQL fragment as self-contained text: parameters inlined as literals, the sentinel instant as
 * `now()` (transaction start, one instant per request as D6 wants) and the sentinel organisation as the
 * request setting. Throws if a sentinel would survive.
 */
export function renderPolicySql(fragment: SQL): string {
  const query = dialect.sqlToQuery(fragment);
  const text = query.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value = query.params[Number(n) - 1];
    if (value === SENTINEL_NOW.toISOString()) return 'now()';
    if (value === SENTINEL_ORG) return "current_setting('cqg.org', true)";
    return literal(value);
  });
  if (text.includes('2000-01-01') || text.includes(SENTINEL_ORG)) throw new Error('setup: a sentinel survived rendering');
  return text;
}

function abilities(): { publicAbility: AppAbility; departmentAbility: AppAbility } {
  return {
    publicAbility: defineAbility({ viewer: PUBLIC_VIEWER, purpose: null, grants: [] }),
    departmentAbility: defineAbility({
      viewer: { role: 'department', actor: 'bench', orgCode: SENTINEL_ORG, subjectCode: null },
      purpose: { kind: 'LICENSING', reference: 'BENCH-1' } as never,
      grants: [],
    }),
  };
}

/**
 * Records policy body for one ability: the record row is `records` (the policy's table), its subject and
 * catalog type come from an EXISTS over the bypass view and catalog_types. A policy cannot join, and
 * PostgreSQL does not pull a policy's EXISTS up into a semi-join (security quals are planned after sublink
 * pull-up), so it runs as a correlated SubPlan per candidate row: a subjects primary-key probe and a scan of
 * the 17-row catalog, a few microseconds a row (EXPLAIN in the comparator's report).
 */
function recordPolicy(ability: AppAbility): string {
  const aliases: RowAliases = { record: 'records', catalog: 'ct', subject: 's' };
  const scope = renderPolicySql(scopeSql(ability, 'Record', recordFieldMap(aliases, SENTINEL_NOW)));
  return `EXISTS (SELECT 1 FROM ${PRIVATE_SCHEMA}.subject_facts s JOIN public.catalog_types ct ON ct.code = records.type
    WHERE s.id = records.subject_id AND ${scope})`;
}

/**
 * Subjects policy body: the gateway's subject scope over the row `subjects`; its EXISTS reads records through
 * the bypass view. The gateway's scope is `(EXISTS public record) OR (kind IS DISTINCT FROM 'INDIVIDUAL')`,
 * and PostgreSQL evaluates OR arms in order, so every organisation row would run the EXISTS first. When that
 * kind disjunct is present, it is repeated in front (A ∨ (B ∨ A) ≡ A ∨ B: the same rows), so organisations
 * are decided by the cheap test — under RLS the policy runs before any user filter (S3 scans subjects).
 */
const NOT_INDIVIDUAL = `(subjects."kind" IS DISTINCT FROM 'INDIVIDUAL')`;
function subjectPolicy(ability: AppAbility, publicAbility: AppAbility): string {
  const text = renderPolicySql(scopeSql(ability, 'Subject', subjectFieldMap('subjects', SENTINEL_NOW, publicAbility)));
  const from = /FROM records pr JOIN catalog_types pct/g;
  const hits = text.match(from)?.length ?? 0;
  if (hits > 1) throw new Error('setup: unexpected subject scope shape');
  const scope = text.replace(from, `FROM ${PRIVATE_SCHEMA}.record_rows pr JOIN public.catalog_types pct`);
  return scope.endsWith(` OR ${NOT_INDIVIDUAL})`) ? `${NOT_INDIVIDUAL} OR ${scope}` : scope;
}

/** Every statement of the setup, in order (exported so a reader can print them). */
export function setupStatements(): string[] {
  const { publicAbility, departmentAbility } = abilities();
  const publicUntil = renderPolicySql(publicUntilSql({ record: 'r', catalog: 'ct', subject: 's' }));
  const roles = [PUBLIC_ROLE, DEPARTMENT_ROLE];
  return [
    ...roles.map((role) => `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF;
    END $$`),
    ...roles.map((role) => `GRANT ${role} TO CURRENT_USER`),
    `GRANT USAGE ON SCHEMA public TO ${roles.join(', ')}`,
    `GRANT SELECT ON public.subjects, public.records, public.organizations, public.catalog_types TO ${roles.join(', ')}`,

    // policies first: they depend on the views, which are rebuilt (a migration may have changed the tables)
    'DROP POLICY IF EXISTS cqg_pg_public_subjects ON public.subjects',
    'DROP POLICY IF EXISTS cqg_pg_department_subjects ON public.subjects',
    'DROP POLICY IF EXISTS cqg_pg_public_records ON public.records',
    'DROP POLICY IF EXISTS cqg_pg_department_records ON public.records',
    `CREATE SCHEMA IF NOT EXISTS ${PRIVATE_SCHEMA}`,
    `GRANT USAGE ON SCHEMA ${PRIVATE_SCHEMA} TO ${roles.join(', ')}`,
    `DROP VIEW IF EXISTS ${PRIVATE_SCHEMA}.subject_facts`,
    `DROP VIEW IF EXISTS ${PRIVATE_SCHEMA}.record_rows`,
    // views run with their owner's rights: the superuser, so the policies of the underlying tables are not
    // applied through them — that breaks the subjects ↔ records policy cycle (P3 needs records, D5 needs subjects)
    `CREATE VIEW ${PRIVATE_SCHEMA}.subject_facts AS SELECT id, code, kind, birth_date FROM public.subjects`,
    `CREATE VIEW ${PRIVATE_SCHEMA}.record_rows AS SELECT * FROM public.records`,
    `GRANT SELECT ON ${PRIVATE_SCHEMA}.subject_facts, ${PRIVATE_SCHEMA}.record_rows TO ${roles.join(', ')}`,

    // CreditRecord.publicUntil as a PostGraphile computed column (not inlinable: it reads the catalog row, and the
    // subject for D5's never-public records)
    `CREATE OR REPLACE FUNCTION public.records_public_until(r public.records) RETURNS timestamptz
      LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
        SELECT ${publicUntil} FROM public.catalog_types ct, ${PRIVATE_SCHEMA}.subject_facts s WHERE ct.code = r.type AND s.id = r.subject_id
      $fn$`,
    `GRANT EXECUTE ON FUNCTION public.records_public_until(public.records) TO ${roles.join(', ')}`,

    'ALTER TABLE public.subjects ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE public.records ENABLE ROW LEVEL SECURITY',
    `CREATE POLICY cqg_pg_public_subjects ON public.subjects FOR SELECT TO ${PUBLIC_ROLE}
      USING (${subjectPolicy(publicAbility, publicAbility)})`,
    `CREATE POLICY cqg_pg_department_subjects ON public.subjects FOR SELECT TO ${DEPARTMENT_ROLE}
      USING (${subjectPolicy(departmentAbility, publicAbility)})`,
    `CREATE POLICY cqg_pg_public_records ON public.records FOR SELECT TO ${PUBLIC_ROLE}
      USING (${recordPolicy(publicAbility)})`,
    `CREATE POLICY cqg_pg_department_records ON public.records FOR SELECT TO ${DEPARTMENT_ROLE}
      USING (${recordPolicy(departmentAbility)})`,
  ];
}

/**
 * Applies the setup in one transaction. Uses the project's own database client (src/db/client.ts) rather than
 * a bare `pg` import: from this folder a bare `pg` would resolve to bench/postgraphile/node_modules.
 */
export async function setupPostgraphile(url: string): Promise<void> {
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    const [{ datcollate }] = await queryRows<{ datcollate: string }>(database.db,
      sql`SELECT datcollate FROM pg_database WHERE datname = current_database()`);
    // NAME_ASC must sort like the gateway's `name COLLATE "C"` (S3)
    if (!['C', 'POSIX', 'C.UTF-8', 'C.utf8'].includes(datcollate)) {
      console.warn(`setupPostgraphile: database collation ${datcollate} is not C: S3 order may differ from the gateway's`);
    }
    await database.db.transaction(async (tx) => {
      for (const statement of setupStatements()) await tx.execute(sql.raw(statement));
    });
  } finally {
    await database.close();
  }
}

if (process.argv[1]?.endsWith('postgraphile/setup.ts')) {
  if (process.argv[2] === '--print') {
    console.log(setupStatements().join(';\n\n') + ';');
  } else {
    const url = process.argv[2] ?? process.env.DATABASE_URL;
    if (!url) throw new Error('usage: tsx bench/postgraphile/setup.ts <database url> | --print');
    await setupPostgraphile(url);
    console.log('PostGraphile roles, grants and policies in place');
  }
}
