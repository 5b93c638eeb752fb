import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { maskPersonName, maskResidentId } from '../../../src/domain/masking.js';
import { normalizeCode } from '../../../src/domain/identifiers.js';
import { decodeCursor, encodeCursor, pageSize } from '../../../src/modules/pagination.js';
import { contentHashOf, MAX_BATCH_ROWS, type NormalisedRecord } from '../../../src/modules/filing/record-validation.js';
import { MIN_SEARCH_LENGTH, organizationsStatement, type RawStatements } from './statements.js';
import type { Prepared } from './capture.js';
import type { NewAccessEvent } from '../../../src/modules/access-log/access-log.repository.js';

/**
 * S1–S5 on plain pg: the gateway's statements (statements.ts) minus the access-log append, the rows turned
 * into the JSON the gateway returns for the scenario's GraphQL document (bench/scenarios.ts). No GraphQL, no
 * abilities, no DataLoader; the view of each endpoint is fixed (S1/S3 public, S2 department with a purpose).
 */
/**
 * The read statement `readText` (with `paramCount` parameters) with the L1 event folded into it — raw+fold's `chain`
 * (append_access_events) or raw+inbox's `inbox` (one plain INSERT); see RawHandlers.foldedOf. Two more parameters: the
 * event's other fields as jsonb, and how many record ids it names. bench:statement-cost runs the same text.
 */
export function foldedText(readText: string, paramCount: number, fold: 'chain' | 'inbox'): string {
  const event = `$${paramCount + 1}::jsonb || jsonb_build_object('subjectCode', (SELECT max(subj_code) FROM r),
    'recordIds', coalesce((SELECT jsonb_agg(p.id::text) FROM (SELECT id FROM r WHERE id IS NOT NULL LIMIT $${paramCount + 2}::int) p), '[]'::jsonb))`;
  return fold === 'inbox'
    ? `WITH r AS (${readText}),
ev AS (INSERT INTO bench_access_inbox (event) SELECT ${event} WHERE EXISTS (SELECT 1 FROM r) RETURNING id)
SELECT r.*, (SELECT max(id) FROM ev) AS appended FROM r ORDER BY r.decided_at DESC, r.id DESC`
    : `WITH r AS (${readText}),
ev AS (SELECT max(appended_sequence) AS appended FROM append_access_events((
  SELECT jsonb_build_array(${event})
  WHERE EXISTS (SELECT 1 FROM r))))
SELECT r.*, (SELECT appended FROM ev) AS appended FROM r ORDER BY r.decided_at DESC, r.id DESC`;
}

export interface Reply {
  status: number;
  body: unknown;
}

type Row = Record<string, unknown>;

export class RawHandlers {
  private catalog = new Map<string, Row>();

  /**
   * `log`: when given (RAW_ACCESS_LOG=1, the "raw+log" comparator), S1/S2 write the gateway's L1 event through
   * the gateway's own group-commit writer before answering — what any server obliged to log each disclosure pays.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly statements: RawStatements,
    private readonly log?: (events: NewAccessEvent[]) => Promise<void>,
    private readonly fold: false | 'chain' | 'inbox' = false,
  ) {}

  private folded = new Map<Prepared<never>, Prepared<never>>();

  /**
   * `fold` (the "raw+fold" comparator, bench/phases.ts): the L1 append folded into the read — the fold's own best case,
   * not a bound on what logging costs (the chain's lock is held from the function call to the commit, a WAL flush per
   * request, no group commit). The read statement becomes a CTE whose rows build the event (the subject's code, the
   * first `first` record ids) for `append_access_events` in the same statement: one round trip and one commit instead
   * of two statements. The event's other fields travel as one jsonb parameter. No event when the subject is not found,
   * as in raw+log. The ids are taken in the CTE's row order, which PostgreSQL keeps for a materialised CTE without
   * promising it: bench:phases checks the stored event against the answer before it loads the target. The subject's
   * code is taken as max() over the rows, which does not depend on which rows carry it, and the answer's rows are
   * ordered as the read orders them, so that `rows[0]` is the read's first row.
   * `inbox` (the "raw+inbox" comparator): the same event folded into the read as one plain INSERT into a table with
   * a primary key and nothing else (`bench_access_inbox`, created by `start`) — no chain lock, no head read, no canonical
   * text, no hash, no secondary index; only the row, its primary-key entry, its WAL and a commit per request. Not a log
   * anyone could audit: a reference point for what one durable write folded into the read costs (SPEC L2 asks for the
   * events stored before the answer), not a bound on every design — one that group-commits across requests could cost less.
   */
  private foldedOf<V>(prepared: Prepared<V>, sample: V): Prepared<V & { event: string; first: number }> {
    let folded = this.folded.get(prepared as Prepared<never>) as Prepared<V & { event: string; first: number }> | undefined;
    if (!folded) {
      const text = foldedText(prepared.text, prepared.params(sample).length, this.fold === 'inbox' ? 'inbox' : 'chain');
      // prepared under a name only when the read is (two unnamed texts must not share one name)
      folded = { text, ...(prepared.name ? { name: `${prepared.name} (${this.fold === 'inbox' ? 'inbox insert' : 'append'} folded in)` } : {}), params: (v) => [...prepared.params(v), v.event, v.first] };
      this.folded.set(prepared as Prepared<never>, folded as Prepared<never>);
    }
    return folded;
  }

