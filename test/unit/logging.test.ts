import { describe, expect, it } from 'vitest';
import { createLogger, describeError } from '../../src/logging.js';

describe('logs never carry query parameters (DEVELOPERS: secrets never reach logs)', () => {
  const queryError = () => {
    const cause = Object.assign(new Error('relation "access_events" does not exist'), { code: '42P01' });
    return new Error('Failed query: SELECT * FROM append_access_events($1)\nparams: [{"subjectCode":"11010519491231002X"}]', { cause });
  };

  it('a failed statement is logged with the driver message and SQLSTATE, without its SQL parameters', () => {
    const described = describeError(queryError());
    expect(described).toMatchObject({ message: 'query failed: relation "access_events" does not exist', sqlState: '42P01' });
    expect(JSON.stringify(described)).not.toContain('11010519491231002X');
  });

  it('the logger writes one JSON line per entry and applies the same redaction', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line: string) => lines.push(line) });
    logger.error('append failed', { requestId: 'r-1', error: queryError() });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'error', message: 'append failed', requestId: 'r-1' });
    expect(lines[0]).not.toContain('11010519491231002X');
    expect(lines[0]).not.toContain('params');
  });
});
