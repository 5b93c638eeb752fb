import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Issue 18 (bench/RESULTS.md 4g): the objects the read path builds per request keep one hidden class each. On Node 20
 * an object made by a spread and then given more properties, or an object literal with a getter, gets a map of its
 * own on every evaluation; the gateway's minor GCs then copied ~1 MB of dead request objects each (5 ms pauses at one
 * connection). The probe runs under --allow-natives-syntax in a process of its own and asks V8 directly.
 */
describe('hidden classes of per-request objects (issue 18)', () => {
  it('every kind of object the read path builds per request shares one map, with fast properties', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/support/hidden-classes.probe.ts'], { timeout: 60_000 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, { sameMap: boolean; fast: boolean }>;
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(14);
    const broken = Object.entries(results).filter(([, result]) => !result.sameMap || !result.fast).map(([kind, result]) => ({ kind, ...result }));
    expect(broken).toEqual([]);
  }, 90_000);
});
