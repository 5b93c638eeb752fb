import { Field, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection.js';
import { CreditRecord } from '../records/record.type.js';
import { Subject } from '../subjects/subject.type.js';

@ObjectType({ description: 'WEB2: a record the public may see right now, with its subject, both in the public view (双公示, lists, honours).' })
export class PublicNotice {
  @Field(() => Subject) subject!: Subject;
  @Field(() => CreditRecord) record!: CreditRecord;
}

export const PublicNoticeConnection = Connection(PublicNotice, 'PublicNotice');