  /** Reference data that the gateway reads on every submitRecords and the baseline once. */
  async start(): Promise<void> {
    if (this.fold === 'inbox') await this.pool.query('CREATE TABLE IF NOT EXISTS bench_access_inbox (id bigserial PRIMARY KEY, event jsonb NOT NULL)');
    for (const row of await this.run(this.statements.catalog, null)) this.catalog.set(String(row.code), row);
  }

  private async run<V>(prepared: Prepared<V>, values: V): Promise<Row[]> {
    const query = { text: prepared.text, values: prepared.params(values), ...(prepared.name ? { name: prepared.name } : {}) };
    return (await this.pool.query(query)).rows as Row[];
  }

  private async organizations(codes: readonly string[]): Promise<Map<string, Row>> {
    if (codes.length === 0) return new Map();
    const rows = await this.run(await organizationsStatement(), codes);
    return new Map(rows.map((row) => [String(row.code), row]));
  }

  /** The token's organisation, as the gateway checks it on every request with a token (src/auth/tokens.ts). */
  private async organizationFits(code: string, kind: string): Promise<boolean> {
    const row = (await this.organizations([code])).get(code);
    return row?.kind === kind && row.status === 'ACTIVE';
  }

  /** S1 `GET /subject?code=&first=` (public) and S2 `GET /department-subject?code=&org=&first=` (department, with a purpose). */
  async subject(kind: 'public' | 'department', query: URLSearchParams): Promise<Reply> {
    const first = pageSize(optionalInt(query.get('first')));
    const org = query.get('org') ?? '';
    if (kind === 'department' && !(await this.organizationFits(org, 'DEPARTMENT'))) return unauthenticated();
    const now = new Date().toISOString();
    const code = normalizeCode(query.get('code') ?? '');
    // the subject and its first page in one statement, as the gateway reads them (subjectsService.subject)
    const department = kind === 'department';
    const values = { code, now, org, limit: first };
    /** the event without its subject and records (raw+fold: they come from the statement's own rows) */
    const eventOf = () => ({
      at: now, requestId: randomUUID(), actor: department ? 'bench-officer' : null, role: department ? 'department' : 'public',
      orgCode: department ? org : null, view: department ? 'DEPARTMENT' : 'PUBLIC',
      purposeKind: department ? 'LICENSING' : null, purposeReference: department ? 'bench' : null, grantId: null, operationName: null,
    });
    const rows = this.fold
      ? await this.run(this.foldedOf(this.statements.subjectWithPage[kind], values), { ...values, first, event: JSON.stringify(eventOf()) })
      : await this.run(this.statements.subjectWithPage[kind], values);
    if (rows.length === 0) return { status: 200, body: { data: { subject: null } } };
    const subject = Object.fromEntries(Object.entries(rows[0]).filter(([k]) => k.startsWith('subj_')).map(([k, v]) => [k.slice(5), v]));
    const total = Number(rows[0]?.page_total ?? 0);
    const page = rows.filter((r) => r.id !== null && r.id !== undefined).slice(0, first);
    // the records page statement carries each record's source organisation (as the gateway's does)
    if (!this.fold) await this.log?.([{ ...eventOf(), subjectCode: String(subject.code), recordIds: page.map((r) => String(r.id)) }]);
    return {
      status: 200,
      body: {
        data: {
          subject: {
            ...(department ? departmentSubject(subject) : publicSubject(subject)),
            view: department ? 'DEPARTMENT' : 'PUBLIC',
            records: {
              totalCount: total,
              edges: page.map((r) => ({
                node: {
                  id: r.id, type: r.type, category: r.category, severity: r.severity, title: r.title, summary: r.summary,
                  decisionNumber: r.decision_number, decidedAt: r.decided_at, validFrom: r.valid_from, validUntil: r.valid_until,
                  publicUntil: r.public_until, disclosure: r.disclosure, status: r.status,
                  details: department ? r.details : null, // P2: never the public's; G1: a department sees all
                  source: { code: r.source_org, name: r.source_name },
                },
              })),
            },
          },
        },
      },
    };
  }

