import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEvent, chainHash, GENESIS_HASH, verifySegment, type CanonicalEventFields } from '../../src/modules/access-log/chain.js';

/**
 * SPEC L3: the hash chain of the access log, recomputed in TypeScript. The canonical form must be injective
 * (NULL ≠ '', no `a|b` ambiguity) and count characters exactly as PostgreSQL's `length()` does, so that the
 * application's recomputation agrees with `access_event_canonical` in migrations/0003_access_log.sql.
 */

type Row = { fields: CanonicalEventFields; hash: string };

function eventFields(sequence: number, overrides: Partial<CanonicalEventFields> = {}): Omit<CanonicalEventFields, 'prevHash'> {
  return {
    sequence: String(sequence),
    at: `2026-06-01T04:${String(sequence % 60).padStart(2, '0')}:00.000000Z`,
    requestId: `req-${sequence}`,
    actor: sequence % 2 ? 'officer-1' : null,
    role: sequence % 2 ? 'department' : 'public',
    orgCode: sequence % 2 ? 'DEPT-1' : null,
    view: sequence % 2 ? 'DEPARTMENT' : 'PUBLIC',
    purposeKind: sequence % 2 ? 'LICENSING' : null,
    purposeReference: sequence % 2 ? `QC-${sequence}` : null,
    grantId: null,
    subjectCode: `91440200MA4UT${String(sequence).padStart(5, '0')}`,
    recordIds: sequence % 3 ? [`rec-${sequence}-a`, `rec-${sequence}-b`] : [],
    operationName: 'subject',
    ...overrides,
  };
}

/** A valid chain of `count` events from sequence 1, hashed exactly as the SQL append function does. */
function buildChain(count: number): Row[] {
  const rows: Row[] = [];
  let prev = GENESIS_HASH;
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const fields: CanonicalEventFields = { ...eventFields(sequence), prevHash: prev };
    const hash = chainHash(prev, fields);
    rows.push({ fields, hash });
    prev = hash;
  }
  return rows;
}

const clone = (rows: Row[]): Row[] => rows.map((row) => ({ fields: { ...row.fields }, hash: row.hash }));

