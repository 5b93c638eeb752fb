import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { PurposeKind, RecordCategory } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import { Organization } from '../organizations/organization.type.js';

@ObjectType({ description: 'An authorisation a subject gave a credit service agency (SPEC §5).' })
export class Grant {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "the granting subject's code (an individual's identity number masked for the agency)" })
  subjectCode!: string;
  @Field(() => Organization) agency!: Organization;
  @Field(() => [RecordCategory]) categories!: string[];
  @Field(() => PurposeKind) purpose!: string;
  @Field(() => DateTimeScalar) validFrom!: Date;
  @Field(() => DateTimeScalar) validUntil!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Boolean, { description: 'in force now: started, not expired, not revoked' }) active!: boolean;
  @Field(() => DateTimeScalar) createdAt!: Date;

  /** not in the schema */
  agencyCode!: string;
}

export const GrantConnection = Connection(Grant, 'Grant');

@InputType()
export class GrantInput {
  @Field(() => String) agencyCode!: string;
  @Field(() => [RecordCategory]) categories!: string[];
  @Field(() => PurposeKind) purpose!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'defaults to now' }) validFrom?: Date | null;
  @Field(() => DateTimeScalar, { description: 'at most one year after validFrom' }) validUntil!: Date;
}