  /**
   * S3 `GET /search?q=&first=&after=` — public searchSubjects with totalCount; `&count=0`: the page alone, as the
   * website's search box asks for it (the gateway then counts nothing either).
   */
  async search(query: URLSearchParams): Promise<Reply> {
    const text = (query.get('q') ?? '').trim();
    if ([...text].length < MIN_SEARCH_LENGTH) return badInput('QUERY_TOO_SHORT');
    const first = pageSize(optionalInt(query.get('first')));
    const after = decodeCursor(query.get('after'), ['string', 'string']);
    const counted = query.get('count') !== '0';
    const values = {
      now: new Date().toISOString(), term: text.toLowerCase(), code: normalizeCode(text), limit: first,
      afterName: after?.[0], afterCode: after?.[1],
    };
    const statements = counted ? this.statements.search.counted : this.statements.search.page;
    const rows = await this.run(after ? statements.after : statements.first, values);
    const found = rows.filter((r) => r.id !== null && r.id !== undefined);
    const page = found.slice(0, first);
    const cursors = page.map((r) => encodeCursor([String(r.name), String(r.code)]));
    return {
      status: 200,
      body: {
        data: {
          searchSubjects: {
            ...(counted ? { totalCount: Number(rows[0]?.total_count ?? 0) } : {}),
            edges: page.map((r, i) => ({ cursor: cursors[i], node: publicSubject(r) })),
            pageInfo: { hasNextPage: found.length > first, endCursor: cursors.at(-1) ?? null },
          },
        },
      },
    };
  }

  /** S4 `GET /access-log?org=&from=&to=&first=&after=` — an auditor's accessLog (without its own L4 event). */
  async accessLog(query: URLSearchParams): Promise<Reply> {
    if (!(await this.organizationFits(query.get('org') ?? '', 'AUDIT_OFFICE'))) return unauthenticated();
    const first = pageSize(optionalInt(query.get('first')));
    const after = decodeCursor(query.get('after'), ['isoInstant', 'digits']);
    const values = {
      from: new Date(query.get('from') ?? '').toISOString(), to: new Date(query.get('to') ?? '').toISOString(), limit: first,
      afterAt: after?.[0], afterSequence: after ? Number(after[1]) : undefined,
    };
    const statements = after ? this.statements.events.after : this.statements.events.first;
    // the first page counts the range, the next pages do not (as the gateway's S4 documents ask)
    const [rows, totals] = await Promise.all([this.run(statements.page, values), after ? null : this.run(statements.total, values)]);
    const page = rows.slice(0, first);
    const organizations = await this.organizations([...new Set(page.map((r) => r.org_code).filter((c): c is string => typeof c === 'string'))]);
    const cursors = page.map((r) => encodeCursor([(r.at as Date).toISOString(), String(r.sequence)]));
    return {
      status: 200,
      body: {
        data: {
          accessLog: {
            ...(totals ? { totalCount: Number(totals[0]?.total ?? 0) } : {}),
            edges: page.map((r, i) => {
              const organization = typeof r.org_code === 'string' ? organizations.get(r.org_code) : undefined;
              return {
                cursor: cursors[i],
                node: {
                  sequence: Number(r.sequence), at: r.at, requestId: r.request_id, actor: r.actor, role: r.role,
                  organization: organization ? { code: organization.code, name: organization.name } : null,
                  view: r.view, purpose: r.purpose_kind ? { kind: r.purpose_kind, reference: r.purpose_reference ?? '' } : null,
                  grantId: r.grant_id, subjectCode: r.subject_code, recordIds: r.record_ids, operationName: r.operation_name,
                  prevHash: r.prev_hash, hash: r.hash,
                },
              };
            }),
            pageInfo: { hasNextPage: rows.length > first, endCursor: cursors.at(-1) ?? null },
          },
        },
      },
    };
  }

