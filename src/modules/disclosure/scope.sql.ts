import type { AnyAbility } from '@casl/ability';
import { rulesToAST } from '@casl/ability/extra';
import { sql, type SQL } from 'drizzle-orm';
import type { AppAbility } from '../../../policies/abilities.js';
import { addShanghaiInterval, effectiveDisclosureSql, instant, type Instant, type RowAliases } from './record-facts.sql.js';
import { AGENCY_NEGATIVE_LOOKBACK } from '../../../policies/windows.js';

/**
 * CASL rules → SQL WHERE (STYLE convention 1). Only the operators below are understood; anything else throws,
 * so a rule can never be silently dropped and widen what a viewer sees.
 */
export type FieldMap = Record<string, SQL>;

interface AstNode {
  operator: string;
  field?: string;
  value: unknown;
}

function fieldSql(fields: FieldMap, name: string | undefined): SQL {
  const expr = name ? fields[name] : undefined;
  if (!expr) throw new Error(`scope: no SQL for field '${String(name)}'`);
  return expr;
}

function textArray(values: unknown): SQL {
  if (!Array.isArray(values) || values.length === 0) throw new Error('scope: $in/$nin need a non-empty list');
  if (!values.every((v) => typeof v === 'string')) throw new Error('scope: $in/$nin lists are lists of text');
  return sql`${sql.param(values)}::text[]`;
}

export function astToSql(node: AstNode, fields: FieldMap): SQL {
  switch (node.operator) {
    case 'and': {
      const parts = node.value as AstNode[];
      return parts.length === 0 ? sql`TRUE` : sql`(${sql.join(parts.map((p) => astToSql(p, fields)), sql` AND `)})`;
    }
    case 'or': {
      const parts = node.value as AstNode[];
      return parts.length === 0 ? sql`FALSE` : sql`(${sql.join(parts.map((p) => astToSql(p, fields)), sql` OR `)})`;
    }
    case 'not': {
      // CASL gives `not` a list of conditions (a `cannot` rule's conjunction) or a single one
      const inner = Array.isArray(node.value) ? { operator: 'and', value: node.value } : (node.value as AstNode);
      return sql`(NOT COALESCE(${astToSql(inner, fields)}, FALSE))`;
    }
    case 'eq':
      return node.value === null
        ? sql`(${fieldSql(fields, node.field)} IS NULL)`
        : sql`(${fieldSql(fields, node.field)} = ${node.value})`;
    case 'ne':
      return node.value === null
        ? sql`(${fieldSql(fields, node.field)} IS NOT NULL)`
        : sql`(${fieldSql(fields, node.field)} IS DISTINCT FROM ${node.value})`;
    // one array parameter, however long the list (an agency may hold tens of thousands of grants)
    case 'in':
      return sql`(${fieldSql(fields, node.field)} = ANY (${textArray(node.value)}))`;
    case 'nin':
      return sql`(${fieldSql(fields, node.field)} <> ALL (${textArray(node.value)}))`;
    default:
      throw new Error(`scope: unsupported operator '${node.operator}'`);
  }
}

/** The SQL condition selecting exactly the rows `ability.can('read', type)` allows; FALSE when none. */
export function scopeSql(ability: AppAbility | AnyAbility, type: 'Record' | 'Subject' | 'RecordChange', fields: FieldMap): SQL {
  const ast = rulesToAST(ability, 'read', type) as AstNode | null;
  return ast ? astToSql(ast, fields) : sql`FALSE`;
}

/**
 * A viewer's row filter for compiled statements (src/db/rows.ts queryCached): `key` names its content (the
 * rule AST, values included), `sql` is built on first use only, over fields that take the request's instant
 * as REQUEST_NOW.
 */
export interface SqlScope {
  readonly key: string;
  readonly sql: SQL;
}

export function scopeOf(ability: AppAbility | AnyAbility, type: 'Record' | 'Subject' | 'RecordChange', fields: () => FieldMap): SqlScope {
  const ast = rulesToAST(ability, 'read', type) as AstNode | null;
  return new LazyScope(`${type}:${JSON.stringify(ast)}`, ast, fields);
}

/**
 * `sql` as a prototype getter: an object literal with a getter, made per request, gets a hidden class of its own on
 * Node 20 and keeps what it points to alive through minor GCs (src/graphql/connection.ts LazyPageInfo).
 */
class LazyScope implements SqlScope {
  private built: SQL | undefined = undefined;

  constructor(readonly key: string, private readonly ast: AstNode | null, private readonly fields: () => FieldMap) {}

  get sql(): SQL {
    this.built ??= this.ast ? astToSql(this.ast, this.fields()) : sql`FALSE`;
    return this.built;
  }
}

const col = (alias: string, column: string): SQL => sql.raw(`${alias}."${column}"`);

/** The facts a record rule may name (policies/abilities.ts RecordFacts), as SQL over r / ct / s. */
export function recordFieldMap(a: RowAliases, now: Instant): FieldMap {
  return {
    status: col(a.record, 'status'),
    effectiveDisclosure: effectiveDisclosureSql(a, now),
    sourceOrg: col(a.record, 'source_org'),
    subjectCode: col(a.subject, 'code'),
    subjectKind: col(a.subject, 'kind'),
    category: col(a.record, 'category'),
    nature: col(a.record, 'nature'),
    subjectCategory: sql`(${col(a.subject, 'code')} || '|' || ${col(a.record, 'category')})`,
    decidedBeyondAgencyLookback: sql`(${addShanghaiInterval(col(a.record, 'decided_at'), sql.raw(`interval '${AGENCY_NEGATIVE_LOOKBACK}'`))} < ${instant(now)})`,
  };
}

/** X1: the facts a change rule may name (policies/exchange.ts), over the change's record version (v) and record (r). */
export function recordChangeFieldMap(versionAlias: string, recordAlias: string): FieldMap {
  return {
    disclosure: col(versionAlias, 'disclosure'),
    originPlatform: col(recordAlias, 'origin_platform'),
  };
}

/**
 * The facts a subject rule may name. `hasPublicRecord` (P3) is itself derived from the record rules of the
 * public: an EXISTS over that subject's records under the public ability's scope.
 */
export function subjectFieldMap(subjectAlias: string, now: Instant, publicAbility: AppAbility): FieldMap {
  const inner: RowAliases = { record: 'pr', catalog: 'pct', subject: subjectAlias };
  const publicRecords = scopeSql(publicAbility, 'Record', recordFieldMap(inner, now));
  return {
    code: col(subjectAlias, 'code'),
    kind: col(subjectAlias, 'kind'),
    hasPublicRecord: sql`EXISTS (SELECT 1 FROM records pr JOIN catalog_types pct ON pct.code = pr.type
      WHERE pr.subject_id = ${col(subjectAlias, 'id')} AND ${publicRecords})`,
  };
}
