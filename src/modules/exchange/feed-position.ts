import { defineExchangeAbility } from '../../../policies/exchange.js';
import type { Viewer } from '../../../policies/viewer.js';
import { recordChangeFieldMap, scopeOf, type SqlScope } from '../disclosure/scope.sql.js';
import { decodeCursor, encodeCursor } from '../pagination.js';

/** The compiled feed rules of one peer (policies/exchange.ts), over the change's version (r) and record (cur). */
export function feedScope(viewer: Viewer): SqlScope {
  return scopeOf(defineExchangeAbility(viewer), 'RecordChange', () => recordChangeFieldMap('r', 'cur'));
}

/** A feed cursor: the sealed change sequence (opaque, tamper-evident, §10.3); null or '' → from the beginning. */
export function feedPosition(after: string | null | undefined): string {
  const key = decodeCursor(after === '' ? null : after, ['digits']);
  return key ? key[0] : '0';
}

export const feedCursor = (sequence: string) => encodeCursor([sequence]);
