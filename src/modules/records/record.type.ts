import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars.js';
import { Disclosure, RecordCategory, RecordNature, RecordStatus, Severity, RedactionReason } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import type { RecordRow } from './records.repository.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';
import type { RecordReader, recordFieldRules } from '../../../policies/records.js';
import type { ScopedAccess } from '../../context/scoped-access.js';

@ObjectType({ simpleResolvers: true })
export class Redaction {
  @Field(() => String) field!: string;
  @Field(() => RedactionReason) reason!: string;
}

@ObjectType({ description: 'An earlier version of a record (SPEC W2), judged for the viewer like a record of its own (W2a).', simpleResolvers: true })
export class CreditRecordVersion {
  @Field(() => Int) version!: number;
  @Field(() => DateTimeScalar, { description: 'when this version was replaced' }) replacedAt!: Date;
  @Field(() => [String], { description: 'fields that changed in the replacing version' }) changedFields!: string[];
  @Field(() => JSONScalar, {
    description: 'the record as it was: CreditRecord fields only, `details` only where the view gives details for this version, `sourceRef` only to its source organisation',
  })
  snapshot!: unknown;
  @Field(() => [Redaction], { description: 'what this version withholds from the viewer' }) redactions!: Redaction[];
}

@ObjectType({ description: 'X3: where a record a peer platform sent came from.', simpleResolvers: true })
export class RecordOrigin {
  @Field(() => String, { description: "the peer platform's organisation code" }) platform!: string;
  @Field(() => String, { description: "the record's id at that platform" }) originId!: string;
}

@ObjectType({ description: 'One fact filed by one source organisation about one subject (SPEC §3).', simpleResolvers: true })
export class CreditRecord {
  @Field(() => ID) id!: string;
  @Field(() => String) type!: string;
  @Field(() => RecordCategory) category!: string;
  @Field(() => RecordNature) nature!: string;
  @Field(() => Severity, { nullable: true }) severity!: string | null;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) summary!: string | null;
  @Field(() => String, { nullable: true }) decisionNumber!: string | null;
  @Field(() => DateTimeScalar) decidedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) validFrom!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) validUntil!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'end of the public window; null when unbounded or never public' })
  publicUntil!: Date | null;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
  @Field(() => Float, { nullable: true }) amount!: number | null;
  @Field(() => String, { nullable: true }) grade!: string | null;
  @Field(() => String, { nullable: true }) group!: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'free JSON, never public' }) details!: unknown;
  @Field(() => Disclosure) disclosure!: string;
  @Field(() => RecordStatus) status!: string;
  @Field(() => Boolean, { description: 'an objection is pending, or the last one was UNDETERMINED (SPEC R1, R2)' }) disputed!: boolean;
  @Field(() => [Redaction]) redactions!: readonly Redaction[];
  @Field(() => Int) version!: number;

  /** not in the schema: the row, who it is projected for and the field rules that follow (field resolvers read them) */
  row!: RecordRow;
  reader!: RecordReader;
  fields!: ReturnType<typeof recordFieldRules>;
  /** the standing the record was read under; null for a mutation's answer (no history then) */
  access!: ScopedAccess | null;
  /** a record as of an earlier instant (a stored credit check): history only up to then */
  asOf?: Date;
  /** its source organisation when it was read with the record (a records page) */
  sourceOrganization?: OrganizationRow;
}

export const CreditRecordConnection = Connection(CreditRecord, 'CreditRecord');
