import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { RecordChangeKind, SubjectKind } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import { CreditRecord } from '../records/record.type.js';

@ObjectType({ description: 'X1: one change of a record a peer platform may receive, with the record as of that change.', simpleResolvers: true })
export class RecordChange {
  @Field(() => String, { description: 'the change sequence: ascending in commit order (gaps where a transaction rolled back)' }) sequence!: string;
  @Field(() => RecordChangeKind) kind!: string;
  @Field(() => DateTimeScalar, { description: 'when the change was made' }) at!: Date;
  @Field(() => String, { description: 'the full subject code' }) subjectCode!: string;
  @Field(() => SubjectKind, { description: 'so the receiving platform can register the subject (X3)' }) subjectKind!: string;
  @Field(() => String, { description: "the subject's name as a department sees it (G1)" }) subjectName!: string;
  @Field(() => CreditRecord, { description: 'the record as of this change: its version, status and dispute flag then; SUPERVISION view (X1)' })
  record!: CreditRecord;
}

export const RecordChangeConnection = Connection(RecordChange, 'RecordChange');