  /**
   * S5 `POST /records?org=` with a JSON array of RecordInput rows: the subjects' ids and the unnest INSERT of
   * submitRecords; only what the SQL needs is checked (a registered subject, a catalog type).
   */
  async submitRecords(query: URLSearchParams, body: string): Promise<Reply> {
    const org = query.get('org') ?? '';
    if (!(await this.organizationFits(org, 'DEPARTMENT'))) return unauthenticated();
    const inputs = JSON.parse(body) as Record<string, unknown>[];
    if (!Array.isArray(inputs) || inputs.length > MAX_BATCH_ROWS) return badInput('BATCH_TOO_LARGE');
    const subjects = await this.run(this.statements.subjectsByCodes, [...new Set(inputs.map((i) => String(i.subjectCode)))]);
    const ids = new Map(subjects.map((s) => [String(s.code), Number(s.id)]));
    const errors: { index: number; reason: string; message: string }[] = [];
    const rows = inputs.map((input, index) => {
      const subjectId = ids.get(String(input.subjectCode));
      const type = this.catalog.get(String(input.type));
      if (subjectId === undefined || !type) {
        errors.push({ index, reason: subjectId === undefined ? 'SUBJECT_NOT_REGISTERED' : 'NOT_IN_CATALOG', message: '' });
        return null;
      }
      const date = (value: unknown) => (value === null || value === undefined ? null : new Date(String(value)));
      const record: Omit<NormalisedRecord, 'contentHash'> = {
        subjectId, subjectCode: String(input.subjectCode), type: String(input.type), category: String(type.category), nature: String(type.nature),
        severity: (input.severity as string) ?? null, title: String(input.title), summary: (input.summary as string) ?? null,
        decisionNumber: (input.decisionNumber as string) ?? null, decidedAt: date(input.decidedAt)!, validFrom: date(input.validFrom),
        validUntil: date(input.validUntil), legalBasis: (input.legalBasis as string) ?? null, amount: (input.amount as number) ?? null,
        grade: (input.grade as string) ?? null, groupCode: (input.group as string) ?? null,
        disclosure: ((input.disclosure as string) ?? type.loosest_disclosure) as NormalisedRecord['disclosure'],
        details: input.details ?? null, sourceRef: String(input.sourceRef),
      };
      return { id: randomUUID(), record: { ...record, contentHash: contentHashOf(record) } };
    });
    if (errors.length) return { status: 200, body: { data: { submitRecords: { accepted: 0, ids: [], errors } } } };
    const valid = rows as { id: string; record: NormalisedRecord }[];
    await this.run(this.statements.insertRecords, { org, now: new Date().toISOString(), rows: valid });
    return { status: 200, body: { data: { submitRecords: { accepted: valid.length, ids: valid.map((r) => r.id), errors: [] } } } };
  }
}

function optionalInt(value: string | null): number | null {
  return value === null || value === '' ? null : Number(value);
}

function departmentSubject(s: Row) {
  return {
    code: s.code, kind: s.kind, name: s.name, status: s.status, address: s.address,
    legalRepresentative: s.legal_representative, legalRepresentativeId: s.legal_representative_id,
  };
}

/** policies/fields.ts projectSubject for the PUBLIC view, written out (P1, P3). */
function publicSubject(s: Row) {
  const individual = s.kind === 'INDIVIDUAL';
  return {
    code: individual ? maskResidentId(String(s.code)) : s.code, kind: s.kind, name: individual ? maskPersonName(String(s.name)) : s.name,
    status: s.status, address: individual ? null : s.address, legalRepresentative: s.legal_representative,
  };
}

function unauthenticated(): Reply {
  return { status: 401, body: { errors: [{ message: 'The token\'s organisation is unknown, suspended or does not fit its role.', extensions: { code: 'UNAUTHENTICATED' } }] } };
}

function badInput(reason: string): Reply {
  return { status: 200, body: { errors: [{ message: reason, extensions: { code: 'BAD_USER_INPUT', reason } }] } };
}
