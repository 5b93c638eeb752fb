import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** V8's own trace of its pretenuring decisions, for the probe's literal kept alive under `mode` */
async function traceOf(mode: 'on' | 'off'): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--trace-pretenuring-statistics', '--max-semi-space-size=1', '--import', 'tsx', path.join(root, 'test/support/pretenuring.probe.ts'), mode],
    { cwd: root, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  expect(stdout).toContain('PROBE kept=400000');
  return stdout;
}

/**
 * Issue 18 (bench/RESULTS.md 4p): V8 tenured the allocation site of a per-request object (the record row) after a
 * stretch of saturation, and from then on every such object was born old and took its young contents with it into
 * the old generation. The gateway turns allocation-site pretenuring off; these tests watch V8's own trace.
 */
describe('V8 allocation-site pretenuring (issue 18)', () => {
  it('with V8\'s default (on) the probe\'s literal is tenured: the probe can see a tenure decision', async () => {
    expect(await traceOf('on')).toMatch(/=> tenure/);
  }, 90_000);

  it('V8_PRETENURING=off: the same literal kept alive is never tenured', async () => {
    // only decisions are checked: V8 may weigh counts during Node's and tsx's own start-up, before the probe's call
    expect(await traceOf('off')).not.toMatch(/=> tenure/);
  }, 90_000);

  it('V8_PRETENURING is off unless set to on, and refuses other values', () => {
    expect(loadConfig({}).v8Pretenuring).toBe('off');
    expect(loadConfig({ V8_PRETENURING: 'on' }).v8Pretenuring).toBe('on');
    expect(() => loadConfig({ V8_PRETENURING: 'yes' })).toThrow(/V8_PRETENURING must be on or off/);
  });
});
