import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** SPEC §11 scale-out: GATEWAY_PROCESSES and what several processes require, refused at start (src/cluster.ts runs them). */
const POSTGRES = { DATABASE_URL: 'postgres://gateway@db:5432/credit' };

describe('§11 scale-out settings', () => {
  it('§11: GATEWAY_PROCESSES is 1 by default, a number of processes, or auto (one per CPU); anything else is refused', () => {
    expect(loadConfig({}).processes).toBe(1);
    expect(loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: '4' }).processes).toBe(4);
    expect(loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: 'auto' }).processes).toBe(availableParallelism());
    for (const bad of ['0', '-2', '1.5', 'many', '257']) {
      expect(() => loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: bad })).toThrow(`GATEWAY_PROCESSES must be a number from 1 to 256, or auto, not "${bad}"`);
    }
  });

  it('§11: several processes need PostgreSQL — the embedded PGlite database belongs to one process', () => {
    expect(() => loadConfig({ GATEWAY_PROCESSES: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_PROCESSES: '2' })).toThrow('GATEWAY_PROCESSES=2 needs PostgreSQL (DATABASE_URL)');
    expect(loadConfig({ GATEWAY_PROCESSES: '1' }).processes).toBe(1);
  });

  it('§11: with several processes the rate limits are shared in PostgreSQL by default, and per-process buckets are refused while limits are on', () => {
    expect(loadConfig({ ...POSTGRES }).limits.store).toBe('memory');
    expect(loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: '3' }).limits.store).toBe('postgres');
    expect(() => loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: '3', RATE_LIMIT_STORE: 'memory' }))
      .toThrow('GATEWAY_PROCESSES=3 with RATE_LIMIT_STORE=memory would admit each viewer 3 times its rate limit');
    expect(loadConfig({ ...POSTGRES, GATEWAY_PROCESSES: '3', RATE_LIMIT_STORE: 'memory', RATE_LIMIT_PER_SECOND: '0' }).limits.store).toBe('memory');
  });
});
