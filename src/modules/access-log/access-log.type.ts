import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
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

@ObjectType({ description: 'The chain recomputed over a time range (SPEC L3).' })
export class AccessLogVerification {
  @Field(() => Boolean) valid!: boolean;
  @Field(() => Int, { description: 'events checked' }) checked!: number;
  @Field(() => Int, { nullable: true, description: 'the first sequence number at which the chain is broken' })
  firstBrokenSequence!: number | null;
  @Field(() => Int, { nullable: true }) fromSequence!: number | null;
  @Field(() => Int, { nullable: true }) toSequence!: number | null;
  @Field(() => String, { nullable: true, description: 'hash of the last event checked' }) headHash!: string | null;
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
