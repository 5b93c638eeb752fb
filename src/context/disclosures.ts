import type { Purpose } from '../../policies/purposes.js';
import type { ViewTier } from '../../policies/viewer.js';

/**
 * What one request disclosed: one entry per resolved subject, with the ids of the records actually returned.
 * The access log (SPEC §6, L1) is written from these entries when the response is ready.
 */
export interface DisclosureEntry {
  subjectCode: string;
  view: ViewTier;
  purpose: Purpose | null;
  grantId: string | null;
  operationName: string | null;
  recordIds: Set<string>;
}

export class DisclosureCollector {
  readonly entries: DisclosureEntry[] = [];

  subject(entry: Omit<DisclosureEntry, 'recordIds'>): DisclosureEntry {
    const created: DisclosureEntry = { ...entry, recordIds: new Set() };
    this.entries.push(created);
    return created;
  }
}