describe('canonical event (L3)', () => {
  const base: CanonicalEventFields = {
    sequence: '7',
    at: '2026-06-01T04:00:00.123000Z',
    requestId: 'req-1',
    actor: 'officer|𠮷',
    role: 'department',
    orgCode: 'DEPT-1',
    view: 'DEPARTMENT',
    purposeKind: 'LICENSING',
    purposeReference: '',
    grantId: null,
    subjectCode: '91440200MA4UTEST01',
    recordIds: ['a', 'b'],
    operationName: 'subject',
    prevHash: GENESIS_HASH,
  };

  it('L3: the canonical form and hash equal what PostgreSQL access_event_canonical produces (golden, from PostgreSQL 15 and PGlite)', () => {
    // SELECT access_event_canonical(7, '2026-06-01T04:00:00.123Z', 'req-1', 'officer|𠮷', 'department', 'DEPT-1',
    //   'DEPARTMENT', 'LICENSING', '', NULL, '91440200MA4UTEST01', ARRAY['a','b'], 'subject', repeat('0',64))
    expect(canonicalEvent(base)).toBe(
      '1:7|27:2026-06-01T04:00:00.123000Z|5:req-1|9:officer|𠮷|10:department|6:DEPT-1|10:DEPARTMENT|9:LICENSING|0:|-'
      + `|18:91440200MA4UTEST01|9:2#1:a,1:b|7:subject|64:${'0'.repeat(64)}`,
    );
    expect(chainHash(GENESIS_HASH, base)).toBe('fab6dd3fcbaa91b169d9bb0730a9788dca2edcc7c994a919220ab4aa42572166');
  });

  it('L3: the hash is SHA-256 over prevHash followed by the canonical event, hex-encoded', () => {
    const prev = 'ab'.repeat(32);
    const expected = createHash('sha256').update(prev + canonicalEvent({ ...base, prevHash: prev }), 'utf8').digest('hex');
    expect(chainHash(prev, { ...base, prevHash: prev })).toBe(expected);
    expect(chainHash(prev, { ...base, prevHash: prev })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('L3: record id arrays that would join to the same text stay distinct ({a,b} vs {"a,b"} vs {a,NULL,b} vs {} vs {""})', () => {
    const variants: (string | null)[][] = [['a', 'b'], ['a,b'], ['a', null, 'b'], [], ['']];
    const texts = variants.map((recordIds) => canonicalEvent({ ...base, recordIds }));
    expect(new Set(texts).size).toBe(variants.length);
  });

  it('L3: NULL and the empty string are different canonical values', () => {
    const withNull = { ...base, grantId: null };
    const withEmpty = { ...base, grantId: '' };
    expect(canonicalEvent(withNull)).toContain('|-|');
    expect(canonicalEvent(withEmpty)).toContain('|0:|');
    expect(canonicalEvent(withNull)).not.toBe(canonicalEvent(withEmpty));
    expect(chainHash(GENESIS_HASH, withNull)).not.toBe(chainHash(GENESIS_HASH, withEmpty));
  });

  it('L3: a field whose text is "-" differs from NULL', () => {
    expect(canonicalEvent({ ...base, actor: '-' })).not.toBe(canonicalEvent({ ...base, actor: null }));
  });

  it('L3: length prefixes make a separator inside a value unambiguous (actor "a|b", role "c" ≠ actor "a", role "b|c")', () => {
    const left = { ...base, actor: 'a|b', role: 'c' };
    const right = { ...base, actor: 'a', role: 'b|c' };
    expect(canonicalEvent(left)).not.toBe(canonicalEvent(right));
    expect(chainHash(GENESIS_HASH, left)).not.toBe(chainHash(GENESIS_HASH, right));
    // a value that imitates the encoding of two fields does not collide either
    const forged = { ...base, actor: 'a|1:c', role: null };
    expect(canonicalEvent(forged)).not.toBe(canonicalEvent({ ...base, actor: 'a', role: 'c' }));
  });

  it('L3: a value cannot absorb its neighbour by shifting text across fields', () => {
    const one = { ...base, purposeKind: 'LICENSING', purposeReference: '9:X' };
    const two = { ...base, purposeKind: 'LICENSING|3:9:X', purposeReference: null };
    expect(canonicalEvent(one)).not.toBe(canonicalEvent(two));
  });

  it('L3: characters outside the BMP count as one character each, like PostgreSQL length() (not UTF-16 units, not bytes)', () => {
    expect(canonicalEvent({ ...base, purposeReference: '𠮷' })).toContain('|1:𠮷|');
    expect(canonicalEvent({ ...base, purposeReference: '案𠀀-😀1' })).toContain('|5:案𠀀-😀1|');
    // BMP CJK: one character, three UTF-8 bytes
    expect(canonicalEvent({ ...base, purposeReference: '韶关' })).toContain('|2:韶关|');
  });

  it('L3: every field takes part in the hash (changing any one changes the hash)', () => {
    const original = chainHash(GENESIS_HASH, base);
    for (const key of Object.keys(base) as (keyof CanonicalEventFields)[]) {
      const changed = { ...base, [key]: base[key] === null ? 'x' : `${base[key]}x` };
      expect(chainHash(GENESIS_HASH, changed), key).not.toBe(original);
    }
  });
});

describe('verifySegment (L3)', () => {
  it('L3: a valid chain verifies: every event checked, nothing broken, the head hash returned', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows, 1, GENESIS_HASH)).toEqual({ checked: 8, firstBroken: null, lastHash: rows[7].hash });
  });

  it('L3: an empty segment is valid and checks nothing', () => {
    expect(verifySegment([], 1, GENESIS_HASH)).toEqual({ checked: 0, firstBroken: null, lastHash: GENESIS_HASH });
  });

  it('L3: a later segment verifies from the hash of the event before it', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows.slice(4), 5, rows[3].hash)).toEqual({ checked: 4, firstBroken: null, lastHash: rows[7].hash });
  });

  it.each([
    ['subjectCode', '91440200MA4UTOTHER'],
    ['recordIds', ['rec-4-a']],
    ['at', '2026-06-01T05:04:00.000000Z'],
    ['actor', 'officer-2'],
    ['purposeReference', 'QC-forged'],
    ['operationName', 'searchSubjects'],
  ] as const)('L3: an altered %s of event 4 breaks the chain at 4', (key, value) => {
    const rows = clone(buildChain(8));
    rows[3].fields = { ...rows[3].fields, [key]: value };
    expect(verifySegment(rows, 1, GENESIS_HASH)).toMatchObject({ checked: 3, firstBroken: 4 });
  });

  it('L3: an altered event whose own hash was recomputed by the forger breaks the chain at the next event', () => {
    const rows = clone(buildChain(8));
    rows[3].fields = { ...rows[3].fields, subjectCode: '91440200MA4UTOTHER' };
    rows[3].hash = chainHash(rows[3].fields.prevHash!, rows[3].fields);
    expect(verifySegment(rows, 1, GENESIS_HASH)).toMatchObject({ checked: 4, firstBroken: 5 });
  });

  it('L3: an altered stored hash breaks the chain at that event', () => {
    const rows = clone(buildChain(8));
    rows[5].hash = 'f'.repeat(64);
    expect(verifySegment(rows, 1, GENESIS_HASH)).toMatchObject({ checked: 5, firstBroken: 6 });
  });

  it('L3: a deleted middle event is located at the missing sequence', () => {
    const rows = buildChain(8);
    const withoutFive = [...rows.slice(0, 4), ...rows.slice(5)];
    expect(verifySegment(withoutFive, 1, GENESIS_HASH)).toMatchObject({ checked: 4, firstBroken: 5 });
  });

  it('L3: a deleted first event is located at the first sequence', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows.slice(1), 1, GENESIS_HASH)).toMatchObject({ checked: 0, firstBroken: 1 });
  });

  it('L3: a duplicated sequence number is located at that sequence', () => {
    const rows = buildChain(8);
    const duplicate = { fields: { ...rows[2].fields, requestId: 'req-dup' }, hash: rows[2].hash };
    const withDuplicate = [...rows.slice(0, 3), duplicate, ...rows.slice(3)];
    expect(verifySegment(withDuplicate, 1, GENESIS_HASH)).toMatchObject({ checked: 3, firstBroken: 3 });
  });

  it('L3: an exact copy of an event inserted after it is located at its sequence', () => {
    const rows = buildChain(8);
    const withCopy = [...rows.slice(0, 3), rows[2], ...rows.slice(3)];
    expect(verifySegment(withCopy, 1, GENESIS_HASH)).toMatchObject({ checked: 3, firstBroken: 3 });
  });

  it('L3: two events in swapped order are located at the earlier sequence', () => {
    const rows = buildChain(8);
    const swapped = [...rows.slice(0, 2), rows[3], rows[2], ...rows.slice(4)];
    expect(verifySegment(swapped, 1, GENESIS_HASH)).toMatchObject({ checked: 2, firstBroken: 3 });
  });

  it('L3: two events whose contents were swapped (sequence numbers kept) are located at the earlier one', () => {
    const rows = clone(buildChain(8));
    const third = rows[2];
    const sixth = rows[5];
    rows[2] = { fields: { ...sixth.fields, sequence: '3' }, hash: sixth.hash };
    rows[5] = { fields: { ...third.fields, sequence: '6' }, hash: third.hash };
    expect(verifySegment(rows, 1, GENESIS_HASH)).toMatchObject({ checked: 2, firstBroken: 3 });
  });

  it('L3: a wrong prev_hash stored in an event (hash recomputed over it) breaks the chain at that event', () => {
    const rows = clone(buildChain(8));
    const forgedPrev = 'e'.repeat(64);
    rows[4].fields = { ...rows[4].fields, prevHash: forgedPrev };
    rows[4].hash = chainHash(forgedPrev, rows[4].fields);
    expect(verifySegment(rows, 1, GENESIS_HASH)).toMatchObject({ checked: 4, firstBroken: 5 });
  });

  it('L3: a segment whose predecessor hash does not match is broken at its first event', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows.slice(4), 5, 'e'.repeat(64))).toMatchObject({ checked: 0, firstBroken: 5 });
    expect(verifySegment(rows, 1, 'e'.repeat(64))).toMatchObject({ checked: 0, firstBroken: 1 });
  });

  it('L3: a missing predecessor (prevHash null) is located at the missing sequence before the segment', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows.slice(4), 5, null)).toMatchObject({ checked: 0, firstBroken: 4, lastHash: null });
  });

  it('L3: a segment that does not start at the expected sequence is located at the expected one', () => {
    const rows = buildChain(8);
    expect(verifySegment(rows.slice(2), 2, rows[0].hash)).toMatchObject({ checked: 0, firstBroken: 2 });
  });

  it('L3: a forged event appended at the end with a wrong hash is located at its sequence', () => {
    const rows = buildChain(8);
    const forged: Row = { fields: { ...eventFields(9), prevHash: rows[7].hash }, hash: 'a'.repeat(64) };
    expect(verifySegment([...rows, forged], 1, GENESIS_HASH)).toMatchObject({ checked: 8, firstBroken: 9 });
  });
});
