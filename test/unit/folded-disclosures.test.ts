import { describe, expect, it } from 'vitest';
import { DisclosureCollector } from '../../src/context/disclosures.js';

/**
 * Issue 18: events a folded subject read stored are not stored again — but only when the response placed exactly
 * what they say (src/context/disclosures.ts `unstored`). The register stays the authority (L1): an entry that differs
 * from its folded event is stored in full, and a folded event no entry matches is counted.
 */
const PUBLIC_ENTRY = { subjectCode: 'S1', view: 'PUBLIC' as const, purpose: null, grantId: null, operationName: 'subject' };

describe('issue 18, L1: what a request still stores after its folded reads', () => {
  it('L1: an entry that is its folded event exactly (record ids as a set) is not stored again', () => {
    const collector = new DisclosureCollector();
    collector.markStored({ ...PUBLIC_ENTRY, recordIds: new Set(['r2', 'r1']) }, 41);
    collector.subject(PUBLIC_ENTRY).recordIds.add('r1').add('r2');
    expect(collector.unstored()).toEqual({ entries: [], folded: 1, unmatched: [] });
  });

  it('L1: an entry that names more records than were folded is stored in full, and the folded event counts as unmatched', () => {
    const collector = new DisclosureCollector();
    collector.markStored({ ...PUBLIC_ENTRY, recordIds: new Set(['r1']) }, 41);
    const entry = collector.subject(PUBLIC_ENTRY);
    entry.recordIds.add('r1').add('q9');
    const left = collector.unstored();
    expect(left.entries).toEqual([entry]);
    expect(left.unmatched).toEqual([41]);
  });

  it('L1: one folded event absorbs one entry; a second disclosure of the same subject is stored', () => {
    const collector = new DisclosureCollector();
    collector.markStored({ ...PUBLIC_ENTRY, recordIds: new Set() }, 41);
    collector.subject(PUBLIC_ENTRY);
    const second = collector.subject(PUBLIC_ENTRY);
    expect(collector.unstored()).toEqual({ entries: [second], folded: 1, unmatched: [] });
  });

  it('L1: another view, purpose or grant is another event', () => {
    const collector = new DisclosureCollector();
    collector.markStored({ ...PUBLIC_ENTRY, view: 'DEPARTMENT', recordIds: new Set() }, 41);
    const entry = collector.subject(PUBLIC_ENTRY);
    expect(collector.unstored()).toEqual({ entries: [entry], folded: 1, unmatched: [41] });
  });

  it('L1: a rerun of the request (Apollo after a dropped compiled run) adopts what the dropped run stored', () => {
    const dropped = new DisclosureCollector();
    dropped.markStored({ ...PUBLIC_ENTRY, recordIds: new Set(['r1']) }, 41);
    const rerun = new DisclosureCollector();
    rerun.adoptStored(dropped);
    rerun.subject(PUBLIC_ENTRY).recordIds.add('r1');
    expect(rerun.unstored()).toEqual({ entries: [], folded: 1, unmatched: [] });
  });

  it('L1: a request without folded reads stores everything it registered, counted listings included', () => {
    const collector = new DisclosureCollector();
    const entry = collector.subject(PUBLIC_ENTRY);
    collector.listing('searchSubjects', null, 3);
    const left = collector.unstored();
    expect(left.entries).toHaveLength(2);
    expect(left.entries[0]).toBe(entry);
    expect(left.folded).toBe(0);
  });
});
