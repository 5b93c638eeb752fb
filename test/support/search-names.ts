import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';

/**
 * Organisations named like the city's (韶关市<trade><industry><form>（n）), for the search plan tests and
 * `bench:search-plans`: 科技 in every third name, "Abc" (Latin) in every fiftieth, 丹霞旅游 in those numbered `rare`
 * (1-based), the rest spread over four industries and three legal forms; codes 'P' + 17 digits. Callers
 * ANALYZE once every row is in, so that the planner weighs reading every subject against the indexes.
 */
export async function insertSearchOrganisations(db: Db, count: number, rare: number[]): Promise<void> {
  await db.execute(sql`
    INSERT INTO subjects (code, kind, name, registered_at, registered_by)
    SELECT 'P' || lpad(i::text, 17, '0'),
      (ARRAY['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'])[1 + i % 3],
      (ARRAY['韶关市', '乐昌市', '南雄市', ''])[1 + i % 4]
        || substr('华信达丰源盛泰恒昌宏鑫瑞祥兴隆嘉荣富贵金银和安康宁永顺德利通', 1 + i % 31, 1)
        || substr('明辉光新宇天海山川江河岭峰林森木竹茶粤南北东西中佳美正诚益旺盈', 1 + (i / 31) % 37, 1)
        || CASE WHEN i % 3 = 0 THEN '科技' WHEN i % 50 = 1 THEN 'Abc电子' WHEN i IN (${sql.raw(rare.map((n) => String(Math.trunc(n))).join(', ') || 'NULL')}) THEN '丹霞旅游'
          ELSE (ARRAY['贸易', '物流', '建材', '食品'])[1 + i % 4] END
        || (ARRAY['有限公司', '有限责任公司', '股份有限公司'])[1 + i % 3] || '（' || i || '）',
      '2015-03-01', 'PLATFORM'
    FROM generate_series(1, ${count}) AS i`);
}
