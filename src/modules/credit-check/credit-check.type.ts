import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { Scenario, Verdict } from '../../graphql/enums.js';
import { CreditRecord } from '../records/record.type.js';
import { Subject } from '../subjects/subject.type.js';
import { PurposeType } from '../viewer/viewer.type.js';
import { Measure } from './measure.type.js';

@ObjectType({ description: 'A measure that applies, with the record that triggers it.' })
export class MeasureHit {
  @Field(() => Measure) measure!: Measure;
  @Field(() => CreditRecord, { description: 'the record as it was at the time of the check' }) record!: CreditRecord;
}

@ObjectType({ description: 'A licensing-style credit check (SPEC §7): a verdict a decision can cite by checkId.' })
export class CreditCheck {
  @Field(() => ID) checkId!: string;
  @Field(() => DateTimeScalar) checkedAt!: Date;
  @Field(() => Scenario) scenario!: string;
  @Field(() => PurposeType) purpose!: PurposeType;
  @Field(() => Verdict, { description: 'RESTRICT if any restriction applies, else WARN if any warning, else CLEAR' }) verdict!: string;
  @Field(() => Subject, { description: "the subject's fields as disclosed at the time of the check" }) subject!: Subject;
  @Field(() => [MeasureHit]) restrictions!: MeasureHit[];
  @Field(() => [MeasureHit]) warnings!: MeasureHit[];
  @Field(() => [MeasureHit], { description: 'incentives apply alongside and never change the verdict' }) incentives!: MeasureHit[];
}
