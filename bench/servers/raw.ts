import http from 'node:http';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { defineAbility } from '../../policies/abilities.js';
import { PUBLIC_VIEWER } from '../../policies/viewer.js';
import { DEFAULT_ALIASES, publicUntilSql } from '../../src/modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeSql, subjectFieldMap } from '../../src/modules/disclosure/scope.sql.js';

/**
 * The raw baseline: plain node:http + pg running the same SQL the gateway needs for a public `subject`
 * lookup with its 20 newest visible records and their source organisations — no GraphQL, no policy objects
 * per request, no access log. `GET /subject?code=…` → JSON. Prints `LISTENING <url>`.
 */
const SENTINEL = new Date('2000-01-01T00:00:00.000Z');
const dialect = new PgDialect();
const ability = defineAbility({ viewer: PUBLIC_VIEWER, purpose: null, grants: [] });
const subjectScope = scopeSql(ability, 'Subject', subjectFieldMap('s', SENTINEL, ability));
const recordScope = scopeSql(ability, 'Record', recordFieldMap(DEFAULT_ALIASES, SENTINEL));

const subjectQuery = dialect.sqlToQuery(sql`SELECT s.id, s.code, s.kind, s.name, s.status, s.registered_at, s.address, s.legal_representative
  FROM subjects s WHERE s.code = ${'$CODE'} AND ${subjectScope}`);
const recordsQuery = dialect.sqlToQuery(sql`
  SELECT r.id, r.type, r.category, r.nature, r.severity, r.title, r.summary, r.decision_number, r.decided_at, r.valid_from,
    r.valid_until, r.source_org, r.disclosure, r.status, ${publicUntilSql(DEFAULT_ALIASES)} AS public_until,
    count(*) OVER () AS total
  FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
  WHERE r.subject_id = ${-1} AND ${recordScope}
  ORDER BY r.decided_at DESC, r.id DESC LIMIT 21`);
const orgsQuery = 'SELECT code, name FROM organizations WHERE code = ANY($1)';

function bind(params: unknown[], values: { now: string; code?: string; subjectId?: number }): unknown[] {
  return params.map((p) => (p === SENTINEL.toISOString() ? values.now : p === '$CODE' ? values.code : p === -1 ? values.subjectId : p));
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const code = url.searchParams.get('code') ?? '';
    const now = new Date().toISOString();
    const subject = (await pool.query(subjectQuery.sql, bind(subjectQuery.params, { now, code }))).rows[0];
    if (!subject) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"subject":null}}');
      return;
    }
    const records = (await pool.query(recordsQuery.sql, bind(recordsQuery.params, { now, subjectId: subject.id }))).rows;
    const page = records.slice(0, 20);
    const orgs = (await pool.query(orgsQuery, [[...new Set(page.map((r) => r.source_org))]])).rows;
    const names = new Map(orgs.map((o) => [o.code, o.name]));
    const body = {
      data: {
        subject: {
          code: subject.code, kind: subject.kind, name: subject.name, status: subject.status, address: subject.address,
          legalRepresentative: subject.legal_representative, view: 'PUBLIC',
          records: {
            totalCount: Number(records[0]?.total ?? 0),
            edges: page.map((r) => ({ node: {
              id: r.id, type: r.type, category: r.category, severity: r.severity, title: r.title, summary: r.summary,
              decisionNumber: r.decision_number, decidedAt: r.decided_at, validFrom: r.valid_from, validUntil: r.valid_until,
              publicUntil: r.public_until, disclosure: r.disclosure, status: r.status, details: null,
              source: { code: r.source_org, name: names.get(r.source_org) },
            } })),
          },
        },
      },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } catch (error) {
    res.writeHead(500).end(JSON.stringify({ error: String(error) }));
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/subject\n`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
