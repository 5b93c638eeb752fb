import { describe, expect, it } from 'vitest';
import { AccessLogWriter, MAX_FOLDS_IN_FLIGHT } from '../../src/modules/access-log/access-log.writer.js';
import type { Db } from '../../src/db/client.js';
import { ConfigError, DEFAULT_ACCESS_LOG_FOLDS, loadConfig } from '../../src/config/config.js';

/**
 * Issue 18: when a subject read may store its own event (AccessLogWriter.claimFold), and O4: what `drained` waits for.
 * No append runs here (those are tested against both databases in test/e2e/folded-append.e2e.test.ts); a writer whose
 * database is never called is enough for the claims themselves.
 */
const writer = () => new AccessLogWriter(null as unknown as Db);

describe('issue 18: reads that store their own access events', () => {
  it('issue 18: at most MAX_FOLDS_IN_FLIGHT reads fold at once; a release frees its place once, however often it is called', () => {
    const log = writer();
    const claims = Array.from({ length: MAX_FOLDS_IN_FLIGHT }, () => log.claimFold());
    expect(claims.every((release) => typeof release === 'function')).toBe(true);
    expect(log.claimFold()).toBeNull();
    claims[0]!();
    claims[0]!();
    const next = log.claimFold();
    expect(next).not.toBeNull();
    expect(log.claimFold()).toBeNull();
  });

  it('issue 18: ACCESS_LOG_FOLDS sets how many reads fold at once — 0 none, every event group-committed; 1 one at a time', () => {
    const none = new AccessLogWriter(null as unknown as Db, 0);
    expect(none.claimFold()).toBeNull();
    const one = new AccessLogWriter(null as unknown as Db, 1);
    const release = one.claimFold();
    expect(release).not.toBeNull();
    expect(one.claimFold()).toBeNull();
    release!();
    expect(one.claimFold()).not.toBeNull();
  });

  it('issue 18: ACCESS_LOG_FOLDS defaults to the writer\'s MAX_FOLDS_IN_FLIGHT and refuses what is not a non-negative integer', () => {
    expect(DEFAULT_ACCESS_LOG_FOLDS).toBe(MAX_FOLDS_IN_FLIGHT);
    expect(loadConfig({}).accessLogFolds).toBe(MAX_FOLDS_IN_FLIGHT);
    expect(loadConfig({ ACCESS_LOG_FOLDS: '0' }).accessLogFolds).toBe(0);
    expect(loadConfig({ ACCESS_LOG_FOLDS: '4' }).accessLogFolds).toBe(4);
    for (const bad of ['-1', '1.5', 'off']) expect(() => loadConfig({ ACCESS_LOG_FOLDS: bad })).toThrow(ConfigError);
  });

  it('L2, issue 18: no read folds while the log refuses appends (failing), and reads fold again once it is not', () => {
    const log = writer();
    log.failing = true;
    expect(log.claimFold()).toBeNull();
    log.failing = false;
    expect(log.claimFold()).not.toBeNull();
  });

  it('O4: after stopFolding (shutdown) no read folds: every event goes through the writer, which drained() waits for', () => {
    const log = writer();
    log.stopFolding();
    expect(log.claimFold()).toBeNull();
  });

  it('O4: drained waits for the reads storing their own events, and resolves when the last one ends', async () => {
    const log = writer();
    await log.drained(); // idle: at once
    const first = log.claimFold()!;
    const second = log.claimFold()!;
    let done = false;
    const drained = log.drained().then(() => {
      done = true;
    });
    first();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false);
    second();
    await drained;
    expect(done).toBe(true);
  });
});
