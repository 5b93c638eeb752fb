import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';

/**
 * The plan PostgreSQL chooses for a statement the way the gateway runs it: prepared (PREPARE, as queryCached's named
 * statements are) and executed with bound values under a plan_cache_mode — `force_generic_plan` is what gateway
 * sessions use on PostgreSQL (src/db/client.ts), so the plan cannot depend on the values. One connection: run it
 * inside a transaction.
 */
export interface PlanNode {
  type: string;
  relation: string | null;
  index: string | null;
  /** rows this node produced over all its loops (EXPLAIN ANALYZE only) */
  rows: number | null;
  /** rows read and dropped by the node's filter, over all its loops (EXPLAIN ANALYZE only) */
  removed: number | null;
  loops: number | null;
  executed: boolean;
}

const dialect = new PgDialect();
let counter = 0;

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return literal(value.toISOString());
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]::text[]`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

export interface PreparedPlan {
  /** EXPLAIN (FORMAT JSON)'s top plan node */
  root: Record<string, unknown>;
  nodes: PlanNode[];
  /** EXPLAIN's text form, for reports */
  text: string;
  executionMs: number | null;
}

/** a node of EXPLAIN (FORMAT JSON) and every node below it, parents first (PreparedPlan.nodes describes the whole plan so) */
export function planSubtree(node: Record<string, unknown>): Record<string, unknown>[] {
  return [node, ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(planSubtree)];
}

export async function explainPrepared(
  tx: Db,
  statement: SQL,
  values: Record<string, unknown>,
  options: { analyze?: boolean; planCacheMode?: 'force_generic_plan' | 'force_custom_plan' | 'auto'; settings?: string[] } = {},
): Promise<PreparedPlan> {
  const query = dialect.sqlToQuery(statement);
  const params = fillPlaceholders(query.params, values);
  const name = `plan_probe_${process.pid}_${counter++}`;
  await tx.execute(sql.raw(`SET LOCAL plan_cache_mode = ${options.planCacheMode ?? 'force_generic_plan'}`));
  for (const setting of options.settings ?? []) await tx.execute(sql.raw(`SET LOCAL ${setting}`));
  await tx.execute(sql.raw(`PREPARE ${name} AS ${query.sql}`));
  try {
    // a statement without parameters is executed without parentheses (`EXECUTE name()` is a syntax error)
    const execute = params.length > 0 ? `EXECUTE ${name}(${params.map(literal).join(', ')})` : `EXECUTE ${name}`;
    const analyze = options.analyze ? 'ANALYZE, ' : '';
    const [json] = await queryRows<Record<string, unknown>>(tx, sql.raw(`EXPLAIN (${analyze}FORMAT JSON) ${execute}`));
    const text = await queryRows<Record<string, unknown>>(tx, sql.raw(`EXPLAIN (${analyze}COSTS OFF) ${execute}`));
    const plan = json['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: Record<string, unknown>; 'Execution Time'?: number }[];
    const nodes = planSubtree(parsed[0].Plan).map((node): PlanNode => {
      const loops = typeof node['Actual Loops'] === 'number' ? node['Actual Loops'] : null;
      return {
        type: String(node['Node Type']),
        relation: (node['Relation Name'] as string | undefined) ?? null,
        index: (node['Index Name'] as string | undefined) ?? null,
        rows: typeof node['Actual Rows'] === 'number' && loops !== null ? node['Actual Rows'] * loops : null,
        removed: loops !== null ? Number(node['Rows Removed by Filter'] ?? 0) * loops : null,
        loops,
        executed: loops === null || loops > 0,
      };
    });
    return {
      root: parsed[0].Plan,
      nodes,
      text: text.map((row) => String(row['QUERY PLAN'])).join('\n'),
      executionMs: parsed[0]['Execution Time'] ?? null,
    };
  } finally {
    await tx.execute(sql.raw(`DEALLOCATE ${name}`));
  }
}
