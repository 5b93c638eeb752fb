import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { Purpose } from './purposes.js';
import type { RecordReader } from './records.js';
import type { Viewer } from './viewer.js';
import type { Disclosure } from './windows.js';

/**
 * What a peer platform receives through the exchange feed (SPEC §12, X1–X3), decided here and nowhere else. A change
 * is judged by the facts of the record *as of that change* (its version's class) and by where the record came from.
 * The rules are CASL, compiled to SQL by src/modules/disclosure/scope.sql.ts like the record rules of abilities.ts.
 */
export interface RecordChangeFacts {
  __type: 'RecordChange';
  /** the class of the record's version the change carries (W2: a correction may change it) */
  disclosure: Disclosure;
  /** X3: the peer platform the record came from (null: filed here) */
  originPlatform: string | null;
}

export type ExchangeAbility = MongoAbility<['read', 'RecordChange' | RecordChangeFacts]>;

export const RECORD_CHANGE_FACT_FIELDS = ['disclosure', 'originPlatform'] as const;

/** X1: the classes a peer receives — a department's SUPERVISION view of PUBLIC and SHARED; never SUBJECT_ONLY. */
export const EXCHANGED_CLASSES: readonly Disclosure[] = ['PUBLIC', 'SHARED'];

/** X2: the purpose a feed page is logged under. */
export const EXCHANGE_PURPOSE_KIND = 'SUPERVISION' as const;

export function defineExchangeAbility(viewer: Viewer): ExchangeAbility {
  const { can, cannot, build } = new AbilityBuilder<ExchangeAbility>(createMongoAbility);
  if (viewer.role === 'exchange' && viewer.orgCode) {
    can('read', 'RecordChange', { disclosure: { $in: [...EXCHANGED_CLASSES] } });
    // X3: what a peer sent is never sent back to it (a loop province → city → province carries nothing home)
    cannot('read', 'RecordChange', { originPlatform: viewer.orgCode });
  }
  return build({ detectSubjectType: (object) => object.__type });
}

/**
 * One datum, one source (W2, X3): the objections and repair applications of a record a peer platform sent belong
 * with that platform, whose department filed it and alone can correct or repair it; here they would wait forever.
 * Null when the record was filed here.
 */
export function peerRecordCaseRefusal(originPlatform: string | null | undefined): string | null {
  return originPlatform
    ? `This record was filed by the peer platform ${originPlatform}; objections and repair applications go to that platform, which alone can correct or repair it.`
    : null;
}

/** X2: a feed page is a DEPARTMENT disclosure under purpose SUPERVISION, with the peer's code as reference. */
export function exchangePurpose(peerCode: string): Purpose {
  return { kind: EXCHANGE_PURPOSE_KIND, reference: peerCode };
}

/**
 * X1: the fields of a change's record are those a department sees under SUPERVISION (G1: `details`, full codes); the
 * peer is never the record's source organisation here (its own records are not sent back), so no sourceRef and no
 * case statements (R1).
 */
export function exchangeReader(peerCode: string): RecordReader {
  return { view: 'DEPARTMENT', orgCode: peerCode };
}
