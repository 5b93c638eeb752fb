import { isDeepStrictEqual } from 'node:util';
import type { Difference } from './compare.js';
import {
  canSee, currentOf, decideView, insideWindow, publicWindow, purposeRefusal, type ModelState, type Viewer,
} from './model.js';

/**
 * §7 C1–C3 for the model: a department's credit check uses only records it could see (G1) that are in force
 * (ACTIVE and inside their D1/D2 window, whatever their class, C2); the measures are catalog data (C2), read once
 * from the gateway and checked to contain the SPEC's seeded defaults; the verdict follows C3.
 */
export interface MeasureData {
  code: string;
  effect: 'RESTRICT' | 'WARN' | 'INCENTIVE';
  triggerTypes: string[];
  triggerSeverities: string[] | null;
  triggerGrades: string[] | null;
  scenarios: string[];
}

export type ExpectedCheck =
  | { error: { code: string; reason?: string } }
  | { verdict: string; view: string; restrictions: string[]; warnings: string[]; incentives: string[] };

const LIST_OF_EFFECT = { RESTRICT: 'restrictions', WARN: 'warnings', INCENTIVE: 'incentives' } as const;

export function expectedCheck(
  state: ModelState, viewer: Viewer, code: string, scenario: string, now: Date, measures: readonly MeasureData[],
): ExpectedCheck {
  if (viewer.role === 'public') return { error: { code: 'UNAUTHENTICATED' } }; // §10.2: a token-only operation
  if (viewer.role !== 'department') return { error: { code: 'FORBIDDEN' } }; // C1: departments only
  const refusal = purposeRefusal(viewer);
  if (refusal) return { error: { code: 'BAD_USER_INPUT', reason: refusal } };
  const subject = state.subjects.find((s) => s.code === code)!;
  const d = decideView(state, viewer, subject, now);
  const lists = { restrictions: [] as string[], warnings: [] as string[], incentives: [] as string[] };
  for (const record of state.records) {
    const c = currentOf(record);
    if (record.subjectCode !== code || !canSee(d, viewer, record, c, record.status, subject, now)) continue; // C3
    if (!insideWindow(publicWindow(record.type, c), now)) continue; // C2: in force
    for (const m of measures) {
      if (!m.scenarios.includes(scenario) || !m.triggerTypes.includes(record.type.code)) continue;
      if (m.triggerSeverities && !m.triggerSeverities.includes(String(c.severity))) continue;
      if (m.triggerGrades && !m.triggerGrades.includes(String(c.grade))) continue;
      lists[LIST_OF_EFFECT[m.effect]].push(`${m.code} ${record.id}`);
    }
  }
  const verdict = lists.restrictions.length ? 'RESTRICT' : lists.warnings.length ? 'WARN' : 'CLEAR';
  return { verdict, view: d.view, restrictions: lists.restrictions.sort(), warnings: lists.warnings.sort(), incentives: lists.incentives.sort() };
}

type Hit = { measure: { code: string }; record: { id: string } };

export function compareCheck(expected: ExpectedCheck, body: { data?: any; errors?: { extensions?: Record<string, any> }[] }, path: string, out: Difference[]): string[] | null {
  if ('error' in expected) {
    const extensions = body.errors?.[0]?.extensions;
    if (extensions?.code !== expected.error.code || (expected.error.reason && extensions?.reason !== expected.error.reason) || body.data?.creditCheck) {
      out.push({ rule: 'check', path, expected: expected.error, actual: body.errors ?? body.data });
    }
    return null;
  }
  if (body.errors?.length || !body.data?.creditCheck) {
    out.push({ rule: 'error', path, expected: 'a credit check', actual: body.errors ?? body });
    return null;
  }
  const check = body.data.creditCheck;
  const hits = (list: Hit[]) => list.map((h) => `${h.measure.code} ${h.record.id}`).sort();
  const actual = { verdict: check.verdict, view: check.subject.view, restrictions: hits(check.restrictions), warnings: hits(check.warnings), incentives: hits(check.incentives) };
  for (const key of Object.keys(actual) as (keyof typeof actual)[]) {
    if (!isDeepStrictEqual(expected[key], actual[key])) out.push({ rule: 'check', path: `${path}.${key}`, expected: expected[key], actual: actual[key] });
  }
  return [...new Set([...check.restrictions, ...check.warnings, ...check.incentives].map((h: Hit) => h.record.id))].sort();
}
