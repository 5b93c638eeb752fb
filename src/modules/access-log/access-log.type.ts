import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { PurposeKind, ViewTier } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import { Organization } from '../organizations/organization.type.js';
import { PurposeType } from '../viewer/viewer.type.js';

@ObjectType({ description: 'One disclosure (or auditor action) in the hash-chained access log (SPEC §6).' })
export class AccessEvent {
  @Field(() => Int) sequence!: number;
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => String) requestId!: string;
  @Field(() => String, { nullable: true, description: 'token sub' }) actor!: string | null;
  @Field(() => String, { nullable: true }) role!: string | null;
  @Field(() => Organization, { nullable: true }) organization!: Organization | null;
  @Field(() => ViewTier, { nullable: true }) view!: string | null;
  @Field(() => PurposeType, { nullable: true }) purpose!: PurposeType | null;
  @Field(() => ID, { nullable: true }) grantId!: string | null;
  @Field(() => String, { nullable: true, description: 'always the full code' }) subjectCode!: string | null;
  @Field(() => [ID], { description: 'the records actually returned in the response' }) recordIds!: string[];
  @Field(() => String, { nullable: true }) operationName!: string | null;
  @Field(() => String) prevHash!: string;
  @Field(() => String) hash!: string;

  /** not in the schema */
  orgCode!: string | null;
}

export const AccessEventConnection = Connection(AccessEvent, 'AccessEvent');

@InputType()
export class AccessLogFilter {
  @Field(() => DateTimeScalar, { nullable: true }) from?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) to?: Date | null;
  @Field(() => String, { nullable: true }) orgCode?: string | null;
  @Field(() => String, { nullable: true }) actor?: string | null;
  @Field(() => String, { nullable: true }) subjectCode?: string | null;
  @Field(() => ViewTier, { nullable: true }) view?: string | null;
  @Field(() => PurposeKind, { nullable: true }) purpose?: string | null;
}

export const CheckpointStatus = {
  MATCHED: 'MATCHED',
  CHECKPOINTS_MISSING: 'CHECKPOINTS_MISSING',
  ROLLED_BACK: 'ROLLED_BACK',
  EVENTS_DELETED: 'EVENTS_DELETED',
  EVENTS_REWRITTEN: 'EVENTS_REWRITTEN',
  CASE_EVENTS_DELETED: 'CASE_EVENTS_DELETED',
  CASE_EVENTS_REWRITTEN: 'CASE_EVENTS_REWRITTEN',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  UNKNOWN_KEY: 'UNKNOWN_KEY',
} as const;
registerEnumType(CheckpointStatus, {
  name: 'CheckpointStatus',
  description: 'What the database shows against a signed checkpoint (SPEC L6)',
  valuesConfig: {
    MATCHED: { description: 'both chains hold, at the checkpoint\'s sequence numbers, the links it signed' },
    CHECKPOINTS_MISSING: { description: 'the database holds checkpoints but CHECKPOINT_DIR none: emptied, moved or not mounted' },
    ROLLED_BACK: { description: 'the database does not hold the checkpoint: restored from an older backup (or its checkpoints tampered with)' },
    EVENTS_DELETED: { description: 'the access log ends before the checkpoint, or its numbers were reused after it was signed' },
    EVENTS_REWRITTEN: { description: 'the access event at the checkpoint\'s sequence is another one, written before it (rewritten and rehashed)' },
    CASE_EVENTS_DELETED: { description: 'as EVENTS_DELETED, for the objection and repair case events' },
    CASE_EVENTS_REWRITTEN: { description: 'as EVENTS_REWRITTEN, for the objection and repair case events' },
    BAD_SIGNATURE: { description: 'the checkpoint\'s signature does not verify' },
    UNKNOWN_KEY: { description: 'no configured public key has the checkpoint\'s key id' },
  },
});

@ObjectType({ description: 'The database compared with a signed checkpoint (SPEC L6).' })
export class CheckpointVerification {
  @Field(() => CheckpointStatus) status!: string;
  @Field(() => DateTimeScalar) signedAt!: Date;
  @Field(() => String) keyId!: string;
  @Field(() => Int, { nullable: true, description: 'the access log\'s head when the checkpoint was signed' }) accessSequence!: number | null;
  @Field(() => Int, { nullable: true, description: 'the case events\' head when the checkpoint was signed' }) caseSequence!: number | null;
  @Field(() => Int, { nullable: true, description: 'where the damage starts at the earliest (case events for CASE_EVENTS_*)' })
  firstBrokenSequence!: number | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'ROLLED_BACK: when the newest checkpoint the database still holds was signed' })
  rolledBackTo!: Date | null;
}

@ObjectType({ description: 'A hash chain recomputed (SPEC L3, L6).' })
export class ChainVerification {
  @Field(() => Boolean) valid!: boolean;
  @Field(() => Int, { description: 'links checked' }) checked!: number;
  @Field(() => Int, { nullable: true, description: 'the first sequence number at which the chain is broken' })
  firstBrokenSequence!: number | null;
  @Field(() => String, { nullable: true, description: 'hash of the last link checked' }) headHash!: string | null;
}

@ObjectType({ description: 'The chain recomputed over a time range (SPEC L3), the case events\' chain, and the newest signed checkpoint (L6).' })
export class AccessLogVerification {
  @Field(() => Boolean, { description: 'both chains verify and the checkpoint (if any) MATCHED' }) valid!: boolean;
  @Field(() => Int, { description: 'events checked' }) checked!: number;
  @Field(() => Int, { nullable: true, description: 'the first sequence number at which the access log is broken (by the chain, or by the checkpoint)' })
  firstBrokenSequence!: number | null;
  @Field(() => Int, { nullable: true }) fromSequence!: number | null;
  @Field(() => Int, { nullable: true }) toSequence!: number | null;
  @Field(() => String, { nullable: true, description: 'hash of the last event checked' }) headHash!: string | null;
  @Field(() => ChainVerification, { description: 'objection and repair case events (§8), always the whole chain' }) caseEvents!: ChainVerification;
  @Field(() => CheckpointVerification, { nullable: true, description: 'null when checkpoints are off or none has been signed yet' })
  checkpoint!: CheckpointVerification | null;
}

@ObjectType({ description: 'A signed chain head (SPEC L6), as written outside the database.' })
export class SignedCheckpoint {
  @Field(() => DateTimeScalar) signedAt!: Date;
  @Field(() => Int, { nullable: true }) accessSequence!: number | null;
  @Field(() => String, { nullable: true }) accessHash!: string | null;
  @Field(() => Int, { nullable: true }) caseSequence!: number | null;
  @Field(() => String, { nullable: true }) caseHash!: string | null;
  @Field(() => String) keyId!: string;
  @Field(() => String, { description: 'base64 Ed25519 signature' }) signature!: string;
  @Field(() => String, { description: 'the checkpoint as one line of JSON: keep it, and pass it to verifyAccessLog(checkpoint:)' }) document!: string;
  @Field(() => String, { description: 'where it was written (a directory, or stdout)' }) writtenTo!: string;
}

@ObjectType({ description: 'Who looked at my file (SPEC L5): a department or agency view of the subject.' })
export class AccessReceipt {
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => Organization) organization!: Organization;
  @Field(() => ViewTier) view!: string;
  @Field(() => PurposeType, { nullable: true }) purpose!: PurposeType | null;
  @Field(() => ID, { nullable: true }) grantId!: string | null;

  /** not in the schema */
  orgCode!: string;
}

export const AccessReceiptConnection = Connection(AccessReceipt, 'AccessReceipt');
