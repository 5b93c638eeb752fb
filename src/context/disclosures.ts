import type { Purpose } from '../../policies/purposes.js';
import type { ViewTier } from '../../policies/viewer.js';

/**
 * What one request disclosed: one entry per resolved subject, with the ids of the records actually returned.
 * The access log (SPEC §6, L1) is written from these entries when the response is ready. Every operation that
 * returns subject data — subjects, searches, credit checks, cases, grants, mutation answers — registers here, at
 * the moment the data is placed in the response (so a field that is not selected discloses nothing).
 */
export interface DisclosureEntry {
  /** null: the response only counted subjects (L1: one event without a subject, no receipt for anyone) */
  subjectCode: string | null;
  /** null for auditors' log work (L4) and for counts */
  view: ViewTier | null;
  purpose: Purpose | null;
  grantId: string | null;
  operationName: string | null;
  recordIds: Set<string>;
}

type EntryInput = Omit<DisclosureEntry, 'recordIds'> & { subjectCode: string };

/**
 * One list answer of an operation (a connection of subjects, cases or grants). Its items register one entry per
 * subject when they are placed in the response; if none is, but the answer counted some, it writes one event
 * without a subject (L1: "a response that only counts").
 */
export class Listing {
  private readonly bySubject = new Map<string, DisclosureEntry>();
  shown = false;

  constructor(
    private readonly collector: DisclosureCollector,
    readonly operationName: string,
    readonly purpose: Purpose | null,
    readonly total: number,
  ) {}

  /** The entry of one subject in this answer (one per subject and view, however many of its items are shown). */
  subject(entry: Omit<EntryInput, 'operationName' | 'purpose'> & { purpose?: Purpose | null }): DisclosureEntry {
    this.shown = true;
    const key = `${entry.subjectCode}\u0000${entry.view ?? ''}\u0000${entry.grantId ?? ''}`;
    let found = this.bySubject.get(key);
    if (!found) {
      found = this.collector.subject({
        subjectCode: entry.subjectCode, view: entry.view, purpose: entry.purpose ?? this.purpose, grantId: entry.grantId, operationName: this.operationName,
      });
      this.bySubject.set(key, found);
    }
    return found;
  }

  /** An item shown that was already registered elsewhere (a Subject node registers itself). */
  markShown(): void {
    this.shown = true;
  }
}

/**
 * What identifies an event apart from its instant, request and caller (the same for every event of a request): two
 * entries with one key disclose the same thing. Record ids are compared as a set.
 */
export function disclosureKey(entry: DisclosureEntry): string {
  return JSON.stringify([
    entry.subjectCode, entry.view, entry.purpose?.kind ?? null, entry.purpose?.reference ?? null, entry.grantId, entry.operationName,
    [...entry.recordIds].sort(),
  ]);
}

export class DisclosureCollector {
  private readonly entries: DisclosureEntry[] = [];
  private readonly listings: Listing[] = [];
  /**
   * Issue 18: a subject read may store its own event in its read statement (the append folded into the read), only
   * when compiled execution runs a document on the primary and says so. False everywhere else.
   */
  foldable = false;
  /** events already stored by folded reads of this request (kept when Apollo runs the request again) */
  private readonly stored: { key: string; sequence: number }[] = [];

  subject(entry: EntryInput): DisclosureEntry {
    // a literal of one shape, not `{ ...entry, recordIds }` (policies/fields.ts says why)
    const created: DisclosureEntry = {
      subjectCode: entry.subjectCode, view: entry.view, purpose: entry.purpose, grantId: entry.grantId, operationName: entry.operationName,
      recordIds: new Set(),
    };
    this.entries.push(created);
    return created;
  }

  /** A list answer of `operationName` with `total` matching items (see Listing). */
  listing(operationName: string, purpose: Purpose | null, total: number): Listing {
    const listing = new Listing(this, operationName, purpose, total);
    this.listings.push(listing);
    return listing;
  }

  /**
   * A folded read stored the event of `entry` (what it was built from, with the record ids the statement stored) at
   * `sequence`; the response must then place exactly that.
   */
  markStored(entry: DisclosureEntry, sequence: number): void {
    this.stored.push({ key: disclosureKey(entry), sequence });
  }

  /** The events a discarded run of this request already stored: this run does not store them again. */
  adoptStored(from: DisclosureCollector): void {
    this.stored.push(...from.stored);
  }

  /**
   * What is left to store: `events()` less one entry per event a folded read stored, when the entry is that event
   * exactly. An entry that differs from its folded event (the response placed other records than the read predicted)
   * is stored in full; `unmatched` gives the sequences of folded events no entry matched — what the log holds beyond
   * the response (an append-only chain cannot take them back: they are reported, src/modules/access-log/access-log.observer.ts).
   */
  unstored(): { entries: DisclosureEntry[]; folded: number; unmatched: number[] } {
    const entries = this.events();
    if (this.stored.length === 0) return { entries, folded: 0, unmatched: [] };
    const waiting = [...this.stored];
    const left = entries.filter((entry) => {
      const key = disclosureKey(entry);
      const at = waiting.findIndex((stored) => stored.key === key);
      if (at < 0) return true;
      waiting.splice(at, 1);
      return false;
    });
    return { entries: left, folded: this.stored.length, unmatched: waiting.map((stored) => stored.sequence) };
  }

  /** Everything to log: the subject entries, and one subject-less entry per list answer that only counted. */
  events(): DisclosureEntry[] {
    const counted = this.listings
      .filter((listing) => !listing.shown && listing.total > 0)
      .map((listing): DisclosureEntry => ({
        subjectCode: null, view: null, purpose: listing.purpose, grantId: null, operationName: listing.operationName, recordIds: new Set(),
      }));
    return counted.length ? [...this.entries, ...counted] : this.entries;
  }
}
