import { describe, expect, it } from 'vitest';
import { matchesAnswer } from './answers.js';
import { planReadme, stepsOf } from './readme-blocks.js';

/** The README test's own rules: how commands and shown answers are read, and what the comparison forgives. */
describe('reading a README shell block', () => {
  const block = (body: string) => ({ line: 1, lang: 'sh', section: 'Calling the API', body: body.split('\n') });

  it('ends a command where bash does: not inside a quote, not after a backslash', () => {
    const steps = stepsOf(block([
      `curl -s $GATEWAY -H 'content-type: application/json' \\`,
      `  -d '{"query":"mutation($r: [RecordInput!]!) { submitRecords(records: $r) { accepted } }",`,
      `       "variables":{"r":[]}}'`,
      `# {"data":{"submitRecords":{"accepted":0}}}`,
      `X=$(node -p '1 + 1')   # a trailing comment, no answer`,
    ].join('\n')));
    expect(steps.map((s) => s.line)).toEqual([2, 6]);
    expect(steps[0]!.command.split('\n')).toHaveLength(3);
    expect(steps[0]!.answer?.text).toBe('{"data":{"submitRecords":{"accepted":0}}}');
    expect(steps[1]!.answer).toBeNull();
  });

  it('joins an answer over its comment lines and skips prose comments before it', () => {
    const [step] = stepsOf(block(['curl -s $GATEWAY', '# (after the example above)', '# {"a":[1,', '#   2]}'].join('\n')));
    expect(step!.answer?.text).toBe('{"a":[1,2]}');
  });

  it('refuses an answer with no command before it', () => {
    expect(() => stepsOf(block('# {"data":{}}'))).toThrow(/no command before it/);
  });

  it('refuses a block outside the section that calls the gateway without $GATEWAY', () => {
    expect(() => planReadme('## Other\n```sh\ncurl -s http://127.0.0.1:4000/graphql\n```\n')).toThrow(/calls the gateway/);
    expect(planReadme('## Other\n```sh\nnpm start\n```\n').skipped[0]!.reason).toBe('not an API call (npm)');
  });
});

describe('comparing an answer with the one shown', () => {
  it('normalises instants, ids and hashes on both sides, shortened ones too', () => {
    expect(matchesAnswer(
      '{"id":"9dd3069c-bf06-4d44-9ac2-7d3f3a75f51b","at":"2026-12-02T11:25:29.279Z","hash":"fffff529d074059173cb25fced675b08faf319efc7c0857b0357c0a2114c8601"}',
      '{"id":"4c390f13-…","at":"2026-11-22T03:45:53.197Z","hash":"13196c06…"}',
    )).toBe(true);
  });

  it('reads … as any text, and nothing else', () => {
    const actual = '{"data":{"searchSubjects":{"totalCount":11,"edges":[{"node":{"name":"甲"}},{"node":{"name":"乙"}}]}}}';
    expect(matchesAnswer(actual, '{"data":{"searchSubjects":{"totalCount":11,"edges":[{"node":{"name":"甲"}}, …]}}}')).toBe(true);
    expect(matchesAnswer(actual, '{"data":{"searchSubjects":{"totalCount":15,"edges":[{"node":{"name":"甲"}}, …]}}}')).toBe(false);
    expect(matchesAnswer(actual, '{"data":{"searchSubjects":{"totalCount":11,"edges":[{"node":{"name":"丙"}}, …]}}}')).toBe(false);
    expect(matchesAnswer(actual, '{"data":{"searchSubjects":{"count":11, …}}}')).toBe(false);
  });

  it('does not forgive a count or a code that only looks like an id', () => {
    expect(matchesAnswer('{"totalCount":4,"code":"91440203MA4UQ8R2XK"}', '{"totalCount":5,"code":"91440203MA4UQ8R2XK"}')).toBe(false);
    expect(matchesAnswer('{"code":"91440203MA4UQ8R2XK"}', '{"code":"91440203MA4UQ8R2XA"}')).toBe(false);
  });
});
