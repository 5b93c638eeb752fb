import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/db.js';
import { matchesAnswer, normaliseVolatile } from './answers.js';
import { startDemoGateway, type DemoGateway } from './demo-gateway.js';
import { API_SECTION, planReadme, type ReadmeStep } from './readme-blocks.js';
import { runInOneShell, type CommandResult } from './shell-session.js';

/**
 * Issue 14: the README's examples cannot drift. Every shell block of "Calling the API" (and any other block that calls
 * `$GATEWAY`) runs in order, in one bash session, against a freshly seeded demo gateway — what `npm start` gives a
 * newcomer — and each answer the README shows must be the real one (only instants, ids, hashes, tokens and cursors
 * are normalised; `…` in a shown answer is any text).
 *
 * The demo is seeded relative to the day it starts, so the walk-through runs twice: at the present, as npm start does,
 * and at a fixed awkward instant — a Sunday, 23:50 in Asia/Shanghai, the last day of February — where the demo's
 * records fall in other calendar years than on most days, so their ids and case officers differ (the README must not
 * depend on them). README_NOW=<ISO instant> replaces the fixed instant, to try another day.
 */
const README_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');
const readme = readFileSync(README_PATH, 'utf8');
const plan = planReadme(readme);
const steps: (ReadmeStep & { section: string })[] = plan.run.flatMap((block) => block.steps.map((step) => ({ ...step, section: block.section })));
const OTHER_DAY = process.env.README_NOW ?? '2027-02-28T15:50:00Z';
const onPglite = testDatabaseKinds().includes('pglite'); // an e2e test of the embedded demo: PGlite only

describe('README: which blocks run', () => {
  it('runs the blocks of "Calling the API", in order', () => {
    const sections = new Set(plan.run.map((block) => block.section.split(' › ')[0]));
    expect(sections).toContain(API_SECTION);
    expect(plan.run.length).toBeGreaterThan(10);
    expect(steps.filter((step) => step.answer).length).toBeGreaterThan(20);
  });

  it.each(plan.skipped.map((block) => [`README.md:${block.line} (${block.section}): ${block.reason}`, block] as const))('skips %s', (_, block) => {
    expect(block.reason).toMatch(/^not an API call \(|^not shell \(/);
  });

  it('keeps an example for the public and every role of the demo tokens', () => {
    const commands = steps.map((step) => step.command);
    expect(commands.some((c) => c.includes('curl') && !c.includes('authorization'))).toBe(true);
    for (const variable of ['DEPARTMENT_TOKEN', 'AGENCY_TOKEN', 'ENTERPRISE_TOKEN', 'CITIZEN_TOKEN', 'AUDITOR_TOKEN', 'ADMIN_TOKEN']) {
      expect(commands.some((c) => c.includes(`Bearer $${variable}`)), variable).toBe(true);
    }
  });

  it('starts from what npm start gives: .demo-tokens.env and the demo subject codes', () => {
    const setup = plan.run[0]!.body.join('\n');
    expect(setup).toContain('source .demo-tokens.env');
    expect(/^E=\S+/m.test(setup) && /^I=\S+/m.test(setup)).toBe(true);
  });
});

const days: [string, Date | undefined][] = [['today, as npm start seeds it', undefined], [`seeded at ${OTHER_DAY}`, new Date(OTHER_DAY)]];

describe.skipIf(!onPglite).each(days)('README "Calling the API" on a fresh demo %s', (_, now) => {
  let demo: DemoGateway | undefined;
  let results: CommandResult[] = [];

  beforeAll(async () => {
    demo = await startDemoGateway(now ? { now } : {});
    results = await runInOneShell(steps.map((step) => step.command), {
      cwd: demo.workDir, // it holds the .demo-tokens.env the README sources
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: demo.workDir, LANG: 'C.UTF-8', ...demo.shellEnv },
      timeoutMs: 90_000,
    });
  }, 150_000);

  afterAll(async () => {
    await demo?.close();
  });

  it('names the subjects npm start prints for this demo ($E, $I)', () => {
    const setup = plan.run[0]!.body.join('\n');
    expect(/^E=(\S+)/m.exec(setup)?.[1]).toBe(demo!.cast.enterprise);
    expect(/^I=(\S+)/m.exec(setup)?.[1]).toBe(demo!.cast.individual);
  });

  const cases = steps.map((step, i) => [`README.md:${step.line} (${step.section}) ${step.answer ? 'answers as shown' : 'runs'}`, i] as const);
  it.each(cases)('%s', (where, i) => {
    const step = steps[i]!;
    const result = results[i]!;
    const context = `${where}\n$ ${step.command}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    expect(result.status, context).toBe(0);
    expect(result.stderr, context).toBe('');
    if (step.answer) {
      const shown = normaliseVolatile(step.answer.text);
      const actual = normaliseVolatile(result.stdout.trim());
      expect(matchesAnswer(result.stdout, step.answer.text), `${where}: the answer shown at README.md:${step.answer.line} is not the real one\nshown:  ${shown}\nactual: ${actual}`).toBe(true);
    } else {
      expect(result.stdout, `${context}\n(a step without a shown answer must not fail)`).not.toMatch(/"errors"\s*:/);
    }
  });
});
