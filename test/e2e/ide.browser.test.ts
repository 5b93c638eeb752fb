import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { findChromium } from '../support/chromium.js';
import { createOrganization } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC O6 in a real Chromium (Debian's `chromium` package, driven by playwright-core): the IDE renders from this
 * process alone, a bearer token typed into its Auth tab reaches the gateway, and the page asks no other host for
 * anything. Skipped, with the reason printed, where no Chromium is installed.
 */
const executablePath = findChromium('O6');

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

interface Seen {
  /** every http(s)/ws(s) request the page, its frames and workers made */
  requests: URL[];
  /** CSP reports: something tried to load from where the policy forbids */
  violations: string[];
  /** the Authorization header of each POST /graphql, in order (null: none) */
  authorizations: (string | null)[];
}

function watch(page: Page): Seen {
  const seen: Seen = { requests: [], violations: [], authorizations: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (/^(https?|wss?):$/.test(url.protocol)) seen.requests.push(url);
    if (request.method() === 'POST' && url.pathname === '/graphql') seen.authorizations.push(request.headers().authorization ?? null);
  });
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) seen.violations.push(message.text());
  });
  return seen;
}

/** Sends the current window and returns the gateway's answer to its query (introspection requests are skipped). */
async function send(page: Page, gatewayUrl: string) {
  const answer = page.waitForResponse((response) => {
    const request = response.request();
    return request.method() === 'POST' && response.url() === gatewayUrl && !(request.postData() ?? '').includes('__schema');
  });
  await page.locator('.send-request__button').click();
  return answer;
}

describe.skipIf(!executablePath)('O6: the IDE in a real Chromium', () => {
  let database: TestDatabase;
  let gw: TestGateway;
  let browser: Browser;
  let department: string;

  beforeAll(async () => {
    database = await openTestDatabase(testDatabaseKinds()[0] ?? 'pglite');
    department = await createOrganization(database.db, 'DEPARTMENT');
    gw = await startTestGateway(database);
    browser = await chromium.launch({ executablePath, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await database?.close();
  });

  it('O6: the IDE renders offline, sends the bearer token from its Auth tab, and calls no other host', { timeout: 30_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const seen = watch(page);
    const token = tokens.department(department);

    await page.goto(gw.url);
    // rendered: Altair's own send button, which exists only once the app has booted
    await page.locator('.send-request__button').waitFor({ timeout: 15_000 });
    // Altair loads the schema at start; with the Bearer field still empty it sends no Authorization header (a bare
    // "Bearer " would be a malformed header, answered 401)
    await expect.poll(() => seen.authorizations.length).toBeGreaterThan(0);
    expect(seen.authorizations.every((header) => header === null)).toBe(true);

    await page.getByRole('tab', { name: 'Auth' }).click();
    await page.locator('app-authorization-bearer [contenteditable="true"]').click();
    await page.keyboard.insertText(token);
    const me = await send(page, gw.url);
    expect(me.request().headers().authorization).toBe(`Bearer ${token}`);
    expect(me.status()).toBe(200);
    expect(await me.json()).toEqual({ data: { me: { role: 'department' } } });
    await expect.poll(() => page.locator('app-query-result').innerText()).toContain('"department"');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}ide.png` });

    // pre-request scripts run in Altair's sandbox frame, served from here too (or the request would hang)
    await page.getByRole('tab', { name: 'Pre-request' }).click();
    await page.getByText('Enable pre-request script').click();
    await page.locator('app-pre-request-editor [contenteditable="true"]').click();
    await page.keyboard.insertText('altair.helpers.setEnvironment("checkedBy", "pre-request");');
    const again = await send(page, gw.url);
    expect(again.status()).toBe(200);
    expect(seen.requests.some((url) => url.pathname.startsWith('/graphql/ide/iframe-sandbox/'))).toBe(true);

    const hosts = [...new Set(seen.requests.map((url) => url.hostname))];
    console.info(`O6 browser: ${seen.requests.length} requests, hosts ${hosts.join(', ')}, CSP violations ${seen.violations.length}`);
    expect(seen.requests.length).toBeGreaterThan(20);
    expect(hosts.filter((host) => !LOCAL_HOSTS.has(host))).toEqual([]);
    expect(seen.violations).toEqual([]);
    await page.close();
  });
});
