import DataLoader from 'dataloader';
import type { Db } from '../../db/client.js';
import type { SqlScope } from '../disclosure/scope.sql.js';
import {
  loadQualifications, loadRecordPages, loadVisibleVersions,
  type RecordPageRequest, type RecordPageResult, type RecordRow, type RecordVersionRow,
} from './records.repository.js';

/** Per-request, per-scope loaders (STYLE 4): one statement per kind of data, never one per subject or record. */
export interface RecordLoaders {
  pages: DataLoader<RecordPageRequest, RecordPageResult, string>;
  qualifications: DataLoader<number, RecordRow[]>;
  /** W2a: earlier versions this standing may see, judged by the same scope as current records */
  versions: DataLoader<string, RecordVersionRow[]>;
}

export function createRecordLoaders(db: Db, scope: SqlScope, now: Date): RecordLoaders {
  return {
    pages: new DataLoader<RecordPageRequest, RecordPageResult, string>(
      async (requests) => {
        // one statement per distinct argument set (normally exactly one)
        const groups = new Map<string, RecordPageRequest[]>();
        for (const request of requests) {
          const key = JSON.stringify([request.categories, request.types, request.after, request.limit]);
          groups.set(key, [...(groups.get(key) ?? []), request]);
        }
        const results = new Map<RecordPageRequest, RecordPageResult>();
        for (const group of groups.values()) {
          const pages = await loadRecordPages(db, group, scope, now);
          for (const request of group) results.set(request, pages.get(request.subjectId) ?? { rows: [], total: 0, sources: [] });
        }
        return requests.map((request) => results.get(request)!);
      },
      { cacheKeyFn: (request) => JSON.stringify(request) },
    ),
    qualifications: new DataLoader<number, RecordRow[]>(async (subjectIds) => {
      const bySubject = await loadQualifications(db, subjectIds, scope, now);
      return subjectIds.map((id) => bySubject.get(id) ?? []);
    }),
    versions: new DataLoader<string, RecordVersionRow[]>(async (recordIds) => {
      const byRecord = await loadVisibleVersions(db, recordIds, scope, now);
      return recordIds.map((id) => byRecord.get(id) ?? []);
    }),
  };
}
