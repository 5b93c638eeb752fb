import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars.js';
import { Disclosure, Severity } from '../../graphql/enums.js';

@InputType({ description: 'One credit record as filed by its source department (SPEC §9).' })
export class RecordInput {
  @Field(() => String) subjectCode!: string;
  @Field(() => String) type!: string;
  @Field(() => String, { description: "the source's own id; re-submitting it updates the same record (W2)" }) sourceRef!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) summary?: string | null;
  @Field(() => String, { nullable: true }) decisionNumber?: string | null;
  @Field(() => DateTimeScalar) decidedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) validFrom?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) validUntil?: Date | null;
  @Field(() => Severity, { nullable: true }) severity?: string | null;
  @Field(() => String, { nullable: true }) legalBasis?: string | null;
  @Field(() => Float, { nullable: true }) amount?: number | null;
  @Field(() => String, { nullable: true }) grade?: string | null;
  @Field(() => String, { nullable: true }) group?: string | null;
  @Field(() => Disclosure, { nullable: true, description: "defaults to the type's; never looser" }) disclosure?: string | null;
  @Field(() => JSONScalar, { nullable: true }) details?: unknown;
}

@ObjectType()
export class RowError {
  @Field(() => Int, { description: '0-based index of the input row' }) index!: number;
  @Field(() => String) reason!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'An atomic batch (W1): all rows written, or none and every invalid row reported.' })
export class BatchResult {
  @Field(() => Int) accepted!: number;
  @Field(() => [ID], { description: 'ids[i] is the id of input row i (subjects: the normalised code)' }) ids!: string[];
  @Field(() => [RowError]) errors!: RowError[];
}
